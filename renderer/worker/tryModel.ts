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

const INPUT_KIND: Record<string, TryWeightsInfo['input']['kind']> = {
  ImageInput: 'image',
  TextBytes: 'text',
  TabularInput: 'table',
};
type InputInfo = TryWeightsInfo['input'];
type OutputInfo = TryWeightsInfo['output'];

export function weightsInfo(c: Current): TryWeightsInfo {
  const a = c.analysis;
  const inputs: InputInfo[] = a.inputSpecs.map((spec) => {
    const node = c.doc.nodes.find((n) => n.id === spec.nodeId);
    const codec = fileCodecFor(node);
    // A time axis ([T, H, W, C]) is not an image the pad or an image file can make: a .npy of its shape.
    const kind = INPUT_KIND[node?.kind ?? ''] ?? 'array';
    return {
      nodeId: spec.nodeId,
      kind: kind === 'image' && spec.shape.length !== 3 ? 'array' : kind,
      shape: [...spec.shape],
      dtype: spec.dtype,
      ...(codec ? { file: { formats: codec.formats, what: codec.what } } : {}),
    };
  });
  const outputs: OutputInfo[] = a.heads.map((h) => ({
    nodeId: h.nodeId,
    kind: h.loss.type === 'tokenClassification' ? 'tokens' : h.loss.type === 'regression' ? 'values' : 'classes',
    shape: [...(a.nodes.get(h.nodeId)?.outputShapes.out ?? [])],
  }));
  let unsupported: string | undefined;
  if (!inputs.length) unsupported = 'this graph has no model input';
  else if (!outputs.length) unsupported = 'this graph has no head to read a prediction from';
  else if (inputs.length > 1 && inputs.some((i) => i.kind === 'text' || i.kind === 'table')) {
    unsupported = `this graph has ${inputs.length} model inputs (${inputs.map((i) => i.nodeId).join(', ')}); with several inputs the Try panel takes one file per input, which a Text bytes or Tabular input cannot be`;
  }
  return {
    source: c.source,
    label: c.label,
    docName: c.doc.name,
    training: c.training,
    input: inputs[0] ?? {
      nodeId: '',
      kind: 'array',
      shape: [],
      dtype: 'float32',
    },
    inputs,
    output: outputs[0] ?? { nodeId: '', kind: 'classes', shape: [] },
    outputs,
    classNames: c.classNames,
    featureNames: c.featureNames,
    normalization: c.normalization?.kind ?? 'none',
    unsupported,
  };
}

interface Values {
  x: Float32Array;
  masked: number[];
  ids?: Int32Array;
  bytes?: number;
}

async function readBytes(file: File): Promise<Uint8Array> {
  try {
    return new Uint8Array(await file.arrayBuffer());
  } catch (err) {
    throw new TryInputError(`${file.name}: cannot read the file (${(err as Error).message}); choose it again`);
  }
}

/** A file for one input: an image through the image loader, a codec's file, or a .npy of its shape. */
async function fileValues(c: Current, inp: InputInfo, file: File, norm: Normalization | null): Promise<Float32Array> {
  const shape = inp.shape;
  if (inp.kind === 'image' && !/\.npy$/i.test(file.name)) {
    const access = {
      readFile: () => readBytes(file),
      decode: (bytes: Uint8Array) => decodeInWorker(bytes, { height: shape[0]!, width: shape[1]! }),
    };
    return imageFileToInput(file.name, access, shape, norm);
  }
  const bytes = await readBytes(file);
  const codec = fileCodecFor(c.doc.nodes.find((n) => n.id === inp.nodeId));
  if (codec) return codecFileToInput(codec, file.name, bytes, shape);
  if (!/\.npy$/i.test(file.name)) throw new TryInputError(`${file.name}: not a .npy file; the input "${inp.nodeId}" takes a NumPy array of shape [${shape.join(', ')}]`);
  return npyToInput(file.name, bytes, shape, norm);
}

/** The model values for each input (one example, no batch axis), the same way training data is made. */
async function inputValues(c: Current, info: TryWeightsInfo, input: TryInput): Promise<Values[]> {
  const inp = info.input;
  const shape = inp.shape;
  // The data binding's normalisation belongs to the first input (the dataset's features).
  const norm = c.normalization;
  switch (input.kind) {
    case 'pixels':
      return [
        {
          x: pixelsToInput(input.rgba, input.width, input.height, shape, norm),
          masked: [],
        },
      ];
    case 'imageFile':
    case 'arrayFile':
      return [{ x: await fileValues(c, inp, input.file, norm), masked: [] }];
    case 'text': {
      if (inp.kind !== 'text') throw new TryInputError(`this model's input "${inp.nodeId}" is not a Text bytes node`);
      const t = textToTokens(input.text, input.masked, shape[0]!);
      return [
        {
          x: Float32Array.from(t.ids),
          masked: t.masked,
          ids: t.ids,
          bytes: t.bytes,
        },
      ];
    }
    case 'row':
      return [
        {
          x: rowToInput(input.values, c.featureNames, shape, norm),
          masked: [],
        },
      ];
    case 'files': {
      if (input.files.length !== info.inputs.length) throw new TryInputError(`${input.files.length} files for ${info.inputs.length} model inputs`);
      const out: Values[] = [];
      for (const [i, f] of input.files.entries()) {
        const ii = info.inputs[i]!;
        if (!f) throw new TryInputError(`no file for the input "${ii.nodeId}" yet; choose one for every input`);
        out.push({
          x: await fileValues(c, ii, f, i === 0 ? norm : null),
          masked: [],
        });
      }
      return out;
    }
  }
}

/** One head's raw output as classes, values or bytes. */
function readOutput(o: OutputInfo, values: Float32Array, v: Values, k: number, classNames: string[]): TryPrediction['output'] {
  if (o.kind === 'values') return { kind: 'values', values: Array.from(values), shape: o.shape };
  if (o.kind === 'tokens') {
    const vocab = o.shape[o.shape.length - 1] ?? values.length;
    const ids = v.ids ?? Int32Array.from(v.x);
    // Masked positions, or every real byte when none is hidden (the model then reconstructs the text).
    const positions = v.masked.length ? v.masked : Array.from({ length: Math.min(v.bytes ?? ids.length, values.length / vocab) }, (_, i) => i);
    const best = new Map<number, number>();
    const rows = positions.map((index) => {
      const top = topK(softmax(values, index * vocab, vocab), k).map((t) => ({
        byte: t.index,
        text: tokenText(t.index),
        p: t.p,
      }));
      best.set(index, top[0]!.byte);
      return { index, top };
    });
    return {
      kind: 'tokens',
      filled: filledText(ids, best, v.bytes ?? ids.length),
      positions: rows,
    };
  }
  const p = softmax(values);
  return {
    kind: 'classes',
    top: topK(p, k).map((t) => ({
      index: t.index,
      name: classNames[t.index] ?? `class ${t.index}`,
      p: t.p,
    })),
  };
}

export async function predict(c: Current, info: TryWeightsInfo, input: TryInput, k: number): Promise<TryPrediction> {
  const t0 = performance.now();
  const vs = await inputValues(c, info, input);
  if (vs.length !== info.inputs.length) throw new TryInputError(`this model has ${info.inputs.length} inputs (${info.inputs.map((i) => i.nodeId).join(', ')}); give a file for each`);
  const xs = vs.map((v, i) => {
    const inp = info.inputs[i]!;
    return inp.dtype === 'int32' ? tf.tensor(Int32Array.from(v.x), [1, ...inp.shape], 'int32') : tf.tensor(v.x, [1, ...inp.shape], 'float32');
  });
  const x = xs.length === 1 ? xs[0]! : xs;
  const heads: Float32Array[] = [];
  let maps: AttentionMap[] = [];
  let mapsNote: string | undefined;
  try {
    const outs = tf.tidy(() => {
      const y = c.model.predict(x);
      return (Array.isArray(y) ? y : [y]).map((t) => t.clone());
    });
    for (const o of outs) heads.push((await o.data()) as Float32Array);
    tf.dispose(outs);
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
    tf.dispose(xs);
  }
  const v = vs[0]!;
  const output = readOutput(info.outputs[0]!, heads[0]!, v, k, c.classNames);
  // Heads after the first (multimodal models): their own outputs; class names belong to the first head's data.
  const more = info.outputs.slice(1).map((o, i) => ({
    nodeId: o.nodeId,
    output: readOutput(o, heads[i + 1] ?? new Float32Array(0), v, k, []),
  }));
  return {
    seen: { x: v.x, shape: info.input.shape },
    output,
    ...(more.length ? { more } : {}),
    maps,
    mapsNote,
    ms: performance.now() - t0,
  };
}

function replaceLoaded(current: Current): void {
  loaded?.current.model.dispose();
  loaded = { current, afterRun: keptModelForExport()?.runId ?? 0 };
}

/** "from data" zeros filled from the data the graph is bound to (the same binding a run makes). */
async function boundDoc(doc: GraphDoc, data: DataSourceRef | null, skipBadRows: boolean, sources: WorkerDataSources): Promise<{ doc: GraphDoc; data: Dataset }> {
  const targetKind = headLossTypes(doc)[0]?.type === 'regression' ? 'values' : 'classes';
  if (doc.data && doc.data.source !== 'mnist' && !data) {
    throw new Error(
      `this graph is bound to ${doc.data.path ? `“${doc.data.path}”` : `a ${doc.data.source} dataset`}; load it in the Dataset tab first, so the checkpoint's sizes and class names are known`,
    );
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
    await restoreCheckpoint(model, tf.train.sgd(0), {
      manifest: { ...ckpt.manifest, optimizer: [] },
      data: ckpt.data,
    });
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
  replaceLoaded({
    source: 'imported',
    label: msg.label,
    model,
    doc: msg.doc,
    analysis,
    classNames: msg.classNames ?? [],
    featureNames: msg.featureNames ?? [],
    normalization: msg.normalization ?? null,
    training: false,
  });
}

/** Answer one Try message. Runs between training steps (not queued behind a run), one at a time. */
export async function answerTry(post: (m: FromWorkerTry) => void, msg: ToWorkerTry, deps: { sources: WorkerDataSources; ensureBackend: () => Promise<unknown> }): Promise<void> {
  const { requestId } = msg;
  const state = (doc: GraphDoc | null) => {
    const c = currentWeights();
    return {
      c,
      info: c ? weightsInfo(c) : null,
      changes: c && doc ? architectureChanges(doc, c.doc) : [],
    };
  };
  try {
    if (msg.type === 'tryUseCheckpoint' || msg.type === 'trySetWeights') {
      await deps.ensureBackend();
      if (msg.type === 'tryUseCheckpoint') await useCheckpoint(msg, deps.sources);
      else setWeights(msg);
      const s = state(msg.doc);
      return post({
        type: 'tryInfo',
        requestId,
        info: s.info,
        changes: s.changes,
      });
    }
    if (msg.type === 'tryUseLastRun') {
      loaded?.current.model.dispose();
      loaded = null;
      const s = state(null);
      return post({ type: 'tryInfo', requestId, info: s.info, changes: [] });
    }
    const s = state(msg.doc);
    if (msg.type === 'tryInfo')
      return post({
        type: 'tryInfo',
        requestId,
        info: s.info,
        changes: s.changes,
      });
    // tryPredict: refuse without weights, on a changed graph, or an input the panel cannot feed.
    if (!s.c || !s.info)
      return post({
        type: 'tryResult',
        requestId,
        prediction: null,
        info: null,
        changes: [],
        error: 'No weights yet: train the graph (a few steps are enough) or import a model first.',
      });
    if (s.changes.length || s.info.unsupported)
      return post({
        type: 'tryResult',
        requestId,
        prediction: null,
        info: s.info,
        changes: s.changes,
        error: s.info.unsupported,
      });
    const prediction = await predict(s.c, s.info, msg.input, Math.max(1, Math.min(20, Math.floor(msg.topK))));
    post({
      type: 'tryResult',
      requestId,
      prediction,
      info: s.info,
      changes: [],
    });
  } catch (err) {
    const message = (err as Error).message ?? String(err);
    if (msg.type === 'tryPredict') {
      const s = state(msg.doc);
      post({
        type: 'tryResult',
        requestId,
        prediction: null,
        info: s.info,
        changes: s.changes,
        error: err instanceof TryInputError ? message : `The prediction failed: ${message}`,
      });
    } else
      post({
        type: 'tryInfo',
        requestId,
        info: state(null).info,
        changes: [],
        error: msg.type === 'tryUseCheckpoint' ? `The checkpoint could not be loaded: ${message}` : msg.type === 'trySetWeights' ? `The weights could not be set: ${message}` : message,
      });
  }
}
