/**
 * The UI side of training: owns the worker, turns its messages into a small observable state.
 * Only plain numbers cross into React; the worker keeps every tensor.
 */
import { useSyncExternalStore } from 'react';
import type { GraphDoc } from '../../engine/graph/schema';
import type { EpochEvent, StepEvent } from '../../engine/train/train';
import type { BackendInfo, FromWorker, TestSummary, ToWorker } from '../worker/protocol';

export interface TrainState {
  status: 'idle' | 'running' | 'stopping' | 'done' | 'stopped' | 'diverged' | 'early-stopped' | 'error';
  runId: number;
  phase: string;
  message: string;
  backend: BackendInfo | null;
  params: number | null;
  dataName: string | null;
  last: StepEvent | null;
  /** Global step → loss, for the chart. */
  steps: number[];
  losses: number[];
  epochs: EpochEvent[];
  test: TestSummary | null;
  seconds: number | null;
  error: string | null;
  errorNode: string | null;
  docName: string | null;
}

const initial: TrainState = {
  status: 'idle',
  runId: 0,
  phase: '',
  message: '',
  backend: null,
  params: null,
  dataName: null,
  last: null,
  steps: [],
  losses: [],
  epochs: [],
  test: null,
  seconds: null,
  error: null,
  errorNode: null,
  docName: null,
};

let state: TrainState = initial;
const listeners = new Set<() => void>();
let worker: Worker | null = null;
/** Quick-run option: steps per epoch (null = full epochs). A run option, not part of the graph. */
let maxStepsPerEpoch: number | null = null;

function set(p: Partial<TrainState>): void {
  state = { ...state, ...p };
  for (const l of listeners) l();
}

export function useTrainer<T>(sel: (s: TrainState) => T): T {
  return useSyncExternalStore(
    (l) => (listeners.add(l), () => listeners.delete(l)),
    () => sel(state),
  );
}

export function getTrainState(): TrainState {
  return state;
}

export function setMaxStepsPerEpoch(n: number | null): void {
  maxStepsPerEpoch = n;
  for (const l of listeners) l();
}
export function getMaxStepsPerEpoch(): number | null {
  return maxStepsPerEpoch;
}

function ensureWorker(): Worker {
  if (worker) return worker;
  worker = new Worker(new URL('../train.worker.ts', import.meta.url), { type: 'module', name: 'perceiver-train' });
  worker.onmessage = (ev: MessageEvent<FromWorker>) => onMessage(ev.data);
  worker.onerror = (ev) => {
    set({ status: 'error', error: `The training worker crashed: ${ev.message || 'unknown error'}`, phase: '' });
    worker?.terminate();
    worker = null;
  };
  return worker;
}

function onMessage(m: FromWorker): void {
  if (m.runId !== state.runId) return;
  switch (m.type) {
    case 'status':
      set({ phase: m.phase, message: m.message });
      break;
    case 'backend':
      set({ backend: m.backend });
      break;
    case 'ready':
      set({ params: m.params, dataName: `${m.dataName}: ${m.trainSize} train / ${m.testSize} test` });
      break;
    case 'step': {
      const global = m.step.epoch * m.step.stepsPerEpoch + m.step.step;
      set({ last: m.step, steps: [...state.steps, global], losses: [...state.losses, m.step.loss] });
      break;
    }
    case 'epoch':
      set({ epochs: [...state.epochs, m.epoch] });
      break;
    case 'done':
      set({ status: m.status, test: m.test, seconds: m.seconds, message: m.message ?? '', phase: '' });
      break;
    case 'error':
      set({ status: 'error', error: m.message, errorNode: m.nodeId ?? null, phase: '' });
      break;
  }
}

export function startTraining(doc: GraphDoc): void {
  if (state.status === 'running' || state.status === 'stopping') return;
  const runId = state.runId + 1;
  set({ ...initial, runId, status: 'running', phase: 'starting', message: 'Starting the training worker…', docName: doc.name });
  const msg: ToWorker = { type: 'train', runId, doc, options: { maxStepsPerEpoch } };
  ensureWorker().postMessage(msg);
}

export function stopTraining(): void {
  if (state.status !== 'running') return;
  set({ status: 'stopping', message: 'Stopping after the current step…' });
  worker?.postMessage({ type: 'stop', runId: state.runId } satisfies ToWorker);
}

export function isTraining(s: TrainState = state): boolean {
  return s.status === 'running' || s.status === 'stopping';
}
