/**
 * The UI side of training: turns the worker's messages into a small observable state.
 * Only plain numbers cross into React; the worker keeps every tensor.
 */
import { useSyncExternalStore } from 'react';
import type { GraphDoc } from '../../engine/graph/schema';
import type { EpochEvent, StepEvent } from '../../engine/train/train';
import { getDataState, sourceForRun } from '../data/dataStore';
import type { BackendInfo, FromWorker, MemoryRefusal, RunResults, TestSummary, ToWorker } from '../worker/protocol';
import { formatSplitSizes } from '../format';
import { checkpointKey } from './checkpointKey';
import { pretrainedRefFor } from '../hf/hfImportStore';
import { getState as getEditorState } from '../state/store';
import { onWorkerCrash, onWorkerMessage, postIfRunning, postToWorker } from './workerClient';

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
  paused: boolean;
  /** "from data" params the worker filled in, e.g. `head.numClasses = 3 (from data)`. */
  filled: string[];
  skipped: { count: number; reasons: string[] } | null;
  memoryEstimate: string | null;
  refusal: MemoryRefusal | null;
  results: RunResults | null;
  /** The newest checkpoint this run stored (epoch completed). */
  checkpoint: { key: string; epoch: number; step: number; bytes: number } | null;
  resumedFromEpoch: number | null;
  checkpointKey: string | null;
  /** The run started from pretrained (imported) weights: what was copied, replaced, frozen. */
  pretrained: {
    label: string;
    loaded: number;
    replaced: string[];
    frozenNodes: string[];
    trainableParams: number;
  } | null;
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
  paused: false,
  filled: [],
  skipped: null,
  memoryEstimate: null,
  refusal: null,
  results: null,
  checkpoint: null,
  resumedFromEpoch: null,
  checkpointKey: null,
  pretrained: null,
};

let state: TrainState = initial;
const listeners = new Set<() => void>();
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

onWorkerMessage((m) => onMessage(m));
onWorkerCrash((message) => {
  if (isTraining()) set({ status: 'error', error: message, phase: '', paused: false });
});

function onMessage(m: FromWorker): void {
  if (m.runId === undefined || m.runId !== state.runId) return;
  switch (m.type) {
    case 'status':
      set({ phase: m.phase, message: m.message });
      break;
    case 'backend':
      set({ backend: m.backend });
      break;
    case 'ready':
      set({
        params: m.params,
        dataName: `${m.dataName}: ${formatSplitSizes({ train: m.trainSize, validation: m.validationSize, test: m.testSize })}`,
      });
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
      set({ status: m.status, test: m.test, seconds: m.seconds, message: m.message ?? '', phase: '', paused: false });
      break;
    case 'error':
      set({ status: 'error', error: m.message, errorNode: m.nodeId ?? null, phase: '', message: '', paused: false });
      break;
    case 'paused':
      if (isTraining()) set({ paused: m.paused });
      break;
    case 'bound':
      set({ filled: m.filled, skipped: m.skipped, resumedFromEpoch: m.resumedFromEpoch, memoryEstimate: m.estimate });
      break;
    case 'checkpoint':
      set({ checkpoint: { key: m.key, epoch: m.epoch, step: m.step, bytes: m.bytes } });
      break;
    case 'refused':
      set({ status: 'error', refusal: m.refusal, error: null, phase: '', message: '', paused: false });
      break;
    case 'results':
      set({ results: m.results });
      break;
    case 'pretrainedStart':
      set({
        pretrained: {
          label: m.label,
          loaded: m.loaded,
          replaced: m.replaced,
          frozenNodes: m.frozenNodes,
          trainableParams: m.trainableParams,
        },
      });
      break;
  }
}

/** The key under which this graph's checkpoints on its dataset are kept. */
export function checkpointKeyFor(doc: GraphDoc): string {
  const b = doc.data;
  return checkpointKey(doc, !b || b.source === 'mnist' ? 'mnist' : `${b.source}:${b.path ?? ''}`);
}

/** Start a run; with `resume`, continue from the checkpoint stored for this graph and data. */
export function startTraining(doc: GraphDoc, opts: { resume?: boolean } = {}): void {
  if (state.status === 'running' || state.status === 'stopping') return;
  const runId = state.runId + 1;
  const key = checkpointKeyFor(doc);
  set({
    ...initial,
    runId,
    status: 'running',
    phase: 'starting',
    message: 'Starting the training worker…',
    docName: doc.name,
    checkpointKey: key,
  });
  const msg: ToWorker = {
    type: 'train',
    runId,
    doc,
    options: {
      maxStepsPerEpoch,
      data: sourceForRun(doc),
      skipBadRows: getDataState().skipBadRows,
      checkpointKey: key,
      resumeKey: opts.resume ? key : null,
      pretrained: pretrainedRefFor(getEditorState().activeTabId),
    },
  };
  postToWorker(msg);
}

export function stopTraining(): void {
  if (state.status !== 'running') return;
  set({ status: 'stopping', message: 'Stopping after the current step…' });
  postIfRunning({ type: 'stop', runId: state.runId } satisfies ToWorker);
}

/** Pause between steps (the worker keeps the model and optimizer state) or continue. */
export function setPaused(paused: boolean): void {
  if (state.status !== 'running') return;
  postIfRunning({ type: 'pause', runId: state.runId, paused } satisfies ToWorker);
}

export function isTraining(s: TrainState = state): boolean {
  return s.status === 'running' || s.status === 'stopping';
}
