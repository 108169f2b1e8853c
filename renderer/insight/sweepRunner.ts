/**
 * Sweeps: every variant of the graph (engine/insight/sweep) trained in turn through the normal
 * training path (same worker, same data binding, same seed), each one recorded as a run tagged
 * with its parameter values. A small steps-per-epoch limit keeps a sweep quick.
 */
import { useSyncExternalStore } from 'react';
import type { GraphDoc } from '../../engine/graph/schema';
import { sweepVariants, type SweepAxis, type SweepVariant } from '../../engine/insight/sweep';
import { onWorkerCrash } from '../training/workerClient';
import {
  getMaxStepsPerEpoch,
  getTrainState,
  isTraining,
  setMaxStepsPerEpoch,
  startTraining,
  stopTraining,
} from '../training/trainer';
import { onRunEnded, tagSweepRun } from './insightStore';

export interface SweepRow {
  label: string;
  values: SweepVariant['values'];
  totalParams: number;
  flopsPerExample: number;
  /** The analyser's reason when the variant cannot be built (it is skipped). */
  error?: string;
  status: 'pending' | 'running' | 'done' | 'failed' | 'skipped' | 'stopped';
  runId: number | null;
  recordId: string | null;
  testAccuracy: number | null;
  valAccuracy: number | null;
  seconds: number | null;
  message?: string;
}

export interface SweepState {
  id: string | null;
  status: 'idle' | 'running' | 'stopping' | 'done' | 'stopped';
  axes: SweepAxis[];
  rows: SweepRow[];
  current: number;
  maxStepsPerEpoch: number | null;
  docName: string;
}

let state: SweepState = {
  id: null,
  status: 'idle',
  axes: [],
  rows: [],
  current: -1,
  maxStepsPerEpoch: null,
  docName: '',
};
const listeners = new Set<() => void>();
let variants: SweepVariant[] = [];
/** The user's own steps-per-epoch choice, put back when the sweep ends. */
let savedMaxSteps: number | null = null;

function set(p: Partial<SweepState>): void {
  state = { ...state, ...p };
  for (const l of listeners) l();
}

export function getSweepState(): SweepState {
  return state;
}

export function useSweep<T>(sel: (s: SweepState) => T): T {
  return useSyncExternalStore(
    (l) => (listeners.add(l), () => listeners.delete(l)),
    () => sel(state),
  );
}

function patchRow(i: number, p: Partial<SweepRow>): void {
  set({ rows: state.rows.map((r, j) => (j === i ? { ...r, ...p } : r)) });
}

/**
 * Start a sweep over one or two parameters. Throws with a message naming the parameter when the
 * request is malformed; variants the analyser rejects are listed and skipped, not trained.
 */
export function startSweep(doc: GraphDoc, axes: SweepAxis[], opts: { maxStepsPerEpoch: number | null }): void {
  if (state.status === 'running' || state.status === 'stopping')
    throw new Error('A sweep is already running; stop it first');
  if (isTraining(getTrainState()))
    throw new Error('A training run is in progress; stop it or wait for it to finish before sweeping');
  variants = sweepVariants(doc, axes);
  if (variants.every((v) => v.error)) throw new Error(`No variant can be built: ${variants[0]!.error}`);
  savedMaxSteps = getMaxStepsPerEpoch();
  set({
    id: `sweep-${Date.now().toString(36)}`,
    status: 'running',
    axes,
    docName: doc.name,
    maxStepsPerEpoch: opts.maxStepsPerEpoch,
    current: -1,
    rows: variants.map((v) => ({
      label: v.label,
      values: v.values,
      totalParams: v.totalParams,
      flopsPerExample: v.flopsPerExample,
      error: v.error,
      status: v.error ? 'skipped' : 'pending',
      runId: null,
      recordId: null,
      testAccuracy: null,
      valAccuracy: null,
      seconds: null,
    })),
  });
  next();
}

function finish(status: 'done' | 'stopped'): void {
  setMaxStepsPerEpoch(savedMaxSteps);
  set({ status, current: -1, rows: state.rows.map((r) => (r.status === 'pending' ? { ...r, status: 'stopped' } : r)) });
}

function next(): void {
  if (state.status === 'stopping') return finish('stopped');
  const i = state.rows.findIndex((r) => r.status === 'pending');
  if (i < 0) return finish('done');
  setMaxStepsPerEpoch(state.maxStepsPerEpoch);
  startTraining(variants[i]!.doc);
  const runId = getTrainState().runId;
  tagSweepRun(runId, { sweepId: state.id!, values: variants[i]!.values });
  set({ current: i });
  patchRow(i, { status: 'running', runId });
}

onRunEnded((runId, record) => {
  const i = state.rows.findIndex((r) => r.runId === runId);
  if (i < 0 || state.rows[i]!.status !== 'running') return;
  const ok = record !== null && record.status !== 'failed' && record.status !== 'diverged';
  const fromTrainer = getTrainState();
  patchRow(i, {
    status: record?.status === 'stopped' ? 'stopped' : ok ? 'done' : 'failed',
    recordId: record?.id ?? null,
    testAccuracy: record?.testAccuracy ?? null,
    valAccuracy: record?.epochs[record.epochs.length - 1]?.valAccuracy ?? null,
    seconds: record?.seconds ?? null,
    message: record?.message ?? (fromTrainer.runId === runId ? (fromTrainer.error ?? undefined) : undefined),
  });
  // Let the trainer settle its own state for this run before the next one starts.
  setTimeout(next, 0);
});

onWorkerCrash((message) => {
  if (state.status !== 'running' && state.status !== 'stopping') return;
  if (state.current >= 0) patchRow(state.current, { status: 'failed', message });
  finish('stopped');
});

export function stopSweep(): void {
  if (state.status !== 'running') return;
  set({ status: 'stopping' });
  if (isTraining(getTrainState())) stopTraining();
  else finish('stopped');
}
