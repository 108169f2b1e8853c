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
import { tfjsWeightsFromArtifacts } from '../../engine/export/archive';
import { applyNamedWeights } from '../../engine/export/tfjsModel';
import { loadGraphDoc, safeJsonParse } from '../../engine/graph/load';
import { perceiverImageProcessor, type HwcImage } from '../../engine/hf/imageProcessor';
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
import { importFor } from './hfImport';
import { keptModelForExport } from './insight';
import type { DataSourceRef, FromWorkerTry, ToWorkerTry, TryInput, TryPrediction, TryWeightsInfo } from './protocol';
import {
  codecFileToInput,
  fileCodecFor,
  filledText,
  imageFileToInput,
  npyToInput,
  pixelsToInput,
  rowToInput,
  softmax,
  textToTokens,
  tokenText,
  topK,
  TryInputError,
} from './tryInput';

/** Larger attention maps are left out of a prediction (posting them would stall the panel). */
const MAX_MAP_VALUES = 4_000_000;

/** Hugging Face image classifiers take their own preprocessing (centre crop, PIL bicubic, mean/std). */
interface HfImage {
  /** The processor's size and crop_size (their ratio is the crop fraction); the resize target is the model's input. */
  size?: number;
  cropSize?: number;
  mean?: number[];
  std?: number[];
  rescaleFactor?: number;
}

interface Current {
  source: TryWeightsInfo['source'];
  /** Set for an imported PerceiverForImageClassification*: images go through HF's PerceiverImageProcessor. */
  hfImage?: HfImage;
  /** Set for an imported PerceiverForMaskedLM: text as HF's tokenizer lays it out ([CLS] … [SEP]). */
  hfText?: boolean;
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

const normOf = (data: Dataset | null | undefined): Normalization | null =>
  (data as { normalization?: Normalization } | null | undefined)?.normalization ?? null;
const featureNamesOf = (data: Dataset | null | undefined): string[] =>
  (data as { featureNames?: string[] } | null | undefined)?.featureNames ?? [];

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
  const epochs =
    kept.epoch === null ? 'within its first epoch' : `${kept.epoch} epoch${kept.epoch === 1 ? '' : 's'} completed`;
  return {
    source: 'run',
    label: `${kept.name}, ${epochs}${kept.training ? ' (still training)' : ''}`,
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
      ...(kind === 'text' ? { textBytes: (spec.shape[0] ?? 0) - (c.hfText ? 2 : 0) } : {}),
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
  /** Text: bytes of text, and the token index of the first (1 after HF's [CLS]). */
  bytes?: number;
  offset?: number;
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
  if (!/\.npy$/i.test(file.name))
    throw new TryInputError(
      `${file.name}: not a .npy file; the input "${inp.nodeId}" takes a NumPy array of shape [${shape.join(', ')}]`,
    );
  return npyToInput(file.name, bytes, shape, norm);
}

/** RGB bytes [H, W, 3] of interleaved pixels with `channels` channels (grey repeated, alpha dropped). */
function rgbOf(data: Uint8Array, channels: number, width: number, height: number): HwcImage {
  const out = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++)
    for (let k = 0; k < 3; k++) out[i * 3 + k] = data[i * channels + (channels >= 3 ? k : 0)]!;
  return { shape: [height, width, 3], data: out };
}

/** HF's PerceiverImageProcessor (engine/hf) → [1, 3, S, S] channels first → the studio input's [S, S, 3]. */
function hfImageToInput(img: HwcImage, pp: HfImage, shape: number[]): Float32Array {
  if (shape.length !== 3 || shape[2] !== 3)
    throw new TryInputError(`this Hugging Face image model's input takes [${shape.join(', ')}], not an RGB image`);
  let chw;
  try {
    chw = perceiverImageProcessor(img, {
      size: pp.size,
      cropSize: pp.cropSize,
      outputSize: [shape[0]!, shape[1]!],
      mean: pp.mean,
      std: pp.std,
      rescaleFactor: pp.rescaleFactor,
    });
  } catch (err) {
    throw new TryInputError((err as Error).message);
  }
  const [, , h, w] = chw.shape as [number, number, number, number];
  if (h !== shape[0] || w !== shape[1])
    throw new TryInputError(`the image processor made ${h}×${w} but the input "${shape.join('×')}" differs`);
  const out = new Float32Array(h * w * 3);
  for (let k = 0; k < 3; k++) for (let i = 0; i < h * w; i++) out[i * 3 + k] = chw.data[k * h * w + i]!;
  return out;
}

/** The model values for each input (one example, no batch axis), the same way training data is made. */
async function inputValues(c: Current, info: TryWeightsInfo, input: TryInput): Promise<Values[]> {
  const inp = info.input;
  const shape = inp.shape;
  // The data binding's normalisation belongs to the first input (the dataset's features).
  const norm = c.normalization;
  switch (input.kind) {
    case 'pixels':
      if (c.hfImage)
        return [
          {
            x: hfImageToInput(
              rgbOf(
                new Uint8Array(input.rgba.buffer, input.rgba.byteOffset, input.rgba.byteLength),
                4,
                input.width,
                input.height,
              ),
              c.hfImage,
              shape,
            ),
            masked: [],
          },
        ];
      return [{ x: pixelsToInput(input.rgba, input.width, input.height, shape, norm), masked: [] }];
    case 'imageFile':
      if (c.hfImage) {
        let img;
        try {
          img = await decodeInWorker(await readBytes(input.file));
        } catch (err) {
          throw new TryInputError(`${input.file.name}: cannot decode the image: ${(err as Error).message}`);
        }
        return [
          { x: hfImageToInput(rgbOf(img.data, img.channels, img.width, img.height), c.hfImage, shape), masked: [] },
        ];
      }
      return [{ x: await fileValues(c, inp, input.file, norm), masked: [] }];
    case 'arrayFile':
      return [{ x: await fileValues(c, inp, input.file, norm), masked: [] }];
    case 'text': {
      if (inp.kind !== 'text') throw new TryInputError(`this model's input "${inp.nodeId}" is not a Text bytes node`);
      const t = textToTokens(input.text, input.masked, shape[0]!, { hf: c.hfText });
      return [{ x: Float32Array.from(t.ids), masked: t.masked, ids: t.ids, bytes: t.bytes, offset: t.offset }];
    }
    case 'row':
      return [
        {
          x: rowToInput(input.values, c.featureNames, shape, norm),
          masked: [],
        },
      ];
    case 'files': {
      if (input.files.length !== info.inputs.length)
        throw new TryInputError(`${input.files.length} files for ${info.inputs.length} model inputs`);
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
function readOutput(
  o: OutputInfo,
  values: Float32Array,
  v: Values,
  k: number,
  classNames: string[],
): TryPrediction['output'] {
  if (o.kind === 'values') return { kind: 'values', values: Array.from(values), shape: o.shape };
  if (o.kind === 'tokens') {
    const vocab = o.shape[o.shape.length - 1] ?? values.length;
    const ids = v.ids ?? Int32Array.from(v.x);
    // Masked positions, or every real byte when none is hidden (the model then reconstructs the text).
    const off = v.offset ?? 0;
    const len = off + (v.bytes ?? ids.length);
    // Masked positions, or every real byte when none is hidden (the model then reconstructs the text).
    const positions = v.masked.length
      ? v.masked
      : Array.from({ length: Math.min(v.bytes ?? ids.length, values.length / vocab - off) }, (_, i) => off + i);
    const best = new Map<number, number>();
    const rows = positions.map((at) => {
      const top = topK(softmax(values, at * vocab, vocab), k).map((t) => ({
        byte: t.index,
        text: tokenText(t.index),
        p: t.p,
      }));
      best.set(at, top[0]!.byte);
      // Shown as the position in the text (HF's [CLS] not counted).
      return { index: at - off, top };
    });
    return {
      kind: 'tokens',
      filled: filledText(ids, best, len),
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
  if (vs.length !== info.inputs.length)
    throw new TryInputError(
      `this model has ${info.inputs.length} inputs (${info.inputs.map((i) => i.nodeId).join(', ')}); give a file for each`,
    );
  const xs = vs.map((v, i) => {
    const inp = info.inputs[i]!;
    return inp.dtype === 'int32'
      ? tf.tensor(Int32Array.from(v.x), [1, ...inp.shape], 'int32')
      : tf.tensor(v.x, [1, ...inp.shape], 'float32');
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
async function boundDoc(
  doc: GraphDoc,
  data: DataSourceRef | null,
  skipBadRows: boolean,
  sources: WorkerDataSources,
): Promise<{ doc: GraphDoc; data: Dataset }> {
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
async function useCheckpoint(
  msg: Extract<ToWorkerTry, { type: 'tryUseCheckpoint' }>,
  sources: WorkerDataSources,
): Promise<void> {
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

/** What model-info.json says that the Try panel uses (checked like engine/node/modelFolder's reader; unknown fields ignored). */
function modelInfoOf(
  raw: unknown,
  where: string,
): {
  classNames: string[];
  normalization: Normalization | null;
  hf: { class: string; preprocessing: Record<string, unknown> } | null;
} {
  const m = raw as Record<string, unknown> | null;
  if (!m || typeof m !== 'object' || Array.isArray(m)) throw new Error(`${where} is not a JSON object`);
  if (m.format !== 'perceiver-studio-model')
    throw new Error(
      `${where} has format ${JSON.stringify(m.format)}; a model folder's model-info.json has "format": "perceiver-studio-model"`,
    );
  if (m.version !== 1) throw new Error(`${where} is version ${String(m.version)}; this build reads version 1`);
  const classNames = m.classNames;
  if (classNames !== undefined && (!Array.isArray(classNames) || classNames.some((c) => typeof c !== 'string')))
    throw new Error(`${where}: "classNames" must be a list of strings`);
  const n = m.normalisation as Partial<Normalization> | undefined;
  const nums = (a: unknown) => Array.isArray(a) && a.every((v) => typeof v === 'number' && Number.isFinite(v));
  if (
    n !== undefined &&
    (!n ||
      !['none', 'minmax', 'standardize'].includes(n.kind as string) ||
      !nums(n.offset) ||
      !nums(n.scale) ||
      n.offset!.length !== n.scale!.length)
  ) {
    throw new Error(
      `${where}: "normalisation" must be {kind: none|minmax|standardize, offset: number[], scale: number[]} with equal lengths`,
    );
  }
  const source = m.source as { kind?: unknown; class?: unknown } | undefined;
  const pre =
    m.preprocessing && typeof m.preprocessing === 'object' && !Array.isArray(m.preprocessing)
      ? (m.preprocessing as Record<string, unknown>)
      : {};
  return {
    classNames: (classNames as string[] | undefined) ?? [],
    normalization: (n as Normalization | undefined) ?? null,
    hf:
      source?.kind === 'huggingface' && typeof source.class === 'string'
        ? { class: source.class, preprocessing: pre }
        : null,
  };
}

/** HF image classifier preprocessing options from the folder's preprocessor_config (as `predict` reads them). */
function hfImageOptions(pre: Record<string, unknown>): HfImage {
  const pp = (pre.preprocessor_config ?? {}) as Record<string, unknown>;
  const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
  const sizeOf = (v: unknown) =>
    typeof v === 'number' ? v : v && typeof v === 'object' ? num((v as Record<string, unknown>).height) : undefined;
  const list = (v: unknown) =>
    Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === 'number') ? (v as number[]) : undefined;
  return {
    size: sizeOf(pp.size),
    cropSize: sizeOf(pp.crop_size),
    mean: list(pp.image_mean),
    std: list(pp.image_std),
    rescaleFactor: num(pp.rescale_factor),
  };
}

async function useModelFolder(msg: Extract<ToWorkerTry, { type: 'tryUseModelFolder' }>): Promise<void> {
  const files = new Map(msg.files.map((f) => [f.path, f.file]));
  const bytesOf = async (path: string): Promise<Uint8Array> => {
    const f = files.get(path);
    if (!f)
      throw new Error(
        `${msg.name} has no ${path}; a model folder holds model.json, weights.bin, graph.json and model-info.json`,
      );
    try {
      return new Uint8Array(await f.arrayBuffer());
    } catch (err) {
      throw new Error(
        `${msg.name}/${path}: cannot read the file (${(err as Error).message}); choose the folder again`,
        { cause: err },
      );
    }
  };
  const textOf = async (path: string): Promise<string> => {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(await bytesOf(path));
    } catch (err) {
      if (err instanceof TypeError) throw new Error(`${msg.name}/${path} is not UTF-8 text`, { cause: err });
      throw err;
    }
  };
  const doc = loadGraphDoc(await textOf('graph.json'), `${msg.name}/graph.json`);
  const info = files.has('model-info.json')
    ? modelInfoOf(
        safeJsonParse(await textOf('model-info.json'), `${msg.name}/model-info.json`),
        `${msg.name}/model-info.json`,
      )
    : { classNames: [], normalization: null, hf: null };
  const modelJson = safeJsonParse(await textOf('model.json'), `${msg.name}/model.json`);
  // Every file the manifest lists, read up front (the engine's reader takes them synchronously).
  const listed = new Map<string, Uint8Array>();
  const manifest = (modelJson as { weightsManifest?: { paths?: unknown }[] } | null)?.weightsManifest;
  for (const g of Array.isArray(manifest) ? manifest : [])
    for (const p of Array.isArray(g.paths) ? g.paths : [])
      if (typeof p === 'string' && !listed.has(p)) listed.set(p, await bytesOf(p));
  const weights = tfjsWeightsFromArtifacts(
    modelJson,
    (p) => listed.get(p) ?? new Uint8Array(0),
    `${msg.name}/model.json`,
  );
  const analysis = analyse(doc);
  if (!analysis.valid) {
    const first = analysis.problems.find((p) => p.severity === 'error')!;
    throw new Error(
      `${msg.name}/graph.json is not a valid graph: ${first.message}${first.nodeId ? ` (node "${first.nodeId}")` : ''}`,
    );
  }
  const { model } = compile(doc);
  try {
    applyNamedWeights(model, weights, `the weights of ${msg.name}`);
  } catch (err) {
    model.dispose();
    throw err;
  }
  const hfImage = info.hf?.class.startsWith('PerceiverForImageClassification')
    ? hfImageOptions(info.hf.preprocessing)
    : undefined;
  const hfText = info.hf?.class === 'PerceiverForMaskedLM';
  replaceLoaded({
    source: 'imported',
    label: `model folder ${msg.name}${info.hf ? ` (Hugging Face ${info.hf.class}${hfImage ? ', images through its image processor' : hfText ? ', text as its tokenizer lays it out' : ''})` : ''}`,
    model,
    doc,
    analysis,
    classNames: info.classNames,
    featureNames: [],
    normalization: hfImage ? null : info.normalization,
    training: false,
    hfImage,
    hfText,
  });
}

function setWeights(msg: Extract<ToWorkerTry, { type: 'trySetWeights' }>): void {
  const analysis = analyse(msg.doc);
  if (!analysis.valid) {
    const first = analysis.problems.find((p) => p.severity === 'error')!;
    throw new Error(
      `the imported graph is not valid: ${first.message}${first.nodeId ? ` (node "${first.nodeId}")` : ''}`,
    );
  }
  const { model } = compile(msg.doc);
  try {
    // The engine's named-weight writer (PyTorch import uses it too): every weight by its tfjs name, shapes checked.
    applyNamedWeights(
      model,
      new Map(msg.weights.map((w) => [w.name, { shape: w.shape, data: w.data }])),
      `the weights of ${msg.label}`,
    );
  } catch (err) {
    model.dispose();
    throw err;
  }
  // A graph imported from Hugging Face (doc.origin) takes its input as HF prepares it.
  const hfClass = msg.doc.origin?.hfClass;
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
    hfImage: hfClass?.startsWith('PerceiverForImageClassification') ? hfImageOptions({}) : undefined,
    hfText: hfClass === 'PerceiverForMaskedLM',
  });
}

/** The model of an app import (renderer/worker/hfImport.ts), compiled once per import and kept until another import is tried. */
let fromImport: { importId: string; current: Current } | null = null;

function importedWeightsFor(doc: GraphDoc): Current | null {
  const imp = importFor(doc);
  if (!imp) return null;
  if (fromImport?.importId === imp.summary.importId) return fromImport.current;
  const analysis = analyse(imp.doc);
  if (!analysis.valid) return null;
  const { model } = compile(imp.doc);
  try {
    applyNamedWeights(model, imp.weights, `the weights of ${imp.summary.folder}`);
  } catch {
    model.dispose();
    return null;
  }
  fromImport?.current.model.dispose();
  const cls = imp.summary.hfClass;
  const hfImage = cls.startsWith('PerceiverForImageClassification') ? hfImageOptions({}) : undefined;
  const current: Current = {
    source: 'imported',
    label: `imported ${cls} (${imp.summary.folder})`,
    model,
    doc: imp.doc,
    analysis,
    classNames: imp.summary.classNames,
    featureNames: [],
    normalization: null,
    training: false,
    hfImage,
    hfText: cls === 'PerceiverForMaskedLM',
  };
  fromImport = { importId: imp.summary.importId, current };
  return current;
}

/** Answer one Try message. Runs between training steps (not queued behind a run), one at a time. */
export async function answerTry(
  post: (m: FromWorkerTry) => void,
  msg: ToWorkerTry,
  deps: { sources: WorkerDataSources; ensureBackend: () => Promise<unknown> },
): Promise<void> {
  const { requestId } = msg;
  const state = (doc: GraphDoc | null) => {
    let c = currentWeights();
    let changes = c && doc ? architectureChanges(doc, c.doc) : [];
    // A graph imported with "Import from Hugging Face…" and not trained since: its own weights.
    if (doc && (!c || changes.length)) {
      const imp = importedWeightsFor(doc);
      if (imp) {
        c = imp;
        changes = [];
      }
    }
    return { c, info: c ? weightsInfo(c) : null, changes };
  };
  try {
    if (msg.type === 'tryUseCheckpoint' || msg.type === 'trySetWeights' || msg.type === 'tryUseModelFolder') {
      await deps.ensureBackend();
      if (msg.type === 'tryUseCheckpoint') await useCheckpoint(msg, deps.sources);
      else if (msg.type === 'trySetWeights') setWeights(msg);
      else await useModelFolder(msg);
      const s = state(msg.type === 'tryUseModelFolder' ? (loaded?.current.doc ?? null) : msg.doc);
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
        error:
          msg.type === 'tryUseCheckpoint'
            ? `The checkpoint could not be loaded: ${message}`
            : msg.type === 'trySetWeights'
              ? `The weights could not be set: ${message}`
              : msg.type === 'tryUseModelFolder'
                ? `The model folder could not be opened: ${message}`
                : message,
      });
  }
}
