/**
 * The worker's side of the Try panel: the *current weights* and predictions with them.
 *
 * Current weights are, newest first:
 *  - weights set with `tryUseCheckpoint` (a stored checkpoint) or `trySetWeights` (arrays: an
 *    imported / pretrained model or a model folder's weights — the hook for importers: post the
 *    full graph, its weights by name, class names and normalisation), until a later training run
 *    starts and replaces them;
 *  - otherwise the newest run's model (kept by worker/insight.ts, while it trains and after).
 * Every prediction checks the editor's graph against the graph the weights belong to and refuses
 * with the differences (node / param / wire) instead of running mismatched weights.
 */
import * as tf from '@tensorflow/tfjs';
import { compile } from '../../engine/compile/compile';
import { applyNamedWeights } from '../../engine/export/tfjsModel';
import type { Dataset } from '../../engine/data/dataset';
import type { Normalization } from '../../engine/data/tabular';
import { analyse, type Analysis } from '../../engine/graph/analyse';
import type { GraphDoc } from '../../engine/graph/schema';
import { captureAttention, type AttentionMap } from '../../engine/insight/attentionMaps';
import { restoreCheckpoint } from '../../engine/train/checkpoint';
import { bindToData, declaredInputShape } from '../../engine/train/bindData';
import { headLossTypes } from '../../engine/train/lossPlan';
import { architectureChanges } from '../export/architecture';
import { getCheckpoint } from './checkpointStore';
import type { WorkerDataSources } from './dataSource';
import { decodeInWorker } from './imageDecode';
import { keptModelForExport } from './insight';
import type { DataSourceRef, FromWorkerTry, NamedArray, ToWorkerTry, TryInput, TryPrediction, TryWeightsInfo } from './protocol';
import { codecFileToInput, fileCodecFor, filledText, imageFileToInput, npyToInput, pixelsToInput, rowToInput, softmax, textToTokens, tokenText, topK, TryInputError } from './tryInput';

/** Larger attention maps are left out of a prediction (posting them would stall the panel). */
const MAX_MAP_VALUES = 4_000_000;

interface Current {
  source: TryWeightsInfo['source'];
  label: string;
  model: tf.LayersModel;
  doc: GraphDoc;
  analysis: Analysis;
  classNames: string[];
  featureNames: string[];
  normalization: Normalization | null;
  training: boolean;
}

/** Weights loaded or imported here (owned: disposed when replaced) and the run they came after. */
let loaded: { current: Current; afterRun: number } | null = null;
const analyses = new WeakMap<GraphDoc, Analysis>();

function analysisOf(doc: GraphDoc): Analysis {
  let a = analyses.get(doc);
  if (!a) analyses.set(doc, (a = analyse(doc)));
  return a;
}

const normOf = (data: Dataset | null | undefined): Normalization | null => (data as { normalization?: Normalization } | null | undefined)?.normalization ?? null;
const featureNamesOf = (data: Dataset | null | undefined): string[] => (data as { featureNames?: string[] } | null | undefined)?.featureNames ?? [];

/** The weights a prediction uses now (see the file comment), or null before any. */
export function currentWeights(): Current | null {
  const kept = keptModelForExport();
  if (loaded && kept && kept.runId > loaded.afterRun) {
    // A run started after these weights were loaded: its model is the current one now.
    loaded.current.model.dispose();
    loaded = null;
  }
  if (loaded) return loaded.current;
  if (!kept) return null;
  const epochs = kept.epoch === null ? 'within its first epoch' : `${kept.epoch} epoch${kept.epoch === 1 ? '' : 's'} completed`;
  return {
    source: 'run',
    label: `run ${kept.runId}, ${epochs}${kept.training ? ' (still training)' : ''}`,
    model: kept.model,
    doc: kept.doc,
    analysis: analysisOf(kept.doc),
    classNames: kept.data.classNames,
    featureNames: featureNamesOf(kept.data),
    normalization: normOf(kept.data),
    training: kept.training,
  };
}

const INPUT_KIND: Record<string, TryWeightsInfo['input']['kind']> = { ImageInput: 'image', TextBytes: 'text', TabularInput: 'table' };

export function weightsInfo(c: Current): TryWeightsInfo {
  const a = c.analysis;
  const spec = a.inputSpecs[0];
  const inputNode = c.doc.nodes.find((n) => n.id === spec?.nodeId);
  const head = a.heads[0];
  const lossType = head?.loss.type;
  const outShape = head ? [...(a.nodes.get(head.nodeId)?.outputShapes.out ?? [])] : [];
  let unsupported: string | undefined;
  if (a.inputSpecs.length !== 1) unsupported = `this graph has ${a.inputSpecs.length} model inputs (${a.inputSpecs.map((s) => s.nodeId).join(', ')}); the Try panel feeds models with one input`;
  else if (!head) unsupported = 'this graph has no head to read a prediction from';
  const codec = fileCodecFor(inputNode);
  return {
    source: c.source,
    label: c.label,
    docName: c.doc.name,
    training: c.training,
    input: {
      nodeId: spec?.nodeId ?? '',
      kind: INPUT_KIND[inputNode?.kind ?? ''] ?? 'array',
      shape: spec ? [...spec.shape] : [],
      dtype: spec?.dtype ?? 'float32',
      ...(codec ? { file: { formats: codec.formats, what: codec.what } } : {}),
    },
    output: { nodeId: head?.nodeId ?? '', kind: lossType === 'tokenClassification' ? 'tokens' : lossType === 'regression' ? 'values' : 'classes', shape: outShape },
    classNames: c.classNames,
    featureNames: c.featureNames,
    normalization: c.normalization?.kind ?? 'none',
    unsupported,
  };
}

/** The model values for an input (one example, no batch axis), the same way training data is made. */
async function inputValues(c: Current, info: TryWeightsInfo, input: TryInput): Promise<{ x: Float32Array; masked: number[]; ids?: Int32Array; bytes?: number }> {
  const shape = info.input.shape;
  switch (input.kind) {
    case 'pixels':
      return { x: pixelsToInput(input.rgba, input.width, input.height, shape, c.normalization), masked: [] };
    case 'imageFile': {
      const file = input.file;
      const access = {
        async readFile() {
          return new Uint8Array(await file.arrayBuffer());
        },
        decode: (bytes: Uint8Array) => decodeInWorker(bytes, { height: shape[0]!, width: shape[1]! }),
      };
      return { x: await imageFileToInput(file.name, access, shape, c.normalization), masked: [] };
    }
    case 'text': {
      if (info.input.kind !== 'text') throw new TryInputError(`this model's input "${info.input.nodeId}" is not a Text bytes node`);
      const t = textToTokens(input.text, input.masked, shape[0]!);
      return { x: Float32Array.from(t.ids), masked: t.masked, ids: t.ids, bytes: t.bytes };
    }
    case 'row':
      return { x: rowToInput(input.values, c.featureNames, shape, c.normalization), masked: [] };
    case 'arrayFile': {
      let bytes: Uint8Array;
      try {
        bytes = new Uint8Array(await input.file.arrayBuffer());
      } catch (err) {
        throw new TryInputError(`${input.file.name}: cannot read the file (${(err as Error).message}); choose it again`);
      }
      const codec = fileCodecFor(c.doc.nodes.find((n) => n.id === info.input.nodeId));
      if (codec) return { x: codecFileToInput(codec, input.file.name, bytes, shape), masked: [] };
      if (!/\.npy$/i.test(input.file.name)) throw new TryInputError(`${input.file.name}: not a .npy file; this input takes a NumPy array of shape [${shape.join(', ')}]`);
      return { x: npyToInput(input.file.name, bytes, shape, c.normalization), masked: [] };
    }
  }
}

export async function predict(c: Current, info: TryWeightsInfo, input: TryInput, k: number): Promise<TryPrediction> {
  const t0 = performance.now();
  const v = await inputValues(c, info, input);
  const shape = info.input.shape;
  const x = info.input.dtype === 'int32' ? tf.tensor(Int32Array.from(v.x), [1, ...shape], 'int32') : tf.tensor(v.x, [1, ...shape], 'float32');
  let values: Float32Array;
  let maps: AttentionMap[] = [];
  let mapsNote: string | undefined;
  try {
    const out = tf.tidy(() => {
      const y = c.model.predict(x);
      return (Array.isArray(y) ? y[0]! : y).clone();
    });
    values = (await out.data()) as Float32Array;
    out.dispose();
    try {
      maps = captureAttention(c.model, x, c.doc, c.analysis).filter((m) => m.role !== 'self');
      const big = maps.find((m) => m.probs.length > MAX_MAP_VALUES);
      if (big) {
        mapsNote = `The attention of "${big.layer}" has ${big.probs.length.toLocaleString('en')} values, too many to draw here.`;
        maps = [];
      }
    } catch (err) {
      mapsNote = `No attention maps: ${(err as Error).message}`;
    }
  } finally {
    x.dispose();
  }
  let output: TryPrediction['output'];
  if (info.output.kind === 'values') output = { kind: 'values', values: Array.from(values), shape: info.output.shape };
  else if (info.output.kind === 'tokens') {
    const vocab = info.output.shape[info.output.shape.length - 1] ?? values.length;
    const ids = v.ids ?? Int32Array.from(v.x);
    // Masked positions, or every real byte when none is hidden (the model then reconstructs the text).
    const positions = v.masked.length ? v.masked : Array.from({ length: v.bytes ?? ids.length }, (_, i) => i);
    const best = new Map<number, number>();
    const rows = positions.map((index) => {
      const top = topK(softmax(values, index * vocab, vocab), k).map((t) => ({ byte: t.index, text: tokenText(t.index), p: t.p }));
      best.set(index, top[0]!.byte);
      return { index, top };
    });
    output = { kind: 'tokens', filled: filledText(ids, best, v.bytes ?? ids.length), positions: rows };
  } else {
    const p = softmax(values);
    output = { kind: 'classes', top: topK(p, k).map((t) => ({ index: t.index, name: c.classNames[t.index] ?? `class ${t.index}`, p: t.p })) };
  }
  return { seen: { x: v.x, shape }, output, maps, mapsNote, ms: performance.now() - t0 };
}

function replaceLoaded(current: Current): void {
  loaded?.current.model.dispose();
  loaded = { current, afterRun: keptModelForExport()?.runId ?? 0 };
}

/** "from data" zeros filled from the data the graph is bound to (the same binding a run makes). */
async function boundDoc(doc: GraphDoc, data: DataSourceRef | null, skipBadRows: boolean, sources: WorkerDataSources): Promise<{ doc: GraphDoc; data: Dataset }> {
  const targetKind = headLossTypes(doc)[0]?.type === 'regression' ? 'values' : 'classes';
  if (doc.data && doc.data.source !== 'mnist' && !data) {
    throw new Error(`this graph is bound to ${doc.data.path ? `“${doc.data.path}”` : `a ${doc.data.source} dataset`}; load it in the Dataset tab first, so the checkpoint's sizes and class names are known`);
  }
  const ds = await sources.dataset(data, doc.data, declaredInputShape(doc) ?? null, skipBadRows, targetKind);
  return { doc: bindToData(doc, ds).doc, data: ds };
}

/** A stored checkpoint's weights (not its optimizer state) in a model compiled from the bound graph. */
async function useCheckpoint(msg: Extract<ToWorkerTry, { type: 'tryUseCheckpoint' }>, sources: WorkerDataSources): Promise<void> {
  const ckpt = await getCheckpoint(msg.key);
  if (!ckpt) throw new Error('there is no stored checkpoint for this graph and dataset; train with checkpoints first');
  const { doc, data } = await boundDoc(msg.doc, msg.data, msg.skipBadRows, sources);
  const { model } = compile({ ...doc, training: ckpt.manifest.settings });
  try {
    // Weights only: an optimizer that is never stepped, and no optimizer tensors to restore.
    await restoreCheckpoint(model, tf.train.sgd(0), { manifest: { ...ckpt.manifest, optimizer: [] }, data: ckpt.data });
  } catch (err) {
    model.dispose();
    throw err;
  }
  replaceLoaded({
    source: 'checkpoint',
    label: `checkpoint after epoch ${ckpt.manifest.epoch} (step ${ckpt.manifest.step}, ${ckpt.manifest.createdAt.slice(0, 16).replace('T', ' ')})`,
    model,
    doc,
    analysis: analysisOf(doc),
    classNames: data.classNames,
    featureNames: featureNamesOf(data),
    normalization: normOf(data),
    training: false,
  });
}

function setWeights(msg: Extract<ToWorkerTry, { type: 'trySetWeights' }>): void {
  const analysis = analyse(msg.doc);
  if (!analysis.valid) {
    const first = analysis.problems.find((p) => p.severity === 'error')!;
    throw new Error(`the imported graph is not valid: ${first.message}${first.nodeId ? ` (node "${first.nodeId}")` : ''}`);
  }
  const { model } = compile(msg.doc);
  try {
    // The engine's named-weight writer (PyTorch import uses it too): every weight by its tfjs name, shapes checked.
    applyNamedWeights(model, new Map(msg.weights.map((w) => [w.name, { shape: w.shape, data: w.data }])), `the weights of ${msg.label}`);
  } catch (err) {
    model.dispose();
    throw err;
  }
  replaceLoaded({ source: 'imported', label: msg.label, model, doc: msg.doc, analysis, classNames: msg.classNames ?? [], featureNames: msg.featureNames ?? [], normalization: msg.normalization ?? null, training: false });
}

/** Answer one Try message. Runs between training steps (not queued behind a run), one at a time. */
export async function answerTry(post: (m: FromWorkerTry) => void, msg: ToWorkerTry, deps: { sources: WorkerDataSources; ensureBackend: () => Promise<unknown> }): Promise<void> {
  const { requestId } = msg;
  const state = (doc: GraphDoc | null) => {
    const c = currentWeights();
    return { c, info: c ? weightsInfo(c) : null, changes: c && doc ? architectureChanges(doc, c.doc) : [] };
  };
  try {
    if (msg.type === 'tryUseCheckpoint' || msg.type === 'trySetWeights') {
      await deps.ensureBackend();
      if (msg.type === 'tryUseCheckpoint') await useCheckpoint(msg, deps.sources);
      else setWeights(msg);
      const s = state(msg.doc);
      return post({ type: 'tryInfo', requestId, info: s.info, changes: s.changes });
    }
    if (msg.type === 'tryUseLastRun') {
      loaded?.current.model.dispose();
      loaded = null;
      const s = state(null);
      return post({ type: 'tryInfo', requestId, info: s.info, changes: [] });
    }
    const s = state(msg.doc);
    if (msg.type === 'tryInfo') return post({ type: 'tryInfo', requestId, info: s.info, changes: s.changes });
    // tryPredict: refuse without weights, on a changed graph, or an input the panel cannot feed.
    if (!s.c || !s.info) return post({ type: 'tryResult', requestId, prediction: null, info: null, changes: [], error: 'No weights yet: train the graph (a few steps are enough) or import a model first.' });
    if (s.changes.length || s.info.unsupported) return post({ type: 'tryResult', requestId, prediction: null, info: s.info, changes: s.changes, error: s.info.unsupported });
    const prediction = await predict(s.c, s.info, msg.input, Math.max(1, Math.min(20, Math.floor(msg.topK))));
    post({ type: 'tryResult', requestId, prediction, info: s.info, changes: [] });
  } catch (err) {
    const message = (err as Error).message ?? String(err);
    if (msg.type === 'tryPredict') {
      const s = state(msg.doc);
      post({ type: 'tryResult', requestId, prediction: null, info: s.info, changes: s.changes, error: err instanceof TryInputError ? message : `The prediction failed: ${message}` });
    } else post({ type: 'tryInfo', requestId, info: state(null).info, changes: [], error: msg.type === 'tryUseCheckpoint' ? `The checkpoint could not be loaded: ${message}` : msg.type === 'trySetWeights' ? `The weights could not be set: ${message}` : message });
  }
}
