/** Number formatting for the node faces, summary bar and panels. */
export const formatInt = (n: number): string => Math.round(n).toLocaleString('en-US');

/** A dataset's three splits, stated the same way wherever the app states them (Dataset tab, Training panel). */
export const formatSplitSizes = (s: { train: number; validation: number; test: number }): string =>
  `train ${formatInt(s.train)} · validation ${formatInt(s.validation)} · test ${formatInt(s.test)}`;

function scaled(n: number, units: [number, string][], digits = 1): string {
  for (const [div, unit] of units) if (Math.abs(n) >= div) return `${(n / div).toFixed(digits)} ${unit}`;
  return `${Math.round(n)} ${units[units.length - 1]![1].replace(/^[kMGT]/, '')}`.trim();
}

export function formatFlops(n: number): string {
  return scaled(n, [
    [1e12, 'TFLOP'],
    [1e9, 'GFLOP'],
    [1e6, 'MFLOP'],
    [1e3, 'kFLOP'],
  ]).replace(/^(\d+) $/, '$1 FLOP');
}

export function formatBytes(n: number): string {
  return scaled(n, [
    [1024 ** 4, 'TiB'],
    [1024 ** 3, 'GiB'],
    [1024 ** 2, 'MiB'],
    [1024, 'KiB'],
  ]).replace(/^(\d+)\s*$/, '$1 B');
}

export function formatParams(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : formatInt(n);
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '–';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}
