/**
 * Errors and skip records for data loading. Every problem names where it is (file, line, column,
 * element, image) so a user can open the file and fix it; nothing is dropped without a record.
 */

export interface DataLocation {
  file?: string;
  /** 1-based line in a text file (CSV), as an editor shows it. */
  line?: number;
  /** Column name or 1-based number. */
  column?: string;
  /** JSON element path, archive member, image path… */
  item?: string;
}

export class DataError extends Error {
  constructor(
    readonly problem: string,
    readonly where: DataLocation = {},
  ) {
    super(formatLocation(where) + problem);
    this.name = 'DataError';
  }
}

export function formatLocation(w: DataLocation): string {
  const parts: string[] = [];
  if (w.file) parts.push(w.file);
  if (w.line !== undefined) parts.push(`line ${w.line}`);
  if (w.column !== undefined) parts.push(`column ${w.column}`);
  if (w.item !== undefined) parts.push(w.item);
  return parts.length ? parts.join(', ') + ': ' : '';
}

/** What a loader left out, and why; `count` is exact even when `reasons` is capped. */
export interface Skipped {
  count: number;
  reasons: string[];
}

/** Keep the first reasons verbatim; beyond that only count (a million bad rows must not OOM). */
export const MAX_SKIP_REASONS = 100;

export function newSkipped(): Skipped {
  return { count: 0, reasons: [] };
}

export function skip(s: Skipped, reason: string): void {
  s.count++;
  if (s.reasons.length < MAX_SKIP_REASONS) s.reasons.push(reason);
}

export function mergeSkipped(a: Skipped, b: Skipped): Skipped {
  return { count: a.count + b.count, reasons: [...a.reasons, ...b.reasons].slice(0, MAX_SKIP_REASONS) };
}

/** How a loader treats a bad row or image: stop with an error (default) or skip and count it. */
export type BadRowPolicy = 'error' | 'skip';
