/**
 * The UI side of the Try panel: asks the training worker about the current weights and for
 * predictions (messages in worker/protocol.ts, answered by worker/tryModel.ts), and keeps the
 * newest answer as a small observable state. Only plain numbers cross; the worker keeps tensors.
 */
import { useSyncExternalStore } from 'react';
import { loadGraphDoc } from '../../engine/graph/load';
import type { GraphDoc } from '../../engine/graph/schema';
import { openInTab } from '../state/store';
import { getDataState, sourceForRun } from '../data/dataStore';
import { checkpointKeyFor } from '../training/trainer';
import { onWorkerCrash, onWorkerMessage, postToWorker } from '../training/workerClient';
import type {
  FromWorkerTry,
  ToWorkerTry,
  ToWorkerTryImport,
  TryInput,
  TryPrediction,
  TryWeightsInfo,
} from '../worker/protocol';

export interface TryStoreState {
  /** The worker's newest answer about the current weights (null: not asked yet). */
  answer: { info: TryWeightsInfo | null; changes: string[] } | null;
  prediction: TryPrediction | null;
  /** A named error: a file that cannot be read, a field that is not a number, a failed load. */
  error: string | null;
  busy: boolean;
  loadingWeights: boolean;
}

let state: TryStoreState = { answer: null, prediction: null, error: null, busy: false, loadingWeights: false };
const listeners = new Set<() => void>();
function set(p: Partial<TryStoreState>): void {
  state = { ...state, ...p };
  for (const l of listeners) l();
}

export function useTry<T>(sel: (s: TryStoreState) => T): T {
  return useSyncExternalStore(
    (l) => (listeners.add(l), () => listeners.delete(l)),
    () => sel(state),
  );
}
export function getTryState(): TryStoreState {
  return state;
}

let nextId = 1;
const waiting = new Map<number, (m: FromWorkerTry) => void>();

onWorkerMessage((m) => {
  if (m.type !== 'tryInfo' && m.type !== 'tryResult') return;
  const done = waiting.get(m.requestId);
  if (!done) return;
  waiting.delete(m.requestId);
  done(m);
});

type Request = ToWorkerTry | ToWorkerTryImport extends infer T
  ? T extends { requestId: number }
    ? Omit<T, 'requestId'>
    : never
  : never;

// A crashed worker answers nothing: settle every open request with the crash, so nothing waits forever.
onWorkerCrash((message) => {
  const open = [...waiting.entries()];
  waiting.clear();
  for (const [requestId, done] of open) done({ type: 'tryInfo', requestId, info: null, changes: [], error: message });
  set({
    busy: false,
    loadingWeights: false,
    answer: { info: null, changes: [] },
    prediction: null,
    error: `${message}; the weights it held are gone — train or import again.`,
  });
});

function ask(msg: Request): Promise<FromWorkerTry> {
  const requestId = nextId++;
  return new Promise((resolve) => {
    waiting.set(requestId, resolve);
    postToWorker({ ...msg, requestId } as ToWorkerTry | ToWorkerTryImport);
  });
}

/** Newest request wins: an older answer arriving late does not overwrite a newer one. */
let latestInfo = 0;
export async function refreshInfo(doc: GraphDoc): Promise<void> {
  const mine = ++latestInfo;
  const m = await ask({ type: 'tryInfo', doc });
  if (mine !== latestInfo || m.type !== 'tryInfo') return;
  // An error of an earlier input does not outlive a change of graph or weights.
  set({
    answer: { info: m.info, changes: m.changes },
    error: m.error ?? (m.changes.length || !m.info ? null : state.error),
  });
}

let latestPredict = 0;
/** One prediction; resolves when the answer is in the state. */
export async function predict(doc: GraphDoc, input: TryInput, topK = 5): Promise<void> {
  const mine = ++latestPredict;
  set({ busy: true });
  const m = await ask({ type: 'tryPredict', doc, input, topK });
  if (mine !== latestPredict || m.type !== 'tryResult') return;
  set({
    busy: false,
    answer: { info: m.info, changes: m.changes },
    prediction: m.prediction,
    error: m.prediction || m.changes.length || !m.info ? null : (m.error ?? null),
  });
}

async function loadWeights(msg: Request): Promise<void> {
  set({ loadingWeights: true, error: null });
  const m = await ask(msg);
  if (m.type !== 'tryInfo') return;
  latestInfo++;
  set({
    loadingWeights: false,
    answer: { info: m.info, changes: m.info ? m.changes : [] },
    prediction: null,
    error: m.error ?? null,
  });
}

/** Make this graph's stored checkpoint (Training tab: "Checkpoint after epoch …") the current weights. */
export function loadStoredCheckpoint(doc: GraphDoc): Promise<void> {
  return loadWeights({
    type: 'tryUseCheckpoint',
    key: checkpointKeyFor(doc),
    doc,
    data: sourceForRun(doc),
    skipBadRows: getDataState().skipBadRows,
  });
}

/** Back to the newest run's model after a checkpoint or import. */
export function backToLastRun(doc: GraphDoc): Promise<void> {
  return loadWeights({ type: 'tryUseLastRun' }).then(() => refreshInfo(doc));
}

/**
 * For importers (pretrained / model folders): make these arrays the current weights of `doc`.
 * Every model weight must be given by its tfjs name (as engine/export namedWeights reads them,
 * and model folders store them), with its shape.
 */
export function setImportedWeights(
  args: Omit<Extract<ToWorkerTry, { type: 'trySetWeights' }>, 'type' | 'requestId'>,
): Promise<void> {
  return loadWeights({ type: 'trySetWeights', ...args });
}

/**
 * "Import trained weights…": the weights.safetensors an exported PyTorch package's train.py wrote
 * (checkpoints/, the best epoch's) become the current weights of the open graph.
 */
export function importTrainedWeights(doc: GraphDoc, file: File): Promise<void> {
  return loadWeights({ type: 'tryImportTorchWeights', doc, file });
}

/**
 * A model folder picked with the folder chooser (model.json, weights.bin, graph.json,
 * model-info.json): its graph opens in a new tab and its weights become the current ones.
 */
export async function openModelFolder(picked: File[]): Promise<void> {
  const rel = (f: File) => (f.webkitRelativePath || f.name).split('/');
  const name = rel(picked[0]!)[0] ?? 'model';
  // Only the folder's own files (not its subfolders), by name.
  const files = picked
    .filter((f) => rel(f).length <= 2)
    .map((f) => ({ path: rel(f).slice(1).join('/') || f.name, file: f }));
  const graph = files.find((f) => f.path === 'graph.json');
  if (!graph) {
    showError(
      `${name} has no graph.json; choose a model folder (model.json, weights.bin, graph.json, model-info.json from import-hf, train --save-model or an export)`,
    );
    return;
  }
  let doc: GraphDoc;
  try {
    doc = loadGraphDoc(await graph.file.text(), `${name}/graph.json`);
  } catch (err) {
    showError((err as Error).message);
    return;
  }
  openInTab(doc, { fileName: `${name}/graph.json` });
  await loadWeights({ type: 'tryUseModelFolder', name, files });
}

export function clearPrediction(): void {
  latestPredict++;
  set({ prediction: null, error: null, busy: false });
}

export function showError(message: string): void {
  set({ error: message, prediction: null });
}
