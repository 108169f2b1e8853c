/**
 * Insight state on the UI side: the run history (every run the worker starts becomes a
 * RunRecord, kept in IndexedDB), the per-epoch latent diagnostics, and the attention snapshot
 * the attention view asked for. It listens to the training worker's messages; it never touches
 * tfjs (the worker keeps the model).
 */
import { useSyncExternalStore } from 'react';
import { compactDiagnostics, type RunRecord } from '../../engine/insight/runs';
import type { EpochDiagnostics } from '../../engine/insight/diagnostics';
import { onWorkerCrash, onWorkerMessage, postIfRunning, postToWorker } from '../training/workerClient';
import type { AttentionSnapshot, FromWorker, ToWorker } from '../worker/protocol';
import { deleteRuns, loadRuns, MAX_RUNS, putRun } from './runsDb';

export interface AttentionRequestState {
  split: 'train' | 'validation' | 'test';
  index: number;
  loading: boolean;
  snapshot: AttentionSnapshot | null;
  error: string | null;
}

export interface InsightState {
  runs: RunRecord[];
  runsLoaded: boolean;
  /** Set when run records cannot be stored (they are then kept for this session only). */
  storageError: string | null;
  /** Record id of the newest run started in this session. */
  liveRecordId: string | null;
  attention: AttentionRequestState;
}

let state: InsightState = {
  runs: [],
  runsLoaded: false,
  storageError: null,
  liveRecordId: null,
  attention: { split: 'test', index: 0, loading: false, snapshot: null, error: null },
};
const listeners = new Set<() => void>();

function set(p: Partial<InsightState>): void {
  state = { ...state, ...p };
  for (const l of listeners) l();
}

export function getInsightState(): InsightState {
  return state;
}

export function subscribeInsight(l: () => void): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

export function useInsight<T>(sel: (s: InsightState) => T): T {
  return useSyncExternalStore(subscribeInsight, () => sel(state));
}

// ---- run records ---------------------------------------------------------------------------

/** Worker run id → record id, for this page's worker. */
const recordOfRun = new Map<number, string>();
const backendOfRun = new Map<number, string>();
/** Sweep tags for runs the sweep runner started, applied when the run's record is made. */
const sweepTagOfRun = new Map<number, NonNullable<RunRecord['sweep']>>();
/** Listeners for a run's end (the sweep runner waits on these). */
const endListeners = new Set<(runId: number, record: RunRecord | null) => void>();

export function tagSweepRun(runId: number, tag: NonNullable<RunRecord['sweep']>): void {
  sweepTagOfRun.set(runId, tag);
  const id = recordOfRun.get(runId);
  if (id) updateRecord(id, (r) => ({ ...r, sweep: tag }));
}

export function onRunEnded(l: (runId: number, record: RunRecord | null) => void): () => void {
  endListeners.add(l);
  return () => endListeners.delete(l);
}

function persist(r: RunRecord): void {
  putRun({ ...r, diagnostics: r.diagnostics ? compactDiagnostics(r.diagnostics) : undefined }).catch((err: unknown) => {
    if (!state.storageError) set({ storageError: `Runs are kept for this session only: ${(err as Error).message}` });
  });
}

function updateRecord(id: string, f: (r: RunRecord) => RunRecord, save = true): RunRecord | null {
  const i = state.runs.findIndex((r) => r.id === id);
  if (i < 0) return null;
  const updated = f(state.runs[i]!);
  const runs = [...state.runs];
  runs[i] = updated;
  set({ runs });
  if (save) persist(updated);
  return updated;
}

function uniqueName(base: string): string {
  const n = state.runs.filter((r) => r.name === base || r.name.startsWith(`${base} #`)).length;
  return `${base} #${n + 1}`;
}

function endRun(runId: number, patch: Partial<RunRecord>): void {
  const id = recordOfRun.get(runId);
  const rec = id ? updateRecord(id, (r) => ({ ...r, ...patch, finishedMs: Date.now() })) : null;
  for (const l of endListeners) l(runId, rec);
}

function onMessage(m: FromWorker): void {
  switch (m.type) {
    case 'backend':
      backendOfRun.set(m.runId, m.backend.name);
      break;
    case 'insightRun': {
      const now = Date.now();
      const tag = sweepTagOfRun.get(m.runId);
      const record: RunRecord = {
        id: `${now.toString(36)}-${m.runId}-${Math.random().toString(36).slice(2, 8)}`,
        name: uniqueName(m.doc.name),
        startedMs: now,
        finishedMs: null,
        status: 'running',
        graph: m.doc,
        settings: m.settings,
        dataName: m.dataName,
        backend: backendOfRun.get(m.runId) ?? m.backend,
        totalParams: m.params,
        flopsPerExample: m.flops,
        epochs: [],
        testAccuracy: null,
        testLoss: null,
        seconds: null,
        diagnostics: [],
        ...(tag ? { sweep: tag } : {}),
      };
      recordOfRun.set(m.runId, record.id);
      const runs = [...state.runs, record];
      const dropped = runs.length > MAX_RUNS ? runs.splice(0, runs.length - MAX_RUNS) : [];
      set({ runs, liveRecordId: record.id });
      persist(record);
      // Export and Try name the run as the Runs view does ("MNIST Perceiver IO #2", not the worker's run id).
      postIfRunning({ type: 'runName', runId: m.runId, name: record.name });
      if (dropped.length) void deleteRuns(dropped.map((r) => r.id)).catch(() => undefined);
      break;
    }
    case 'pretrainedStart': {
      const id = recordOfRun.get(m.runId);
      if (id)
        updateRecord(id, (r) => ({
          ...r,
          startedFrom: { label: m.label, loaded: m.loaded, replaced: m.replaced, frozenNodes: m.frozenNodes },
        }));
      break;
    }
    case 'epoch': {
      const id = recordOfRun.get(m.runId);
      if (id) updateRecord(id, (r) => ({ ...r, epochs: [...r.epochs, { ...m.epoch }] }));
      break;
    }
    case 'diagnostics': {
      const id = recordOfRun.get(m.runId);
      if (id) updateRecord(id, (r) => ({ ...r, diagnostics: [...(r.diagnostics ?? []), m.diagnostics] }));
      break;
    }
    case 'done':
      endRun(m.runId, {
        status: m.status,
        message: m.message,
        testAccuracy: m.test?.accuracy ?? null,
        testLoss: m.test?.loss ?? null,
        seconds: m.seconds,
      });
      break;
    case 'error':
      endRun(m.runId, { status: 'failed', message: m.message });
      break;
    case 'refused':
      endRun(m.runId, { status: 'failed', message: m.refusal.message });
      break;
    case 'attention':
      if (m.requestId !== attentionRequest) return;
      set({
        attention: {
          ...state.attention,
          loading: false,
          snapshot: m.snapshot ?? state.attention.snapshot,
          error: m.error ?? null,
        },
      });
      break;
  }
}

onWorkerMessage(onMessage);
onWorkerCrash((message) => {
  for (const [runId, id] of recordOfRun) {
    const r = state.runs.find((x) => x.id === id);
    if (r?.status === 'running') endRun(runId, { status: 'failed', message });
  }
  if (state.attention.loading) set({ attention: { ...state.attention, loading: false, error: message } });
});

/** Read the stored runs once; runs a previous session left "running" did not finish. */
export async function loadRunHistory(): Promise<void> {
  if (state.runsLoaded) return;
  try {
    const stored = await loadRuns();
    const fixed = stored.map((r) =>
      r.status === 'running'
        ? { ...r, status: 'failed' as const, message: 'The app closed before this run finished' }
        : r,
    );
    for (const r of fixed) if (r !== stored.find((s) => s.id === r.id)) persist(r);
    const known = new Set(state.runs.map((r) => r.id));
    set({ runs: [...fixed.filter((r) => !known.has(r.id)), ...state.runs], runsLoaded: true });
  } catch (err) {
    set({
      runsLoaded: true,
      storageError: `Run history unavailable (runs are kept for this session only): ${(err as Error).message}`,
    });
  }
}

void loadRunHistory();

export async function removeRuns(ids: string[]): Promise<void> {
  const drop = new Set(ids);
  set({
    runs: state.runs.filter((r) => !drop.has(r.id)),
    liveRecordId: state.liveRecordId && drop.has(state.liveRecordId) ? null : state.liveRecordId,
  });
  await deleteRuns(ids).catch((err: unknown) =>
    set({ storageError: `Could not delete stored runs: ${(err as Error).message}` }),
  );
}

export function diagnosticsOf(recordId: string | null): EpochDiagnostics[] {
  return state.runs.find((r) => r.id === recordId)?.diagnostics ?? [];
}

// ---- attention -----------------------------------------------------------------------------

let attentionRequest = 0;

/** Ask the worker for the kept model's attention on one example (answered between steps). */
export function requestAttention(split: AttentionRequestState['split'], index: number): void {
  attentionRequest++;
  // Only a worker that has trained holds a model; do not start one just to hear that.
  if (recordOfRun.size === 0) {
    set({ attention: { ...state.attention, split, index, loading: false, error: null } });
    return;
  }
  set({ attention: { ...state.attention, split, index, loading: true, error: null } });
  postToWorker({ type: 'attention', requestId: attentionRequest, split, index } satisfies ToWorker);
}
