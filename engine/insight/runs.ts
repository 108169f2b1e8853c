/**
 * Run records: every training run is kept with what is needed to compare and restore it —
 * the graph snapshot, data binding, settings, per-epoch metrics, results, time and backend.
 */
import type { GraphDoc, TrainingSettings } from '../graph/schema.js';
import type { EpochDiagnostics } from './diagnostics.js';
import type { EpochEvent } from '../train/train.js';

export interface RunRecord {
  id: string;
  /** Display name, e.g. "MNIST Perceiver IO #3" or a sweep variant label. */
  name: string;
  startedMs: number;
  finishedMs: number | null;
  status: 'running' | 'done' | 'stopped' | 'diverged' | 'early-stopped' | 'failed';
  message?: string;
  graph: GraphDoc;
  settings: TrainingSettings;
  dataName: string;
  backend: string;
  totalParams: number;
  flopsPerExample: number;
  /** Per-epoch metrics, as train() reported them. */
  epochs: EpochEvent[];
  testAccuracy: number | null;
  testLoss: number | null;
  seconds: number | null;
  /** Present for sweep variants: the parameter values of this variant. */
  sweep?: { sweepId: string; values: Record<string, number | string | boolean> };
  /** Latent diagnostics per epoch (similarity matrices kept for the last epoch only). */
  diagnostics?: EpochDiagnostics[];
  /** The run started from pretrained weights (fine-tuning), e.g. an imported Hugging Face model. */
  startedFrom?: { label: string; loaded: number; replaced: string[]; frozenNodes: string[] };
}

/** Diagnostics as stored with a run: every epoch's numbers, the last epoch's similarity matrix. */
export function compactDiagnostics(list: EpochDiagnostics[]): EpochDiagnostics[] {
  return list.map((d, i) =>
    i === list.length - 1 ? d : { ...d, crossAttends: d.crossAttends.map((c) => ({ ...c, similarity: null })) },
  );
}

export type RunSortKey =
  'testAccuracy' | 'testLoss' | 'valAccuracy' | 'totalParams' | 'flopsPerExample' | 'seconds' | 'startedMs' | 'name';

/** The last epoch's validation accuracy (null when none was measured). */
export function finalValAccuracy(r: RunRecord): number | null {
  return r.epochs[r.epochs.length - 1]?.valAccuracy ?? null;
}

/** Sort runs for the table; missing values last whatever the direction. */
export function sortRuns(runs: RunRecord[], key: RunSortKey, descending: boolean): RunRecord[] {
  const val = (r: RunRecord): number | string | null =>
    key === 'name' ? r.name : key === 'valAccuracy' ? finalValAccuracy(r) : (r[key] as number | null);
  return [...runs].sort((a, b) => {
    const va = val(a);
    const vb = val(b);
    if (va === null && vb === null) return 0;
    if (va === null) return 1;
    if (vb === null) return -1;
    const c = typeof va === 'string' ? va.localeCompare(vb as string) : (va as number) - (vb as number);
    return descending ? -c : c;
  });
}

function csvCell(v: unknown): string {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The run table as CSV (one row per run, the columns the table shows). */
export function runsToCsv(runs: RunRecord[]): string {
  const sweepKeys = [...new Set(runs.flatMap((r) => Object.keys(r.sweep?.values ?? {})))].sort();
  const header = [
    'name',
    'status',
    'started',
    'backend',
    'data',
    'params',
    'flopsPerExample',
    'epochs',
    'finalLoss',
    'finalValAccuracy',
    'testAccuracy',
    'testLoss',
    'seconds',
    ...sweepKeys,
  ];
  const rows = runs.map((r) => {
    const last = r.epochs[r.epochs.length - 1];
    return [
      r.name,
      r.status,
      new Date(r.startedMs).toISOString(),
      r.backend,
      r.dataName,
      r.totalParams,
      r.flopsPerExample,
      r.epochs.length,
      last?.loss ?? '',
      last?.valAccuracy ?? '',
      r.testAccuracy ?? '',
      r.testLoss ?? '',
      r.seconds ?? '',
      ...sweepKeys.map((k) => r.sweep?.values[k] ?? ''),
    ]
      .map(csvCell)
      .join(',');
  });
  return [header.join(','), ...rows].join('\n') + '\n';
}
