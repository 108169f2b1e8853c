/**
 * Hugging Face Perceiver checkpoints ↔ graphs of our own kinds (issue 12, core).
 *
 * hfConfigToGraph builds the graph from the config alone: every width, head count and grid size
 * comes from config fields and from the choices the HF class fixes in its constructor (read off
 * transformers' modeling_perceiver.py, e.g. the MLM decoder's 8 heads and qk 256, the learned
 * classifier's 256-channel conv and position table, the multimodal decoder's 1024-channel label
 * query). Nothing is taken from a checkpoint's sizes. hfToWeights maps an HF state dict onto the
 * compiled graph's tfjs weight names (layout changes included), weightsToHf maps back with the HF
 * class's exact keys, shapes, dtypes and state-dict order. Pure engine: no tfjs here.
 */
import { analyse } from '../graph/analyse.js';
import { graphDocSchema, type GraphDoc } from '../graph/schema.js';
import { kernelFromTorch, kernelToTorch, type NamedArray, type NamedArrays } from '../export/weights.js';
import { numel, type HfDtype, type HfTensor } from './safetensors.js';

export class HfImportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HfImportError';
  }
}

export const HF_CLASSES = [
  'PerceiverForMaskedLM',
  'PerceiverForImageClassificationLearned',
  'PerceiverForImageClassificationFourier',
  'PerceiverForImageClassificationConvProcessing',
  'PerceiverForOpticalFlow',
  'PerceiverForMultimodalAutoencoding',
] as const;
export type HfClassName = (typeof HF_CLASSES)[number];

// ---------------------------------------------------------------------------------------------
// Config

/** The PerceiverConfig fields the six classes read, with HF's defaults for absent ones. */
export interface PerceiverHfConfig {
  hfClass: HfClassName;
  numLatents: number;
  dLatents: number;
  dModel: number;
  numBlocks: number;
  numSelfAttendsPerBlock: number;
  numSelfAttentionHeads: number;
  numCrossAttentionHeads: number;
  qkChannels: number | null;
  vChannels: number | null;
  crossAttentionShapeForAttention: 'kv' | 'q';
  selfAttentionWideningFactor: number;
  crossAttentionWideningFactor: number;
  gelu: 'erf' | 'tanh';
  useQueryResidual: boolean;
  vocabSize: number;
  maxPositionEmbeddings: number;
  imageSize: number;
  trainSize: [number, number];
  numFrames: number;
  audioSamplesPerFrame: number;
  samplesPerPatch: number;
  outputShape: [number, number, number, number];
  outputNumChannels: number;
  labelTrainableNumChannels: number;
  numLabels: number;
}

/** Options that are not in the config: the image size a size-independent classifier is built for. */
export interface HfGraphOptions {
  /** Fourier / conv classifiers: input [H, W] (default config.image_size square). */
  imageSize?: [number, number];
  /** Multimodal: decode only these flat output points (default: all), a range or a list. */
  subsample?: { image?: HfPointSet; audio?: HfPointSet };
}

/** Decoder output points: a contiguous range, or any list of flat indices (HF subsampled_output_points). */
export type HfPointSet = { start: number; count: number } | { indices: number[] };
const pointCount = (p: HfPointSet): number => ('indices' in p ? p.indices.length : p.count);
const pointParams = (p: HfPointSet) =>
  'indices' in p ? { pointIndices: [...p.indices] } : { pointStart: p.start, pointCount: p.count };

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

function intField(c: Record<string, unknown>, key: string, dflt: number, min = 1, max = 1e8): number {
  const v = c[key];
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    throw new HfImportError(`config.json: "${key}" must be an integer in ${min} … ${max} (found ${JSON.stringify(v)})`);
  return v;
}
function nullableInt(c: Record<string, unknown>, key: string): number | null {
  const v = c[key];
  if (v === undefined || v === null) return null;
  return intField(c, key, 0);
}
function intList(c: Record<string, unknown>, key: string, dflt: number[], len: number): number[] {
  const v = c[key];
  if (v === undefined) return dflt;
  if (
    !Array.isArray(v) ||
    v.length !== len ||
    !v.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= 1 && x <= 1e7)
  ) {
    throw new HfImportError(
      `config.json: "${key}" must be a list of ${len} positive integers (found ${JSON.stringify(v)})`,
    );
  }
  return v as number[];
}

/** Parse and check a config.json (HF PerceiverConfig). Unknown class or bad field → HfImportError. */
export function parseHfConfig(config: unknown): PerceiverHfConfig {
  if (!isObj(config)) throw new HfImportError('config.json must be a JSON object (a Hugging Face PerceiverConfig)');
  const arch = config.architectures;
  if (!Array.isArray(arch) || typeof arch[0] !== 'string') {
    throw new HfImportError(
      `config.json has no "architectures" list naming the model class; expected one of ${HF_CLASSES.join(', ')}`,
    );
  }
  const cls = arch[0];
  if (!(HF_CLASSES as readonly string[]).includes(cls))
    throw new HfImportError(
      `config.json: architectures[0] is "${cls}", which cannot be imported; supported classes: ${HF_CLASSES.join(', ')}`,
    );
  if (config.model_type !== undefined && config.model_type !== 'perceiver')
    throw new HfImportError(`config.json: model_type is ${JSON.stringify(config.model_type)}, expected "perceiver"`);
  const act = config.hidden_act ?? 'gelu';
  let gelu: 'erf' | 'tanh';
  if (act === 'gelu' || act === 'gelu_python') gelu = 'erf';
  else if (act === 'gelu_new' || act === 'gelu_pytorch_tanh' || act === 'gelu_fast') gelu = 'tanh';
  else
    throw new HfImportError(
      `config.json: hidden_act ${JSON.stringify(act)} is not supported (the graph's attention MLPs use GELU: "gelu" or "gelu_new")`,
    );
  const shape = config.cross_attention_shape_for_attention ?? 'kv';
  if (shape !== 'kv' && shape !== 'q')
    throw new HfImportError(
      `config.json: cross_attention_shape_for_attention must be "kv" or "q" (found ${JSON.stringify(shape)})`,
    );
  const uqr = config.use_query_residual ?? true;
  if (typeof uqr !== 'boolean') throw new HfImportError('config.json: "use_query_residual" must be true or false');
  // Number of classes: id2label's size (what save_pretrained writes), else num_labels, else HF's 2.
  let numLabels: number;
  if (isObj(config.id2label)) numLabels = Object.keys(config.id2label).length;
  else numLabels = intField(config, 'num_labels', 2);
  if (numLabels < 1) throw new HfImportError('config.json: id2label is empty; the classifier needs at least one class');
  const c: PerceiverHfConfig = {
    hfClass: cls as HfClassName,
    numLatents: intField(config, 'num_latents', 256),
    dLatents: intField(config, 'd_latents', 1280),
    dModel: intField(config, 'd_model', 768),
    numBlocks: intField(config, 'num_blocks', 1),
    numSelfAttendsPerBlock: intField(config, 'num_self_attends_per_block', 26),
    numSelfAttentionHeads: intField(config, 'num_self_attention_heads', 8),
    numCrossAttentionHeads: intField(config, 'num_cross_attention_heads', 8),
    qkChannels: nullableInt(config, 'qk_channels'),
    vChannels: nullableInt(config, 'v_channels'),
    crossAttentionShapeForAttention: shape,
    selfAttentionWideningFactor: intField(config, 'self_attention_widening_factor', 1),
    crossAttentionWideningFactor: intField(config, 'cross_attention_widening_factor', 1),
    gelu,
    useQueryResidual: uqr,
    vocabSize: intField(config, 'vocab_size', 262),
    maxPositionEmbeddings: intField(config, 'max_position_embeddings', 2048),
    imageSize: intField(config, 'image_size', 56),
    trainSize: intList(config, 'train_size', [368, 496], 2) as [number, number],
    numFrames: intField(config, 'num_frames', 16),
    audioSamplesPerFrame: intField(config, 'audio_samples_per_frame', 1920),
    samplesPerPatch: intField(config, 'samples_per_patch', 16),
    outputShape: intList(config, 'output_shape', [1, 16, 224, 224], 4) as [number, number, number, number],
    outputNumChannels: intField(config, 'output_num_channels', 512),
    labelTrainableNumChannels: intField(config, '_label_trainable_num_channels', 1024),
    numLabels,
  };
  const need = (ok: boolean, msg: string) => {
    if (!ok) throw new HfImportError(`config.json: ${msg}`);
  };
  need(
    c.dLatents % c.numSelfAttentionHeads === 0,
    `d_latents ${c.dLatents} must be divisible by num_self_attention_heads ${c.numSelfAttentionHeads}`,
  );
  need(
    c.dLatents % c.numCrossAttentionHeads === 0,
    `d_latents ${c.dLatents} must be divisible by num_cross_attention_heads ${c.numCrossAttentionHeads}`,
  );
  // Self-attention: HF adds the output (v_channels wide) back to the latents, so v must be d_latents.
  const s = selfWidths(c);
  need(
    s.v === c.dLatents,
    `the self-attention value width (v_channels ${c.vChannels ?? 'null'} → ${s.v}) must equal d_latents ${c.dLatents} (HF adds it back to the latents)`,
  );
  need(
    s.qk % c.numSelfAttentionHeads === 0,
    `self-attention qk_channels ${s.qk} must be divisible by num_self_attention_heads ${c.numSelfAttentionHeads}`,
  );
  return c;
}

/** HF PerceiverAttention width rules: cross-attention qk defaults by cross_attention_shape_for_attention, v to qk. */
function crossWidths(
  c: PerceiverHfConfig,
  qDim: number,
  kvDim: number,
  qk: number | null,
  v: number | null,
): { qk: number; v: number } {
  const q = qk ?? (c.crossAttentionShapeForAttention === 'q' ? qDim : kvDim);
  return { qk: q, v: v ?? q };
}
function selfWidths(c: PerceiverHfConfig): { qk: number; v: number } {
  const qk = c.qkChannels ?? c.dLatents;
  return { qk, v: c.vChannels ?? qk };
}

/** Fourier feature width: d positions (concat_pos) + d·K sines + d·K cosines. */
const fourierWidth = (dims: number, bands: number): number => dims + 2 * dims * bands;

// ---------------------------------------------------------------------------------------------
// Graph building

type Node = GraphDoc['nodes'][number];

class GraphBuilder {
  nodes: Node[] = [];
  edges: GraphDoc['edges'] = [];
  node(id: string, kind: string, params: Record<string, unknown>, label?: string): string {
    const col = this.nodes.length % 2;
    this.nodes.push({
      id,
      kind,
      params,
      position: { x: col * 340, y: this.nodes.length * 120 },
      ...(label ? { label } : {}),
    });
    return id;
  }
  wire(from: string, fromPort: string, to: string, toPort: string): void {
    this.edges.push({
      id: `e${this.edges.length + 1}`,
      source: { node: from, port: fromPort },
      target: { node: to, port: toPort },
    });
  }
}

/** Encoder: latents, cross-attention over kv, the shared self-attention block (num_blocks repeats). */
function encoder(
  g: GraphBuilder,
  c: PerceiverHfConfig,
  kv: { node: string; port: string },
  kvDim: number,
  mask?: { node: string; port: string },
): void {
  g.node(
    'latents',
    'LatentArray',
    { numLatents: c.numLatents, channels: c.dLatents },
    'latents (perceiver.embeddings)',
  );
  const x = crossWidths(c, c.dLatents, kvDim, c.qkChannels, c.vChannels);
  g.node(
    'encoder',
    'CrossAttention',
    {
      heads: c.numCrossAttentionHeads,
      qkChannels: x.qk,
      vChannels: x.v,
      widening: c.crossAttentionWideningFactor,
      gelu: c.gelu,
      useQueryResidual: c.useQueryResidual,
    },
    'encoder cross-attention',
  );
  const s = selfWidths(c);
  g.node(
    'stack',
    'LatentStack',
    {
      layersPerBlock: c.numSelfAttendsPerBlock,
      blocks: c.numBlocks,
      shareWeights: true,
      heads: c.numSelfAttentionHeads,
      qkChannels: s.qk,
      vChannels: s.v,
      widening: c.selfAttentionWideningFactor,
      gelu: c.gelu,
    },
    'self-attention block (shared over num_blocks)',
  );
  g.wire('latents', 'out', 'encoder', 'q');
  g.wire(kv.node, kv.port, 'encoder', 'kv');
  if (mask) g.wire(mask.node, mask.port, 'encoder', 'mask');
  g.wire('encoder', 'out', 'stack', 'in');
}

/** The classification decoder every image classifier uses: one trainable query of width d_latents. */
function classificationDecoder(g: GraphBuilder, c: PerceiverHfConfig): void {
  g.node('query', 'TrainableQuery', { numQueries: 1, channels: c.dLatents }, 'decoder query');
  const d = crossWidths(c, c.dLatents, c.dLatents, null, null);
  g.node(
    'decoder',
    'DecoderCrossAttention',
    { heads: 1, qkChannels: d.qk, vChannels: d.v, widening: 1, gelu: c.gelu, useQueryResidual: true },
    'decoder cross-attention',
  );
  g.node('head', 'ClassificationHead', { numClasses: c.numLabels }, 'final_layer (logits)');
  g.wire('query', 'out', 'decoder', 'q');
  g.wire('stack', 'out', 'decoder', 'kv');
  g.wire('decoder', 'out', 'head', 'in');
}

function imageSizeFor(c: PerceiverHfConfig, opts: HfGraphOptions): [number, number] {
  const s = opts.imageSize ?? [c.imageSize, c.imageSize];
  if (!Array.isArray(s) || s.length !== 2 || !s.every((x) => Number.isInteger(x) && x >= 1 && x <= 100000))
    throw new HfImportError(`imageSize must be [H, W] positive integers (got ${JSON.stringify(s)})`);
  return s;
}

/** Sizes the multimodal class derives from the config. */
export function multimodalSizes(c: PerceiverHfConfig) {
  const audioSamples = c.numFrames * c.audioSamplesPerFrame;
  const [, T, H, W] = c.outputShape;
  const audioPatches = audioSamples / c.samplesPerPatch;
  const imageIn = 3 * 4 * 4; // patches, spatial_downsample 4, temporal 1
  const audioPre = c.samplesPerPatch + fourierWidth(1, 192);
  const imagePre = imageIn + fourierWidth(3, 32);
  const labelPre = c.numLabels;
  const common = Math.max(audioPre, imagePre, labelPre) + 4;
  const audioQ = fourierWidth(1, 192);
  const imageQ = fourierWidth(3, 32);
  const labelQ = c.labelTrainableNumChannels;
  const commonQ = Math.max(audioQ, imageQ, labelQ) + 2;
  return {
    audioSamples,
    audioPatches,
    T,
    H,
    W,
    imagePoints: T * H * W,
    audioPre,
    imagePre,
    labelPre,
    common,
    audioQ,
    imageQ,
    labelQ,
    commonQ,
  };
}

function buildGraph(c: PerceiverHfConfig, opts: HfGraphOptions): GraphBuilder {
  const g = new GraphBuilder();
  switch (c.hfClass) {
    case 'PerceiverForMaskedLM': {
      g.node(
        'text',
        'TextBytes',
        { maxLength: c.maxPositionEmbeddings, channels: c.dModel, vocabSize: c.vocabSize },
        'bytes + positions (input_preprocessor)',
      );
      encoder(g, c, { node: 'text', port: 'out' }, c.dModel, { node: 'text', port: 'mask' });
      g.node(
        'query',
        'TrainableQuery',
        { numQueries: c.maxPositionEmbeddings, channels: c.dModel },
        'decoder output positions',
      );
      const d = crossWidths(c, c.dModel, c.dLatents, 8 * 32, c.dModel);
      // HF passes the padding mask to the decoder, but its cross-attention replaces it by inputs_mask=None: no query mask.
      g.node(
        'decoder',
        'DecoderCrossAttention',
        { heads: 8, qkChannels: d.qk, vChannels: d.v, widening: 1, gelu: c.gelu, useQueryResidual: false },
        'decoder cross-attention',
      );
      g.node('head', 'TiedEmbeddingDecoder', {}, 'embedding_decoder (tied logits)');
      g.wire('query', 'out', 'decoder', 'q');
      g.wire('stack', 'out', 'decoder', 'kv');
      g.wire('decoder', 'out', 'head', 'in');
      g.wire('text', 'embedding', 'head', 'embedding');
      break;
    }
    case 'PerceiverForImageClassificationLearned': {
      g.node('image', 'ImageInput', { height: c.imageSize, width: c.imageSize, channels: 3 }, 'pixel_values (NHWC)');
      g.node('conv', 'Conv1x1', { numChannels: 256, spatialDownsample: 1 }, 'convnet_1x1');
      g.node(
        'positions',
        'TrainablePosition',
        { numChannels: 256, projectPosDim: 256, combine: 'concat' },
        'learned positions + projection',
      );
      g.wire('image', 'out', 'conv', 'in');
      g.wire('conv', 'out', 'positions', 'in');
      encoder(g, c, { node: 'positions', port: 'out' }, 512);
      classificationDecoder(g, c);
      break;
    }
    case 'PerceiverForImageClassificationFourier': {
      const [h, w] = imageSizeFor(c, opts);
      g.node('image', 'ImageInput', { height: h, width: w, channels: 3 }, 'pixel_values (NHWC)');
      g.node('pixels', 'ImagePixels', { spatialDownsample: 1 }, 'pixels');
      g.node(
        'fourier',
        'FourierPosition',
        { numBands: 64, maxResolution: [224, 224], concatPos: true, sineOnly: false, combine: 'concat' },
        'Fourier positions',
      );
      g.wire('image', 'out', 'pixels', 'in');
      g.wire('pixels', 'out', 'fourier', 'in');
      encoder(g, c, { node: 'fourier', port: 'out' }, 3 + fourierWidth(2, 64));
      classificationDecoder(g, c);
      break;
    }
    case 'PerceiverForImageClassificationConvProcessing': {
      const [h, w] = imageSizeFor(c, opts);
      g.node('image', 'ImageInput', { height: h, width: w, channels: 3 }, 'pixel_values (NHWC)');
      g.node(
        'conv',
        'ConvDownsample',
        { numLayers: 1, numChannels: 64, useBatchNorm: true, padding: 'torch' },
        'conv stem (convnet)',
      );
      g.node(
        'fourier',
        'FourierPosition',
        { numBands: 64, maxResolution: [56, 56], concatPos: true, sineOnly: false, combine: 'concat' },
        'Fourier positions',
      );
      g.wire('image', 'out', 'conv', 'in');
      g.wire('conv', 'out', 'fourier', 'in');
      encoder(g, c, { node: 'fourier', port: 'out' }, 64 + fourierWidth(2, 64));
      classificationDecoder(g, c);
      break;
    }
    case 'PerceiverForOpticalFlow': {
      const [h, w] = c.trainSize;
      g.node(
        'frames',
        'ImageInput',
        { height: h, width: w, channels: 27, frames: 2 },
        '3×3 patches of two frames [2, H, W, 27]',
      );
      g.node(
        'patches',
        'ImagePatches',
        { spatialDownsample: 1, temporalDownsample: 2, linearChannels: 64 },
        'frames side by side + conv_after_patches',
      );
      g.node(
        'fourier',
        'FourierPosition',
        { numBands: 64, maxResolution: [h, w], concatPos: true, sineOnly: false, combine: 'concat' },
        'Fourier positions',
      );
      g.wire('frames', 'out', 'patches', 'in');
      g.wire('patches', 'out', 'fourier', 'in');
      const kv = 64 + fourierWidth(2, 64);
      encoder(g, c, { node: 'fourier', port: 'out' }, kv);
      g.node('query', 'InputAsQuery', {}, 'queries = preprocessed inputs');
      const d = crossWidths(c, kv, c.dLatents, null, null);
      g.node(
        'decoder',
        'DecoderCrossAttention',
        {
          heads: 1,
          qkChannels: d.qk,
          vChannels: d.v,
          widening: 1,
          gelu: c.gelu,
          useQueryResidual: false,
          outputChannels: 2,
        },
        'decoder + final_layer',
      );
      g.node('flow', 'FlowPostprocessor', { height: h, width: w, rescaleFactor: 100 }, 'flow / 100');
      g.wire('fourier', 'out', 'query', 'in');
      g.wire('query', 'out', 'decoder', 'q');
      g.wire('stack', 'out', 'decoder', 'kv');
      g.wire('decoder', 'out', 'flow', 'in');
      break;
    }
    case 'PerceiverForMultimodalAutoencoding': {
      const m = multimodalSizes(c);
      if (!Number.isInteger(m.audioPatches))
        throw new HfImportError(
          `config.json: num_frames × audio_samples_per_frame = ${m.audioSamples} is not divisible by samples_per_patch ${c.samplesPerPatch}`,
        );
      if (c.outputShape[1] !== c.numFrames)
        throw new HfImportError(
          `config.json: output_shape[1] ${c.outputShape[1]} must equal num_frames ${c.numFrames} (the autoencoder decodes the frames it reads)`,
        );
      if (m.H % 4 !== 0 || m.W % 4 !== 0)
        throw new HfImportError(`config.json: output_shape's image ${m.H}×${m.W} must be divisible by 4 (4×4 patches)`);
      g.node('audio', 'AudioInput', { samples: m.audioSamples, channels: 1 }, 'audio [samples, 1]');
      g.node('audioPatches', 'AudioPatches', { samplesPerPatch: c.samplesPerPatch }, 'audio patches');
      g.node(
        'audioFourier',
        'FourierPosition',
        { numBands: 192, maxResolution: [m.audioSamples], concatPos: true, sineOnly: false, combine: 'concat' },
        'audio Fourier positions',
      );
      g.node('video', 'ImageInput', { height: m.H, width: m.W, channels: 3, frames: m.T }, 'image [T, H, W, 3]');
      g.node('videoPatches', 'ImagePatches', { spatialDownsample: 4, temporalDownsample: 1 }, 'image 4×4 patches');
      g.node(
        'videoFourier',
        'FourierPosition',
        {
          numBands: 32,
          maxResolution: [c.numFrames, c.imageSize, c.imageSize],
          concatPos: true,
          sineOnly: false,
          combine: 'concat',
        },
        'image Fourier positions',
      );
      g.node('label', 'OneHotLabel', { numClasses: c.numLabels }, 'label');
      g.node(
        'inputs',
        'MultimodalConcat',
        { names: ['audio', 'image', 'label'], minPaddingSize: 4, maskProbs: [0, 0, 1] },
        'pad + concat (label always masked)',
      );
      g.wire('audio', 'out', 'audioPatches', 'in');
      g.wire('audioPatches', 'out', 'audioFourier', 'in');
      g.wire('video', 'out', 'videoPatches', 'in');
      g.wire('videoPatches', 'out', 'videoFourier', 'in');
      g.wire('audioFourier', 'out', 'inputs', 'm0');
      g.wire('videoFourier', 'out', 'inputs', 'm1');
      g.wire('label', 'out', 'inputs', 'm2');
      encoder(g, c, { node: 'inputs', port: 'out' }, m.common);
      const img: HfPointSet = opts.subsample?.image ?? { start: 0, count: m.imagePoints };
      const aud: HfPointSet = opts.subsample?.audio ?? { start: 0, count: m.audioPatches };
      g.node(
        'audioQuery',
        'FourierQuery',
        {
          indexDims: [m.audioPatches],
          numBands: 192,
          maxResolution: [m.audioSamples],
          concatPos: true,
          sineOnly: false,
          ...pointParams(aud),
        },
        'audio queries',
      );
      g.node(
        'imageQuery',
        'FourierQuery',
        {
          indexDims: [m.T, m.H, m.W],
          numBands: 32,
          maxResolution: [c.numFrames, c.imageSize, c.imageSize],
          concatPos: true,
          sineOnly: false,
          ...pointParams(img),
        },
        'image queries',
      );
      g.node('labelQuery', 'TrainableQuery', { numQueries: 1, channels: m.labelQ }, 'label query');
      g.node(
        'queries',
        'MultimodalQuery',
        { names: ['audio', 'image', 'label'], minPaddingSize: 2 },
        'pad + concat queries',
      );
      g.wire('audioQuery', 'out', 'queries', 'm0');
      g.wire('imageQuery', 'out', 'queries', 'm1');
      g.wire('labelQuery', 'out', 'queries', 'm2');
      const d = crossWidths(c, m.commonQ, c.dLatents, null, null);
      g.node(
        'decoder',
        'DecoderCrossAttention',
        {
          heads: 1,
          qkChannels: d.qk,
          vChannels: d.v,
          widening: 1,
          gelu: c.gelu,
          useQueryResidual: false,
          outputChannels: c.outputNumChannels,
        },
        'decoder + final_layer',
      );
      g.node('split', 'MultimodalSplit', { sizes: [pointCount(aud), pointCount(img), 1] }, 'split by modality');
      g.node('audioOut', 'AudioPostprocessor', { samplesPerPatch: c.samplesPerPatch }, 'audio');
      g.node('imageOut', 'PerPositionProjection', { outputChannels: 3 }, 'image');
      g.node('labelOut', 'ClassificationHead', { numClasses: c.numLabels }, 'label');
      g.wire('queries', 'out', 'decoder', 'q');
      g.wire('stack', 'out', 'decoder', 'kv');
      g.wire('decoder', 'out', 'split', 'in');
      g.wire('split', 'm0', 'audioOut', 'in');
      g.wire('split', 'm1', 'imageOut', 'in');
      g.wire('split', 'm2', 'labelOut', 'in');
      break;
    }
  }
  return g;
}

const TITLES: Record<HfClassName, string> = {
  PerceiverForMaskedLM: 'Perceiver IO masked language model (Hugging Face)',
  PerceiverForImageClassificationLearned: 'Perceiver IO image classifier, learned positions (Hugging Face)',
  PerceiverForImageClassificationFourier: 'Perceiver IO image classifier, Fourier features (Hugging Face)',
  PerceiverForImageClassificationConvProcessing: 'Perceiver IO image classifier, conv stem (Hugging Face)',
  PerceiverForOpticalFlow: 'Perceiver IO optical flow (Hugging Face)',
  PerceiverForMultimodalAutoencoding: 'Perceiver IO multimodal autoencoder (Hugging Face)',
};

/** Validate a config.json and build the graph of the class it names (shapes from the config only). */
export function hfConfigToGraph(config: unknown, opts: HfGraphOptions = {}): { doc: GraphDoc; hfClass: HfClassName } {
  const c = parseHfConfig(config);
  const g = buildGraph(c, opts);
  const hfParams = hfBindings(config)
    .filter((b) => b.dtype !== 'I64')
    .reduce((a, b) => a + numel(b.shape), 0);
  const raw = {
    schemaVersion: 1,
    name: TITLES[c.hfClass],
    description: `Imported from a Hugging Face ${c.hfClass} checkpoint: ${c.numLatents}×${c.dLatents} latents, ${c.numSelfAttendsPerBlock} self-attention layers × ${c.numBlocks} block(s), GELU ${c.gelu}.`,
    source: `Hugging Face transformers ${c.hfClass}`,
    reproduces: `${hfParams.toLocaleString('en-US')} parameters and buffers: every float tensor of the HF ${c.hfClass} state dict for this config`,
    tags: ['pretrained', 'huggingface', 'perceiver-io'],
    nodes: g.nodes,
    edges: g.edges,
    // Fine-tuning defaults: small AdamW steps with clipping (HF's usual recipe), not training from scratch.
    training: { optimizer: 'adamw', learningRate: 5e-5, weightDecay: 0.01, gradClipNorm: 1, batchSize: 16, epochs: 3 },
    origin: { kind: 'huggingface', hfClass: c.hfClass, config: hfConfigJson(config) },
  };
  const parsed = graphDocSchema.safeParse(raw);
  if (!parsed.success)
    throw new HfImportError(
      `internal: the graph built for ${c.hfClass} does not validate: ${parsed.error.issues[0]?.message}`,
    );
  // Widths the config makes impossible (heads that do not divide qk/v, an image too small for the
  // stem…) surface here with the node's message, before anything is opened.
  const analysis = analyse(parsed.data);
  const bad = analysis.problems.find((p) => p.severity === 'error');
  if (bad) throw new HfImportError(`config.json does not describe a valid ${c.hfClass}: ${bad.message}`);
  return { doc: parsed.data, hfClass: c.hfClass };
}

/** The config.json to write next to an exported model.safetensors (what HF's from_pretrained reads). */
export function hfConfigJson(config: unknown): unknown {
  const c = parseHfConfig(config);
  const src = config as Record<string, unknown>;
  const out: Record<string, unknown> = JSON.parse(JSON.stringify(src));
  out.architectures = [c.hfClass];
  out.model_type = 'perceiver';
  // Classes that classify need id2label (num_labels is derived from it by HF).
  const labelled = c.hfClass !== 'PerceiverForMaskedLM' && c.hfClass !== 'PerceiverForOpticalFlow';
  if (labelled && !isObj(out.id2label)) {
    const id2label: Record<string, string> = {};
    const label2id: Record<string, number> = {};
    for (let i = 0; i < c.numLabels; i++) {
      id2label[String(i)] = `LABEL_${i}`;
      label2id[`LABEL_${i}`] = i;
    }
    out.id2label = id2label;
    out.label2id = label2id;
    delete out.num_labels;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Weights: one binding per HF state-dict entry, in state-dict order.

type Layout = 'same' | 'linear' | 'conv';
export interface HfBinding {
  key: string;
  shape: number[];
  dtype: HfDtype;
  /** The tfjs weight (originalName) it feeds; absent for buffers the graph does not keep. */
  tf?: string;
  layout: Layout;
}

/** compile's layer naming (engine/compile/compile.ts layerName), repeated here to stay tfjs-free. */
const layerName = (nodeId: string, suffix?: string): string => {
  const base = nodeId.replace(/[^A-Za-z0-9_]/g, '_');
  return suffix ? `${base}__${suffix}` : base;
};

class Bindings {
  list: HfBinding[] = [];
  same(key: string, shape: number[], tf: string): void {
    this.list.push({ key, shape, dtype: 'F32', tf, layout: 'same' });
  }
  linear(prefix: string, out: number, inp: number, tfLayer: string, w: string, bias = true): void {
    this.list.push({
      key: `${prefix}.weight`,
      shape: [out, inp],
      dtype: 'F32',
      tf: `${tfLayer}/${w}_kernel`.replace('/_kernel', '/kernel'),
      layout: 'linear',
    });
    if (bias)
      this.list.push({
        key: `${prefix}.bias`,
        shape: [out],
        dtype: 'F32',
        tf: `${tfLayer}/${w}_bias`.replace('/_bias', '/bias'),
        layout: 'same',
      });
  }
  norm(prefix: string, d: number, tfLayer: string, w: string): void {
    this.same(`${prefix}.weight`, [d], `${tfLayer}/${w}_gamma`);
    this.same(`${prefix}.bias`, [d], `${tfLayer}/${w}_beta`);
  }
  /** One PerceiverLayer (attention + MLP) bound to one AttentionBlock layer. */
  layer(
    prefix: string,
    tfLayer: string,
    d: { dq: number; dkv: number; qk: number; v: number; widening: number; cross: boolean },
  ): void {
    const a = `${prefix}.attention.self`;
    this.norm(`${a}.layernorm1`, d.dq, tfLayer, 'ln_q');
    if (d.cross) this.norm(`${a}.layernorm2`, d.dkv, tfLayer, 'ln_kv');
    this.linear(`${a}.query`, d.qk, d.dq, tfLayer, 'q');
    this.linear(`${a}.key`, d.qk, d.dkv, tfLayer, 'k');
    this.linear(`${a}.value`, d.v, d.dkv, tfLayer, 'v');
    this.linear(`${prefix}.attention.output.dense`, d.dq, d.v, tfLayer, 'o');
    this.norm(`${prefix}.layernorm`, d.dq, tfLayer, 'ln_mlp');
    this.linear(`${prefix}.mlp.dense1`, d.widening * d.dq, d.dq, tfLayer, 'mlp1');
    this.linear(`${prefix}.mlp.dense2`, d.dq, d.widening * d.dq, tfLayer, 'mlp2');
  }
}

function encoderBindings(b: Bindings, c: PerceiverHfConfig, kvDim: number): void {
  b.same('perceiver.embeddings.latents', [c.numLatents, c.dLatents], 'latents/array');
  const x = crossWidths(c, c.dLatents, kvDim, c.qkChannels, c.vChannels);
  b.layer('perceiver.encoder.cross_attention', layerName('encoder'), {
    dq: c.dLatents,
    dkv: kvDim,
    qk: x.qk,
    v: x.v,
    widening: c.crossAttentionWideningFactor,
    cross: true,
  });
  const s = selfWidths(c);
  for (let l = 0; l < c.numSelfAttendsPerBlock; l++) {
    b.layer(`perceiver.encoder.self_attends.${l}`, layerName('stack', `layer${l}`), {
      dq: c.dLatents,
      dkv: c.dLatents,
      qk: s.qk,
      v: s.v,
      widening: c.selfAttentionWideningFactor,
      cross: false,
    });
  }
}

function classifierDecoderBindings(b: Bindings, c: PerceiverHfConfig): void {
  const p = 'perceiver.decoder.decoder';
  b.same(`${p}.output_position_encodings.position_embeddings`, [1, c.dLatents], 'query/array');
  const d = crossWidths(c, c.dLatents, c.dLatents, null, null);
  b.layer(`${p}.decoding_cross_attention`, 'decoder', {
    dq: c.dLatents,
    dkv: c.dLatents,
    qk: d.qk,
    v: d.v,
    widening: 1,
    cross: true,
  });
  b.linear(`${p}.final_layer`, c.numLabels, c.dLatents, 'head', '');
}

/** The HF class's state dict for this config: keys, shapes, dtypes in state-dict order, with their tfjs weights. */
export function hfBindings(config: unknown): HfBinding[] {
  const c = parseHfConfig(config);
  const b = new Bindings();
  switch (c.hfClass) {
    case 'PerceiverForMaskedLM': {
      b.same('perceiver.input_preprocessor.embeddings.weight', [c.vocabSize, c.dModel], 'text/embedding');
      b.same(
        'perceiver.input_preprocessor.position_embeddings.weight',
        [c.maxPositionEmbeddings, c.dModel],
        'text/positions',
      );
      encoderBindings(b, c, c.dModel);
      b.same(
        'perceiver.decoder.output_position_encodings.position_embeddings',
        [c.maxPositionEmbeddings, c.dModel],
        'query/array',
      );
      const d = crossWidths(c, c.dModel, c.dLatents, 8 * 32, c.dModel);
      b.layer('perceiver.decoder.decoding_cross_attention', 'decoder', {
        dq: c.dModel,
        dkv: c.dLatents,
        qk: d.qk,
        v: d.v,
        widening: 1,
        cross: true,
      });
      b.same('embedding_decoder.bias', [c.vocabSize], 'head/bias');
      break;
    }
    case 'PerceiverForImageClassificationLearned': {
      const p = 'perceiver.input_preprocessor';
      b.list.push({
        key: `${p}.convnet_1x1.weight`,
        shape: [256, 3, 1, 1],
        dtype: 'F32',
        tf: 'conv/kernel',
        layout: 'conv',
      });
      b.same(`${p}.convnet_1x1.bias`, [256], 'conv/bias');
      b.same(`${p}.position_embeddings.position_embeddings`, [c.imageSize * c.imageSize, 256], 'positions/positions');
      b.linear(`${p}.positions_projection`, 256, 256, 'positions', 'projector');
      encoderBindings(b, c, 512);
      classifierDecoderBindings(b, c);
      break;
    }
    case 'PerceiverForImageClassificationFourier': {
      encoderBindings(b, c, 3 + fourierWidth(2, 64));
      classifierDecoderBindings(b, c);
      break;
    }
    case 'PerceiverForImageClassificationConvProcessing': {
      const p = 'perceiver.input_preprocessor.convnet';
      b.list.push({
        key: `${p}.conv.weight`,
        shape: [64, 3, 7, 7],
        dtype: 'F32',
        tf: `${layerName('conv', 'conv0')}/kernel`,
        layout: 'conv',
      });
      const bn = layerName('conv', 'bn0');
      b.same(`${p}.batchnorm.weight`, [64], `${bn}/gamma`);
      b.same(`${p}.batchnorm.bias`, [64], `${bn}/beta`);
      b.same(`${p}.batchnorm.running_mean`, [64], `${bn}/moving_mean`);
      b.same(`${p}.batchnorm.running_var`, [64], `${bn}/moving_variance`);
      b.list.push({ key: `${p}.batchnorm.num_batches_tracked`, shape: [], dtype: 'I64', layout: 'same' });
      encoderBindings(b, c, 64 + fourierWidth(2, 64));
      classifierDecoderBindings(b, c);
      break;
    }
    case 'PerceiverForOpticalFlow': {
      b.linear('perceiver.input_preprocessor.conv_after_patches', 64, 54, 'patches', '');
      const kv = 64 + fourierWidth(2, 64);
      encoderBindings(b, c, kv);
      const d = crossWidths(c, kv, c.dLatents, null, null);
      b.layer('perceiver.decoder.decoder.decoding_cross_attention', 'decoder', {
        dq: kv,
        dkv: c.dLatents,
        qk: d.qk,
        v: d.v,
        widening: 1,
        cross: true,
      });
      b.linear('perceiver.decoder.decoder.final_layer', 2, kv, 'decoder', 'proj');
      break;
    }
    case 'PerceiverForMultimodalAutoencoding': {
      const m = multimodalSizes(c);
      const pre = 'perceiver.input_preprocessor';
      // MultimodalConcat ports: m0 audio, m1 image, m2 label (its weights are indexed by port).
      const width = { audio: m.audioPre, image: m.imagePre, label: m.labelPre };
      (['audio', 'image', 'label'] as const).forEach((mod, k) =>
        b.same(`${pre}.padding.${mod}`, [1, m.common - width[mod]], `inputs/padding_${k}`),
      );
      (['audio', 'image', 'label'] as const).forEach((mod, k) =>
        b.same(`${pre}.mask.${mod}`, [1, m.common], `inputs/mask_token_${k}`),
      );
      const post = 'perceiver.output_postprocessor.modalities';
      b.linear(`${post}.audio.classifier`, c.samplesPerPatch, c.outputNumChannels, layerName('audioOut', 'linear'), '');
      b.linear(`${post}.image.classifier`, 3, c.outputNumChannels, 'imageOut', '');
      b.linear(`${post}.label.classifier`, c.numLabels, c.outputNumChannels, 'labelOut', '');
      encoderBindings(b, c, m.common);
      b.same(
        'perceiver.decoder.modalities.label.decoder.output_position_encodings.position_embeddings',
        [1, m.labelQ],
        'labelQuery/array',
      );
      const d = crossWidths(c, m.commonQ, c.dLatents, null, null);
      b.layer('perceiver.decoder.decoder.decoding_cross_attention', 'decoder', {
        dq: m.commonQ,
        dkv: c.dLatents,
        qk: d.qk,
        v: d.v,
        widening: 1,
        cross: true,
      });
      b.linear('perceiver.decoder.decoder.final_layer', c.outputNumChannels, m.commonQ, 'decoder', 'proj');
      const qWidth = { audio: m.audioQ, image: m.imageQ, label: m.labelQ };
      (['audio', 'image', 'label'] as const).forEach((mod, k) =>
        b.same(`perceiver.decoder.padding.${mod}`, [1, m.commonQ - qWidth[mod]], `queries/padding_${k}`),
      );
      break;
    }
  }
  // A zero-width padding vector stays in the list (HF keeps a [1, 0] parameter); it has no tfjs weight.
  return b.list;
}

const shapeText = (s: readonly number[]) => `[${s.join(', ')}]`;

/** The tfjs shape of a binding's weight (Linear kernels [in, out], conv kernels [kh, kw, in, out]). */
function tfShapeOf(bd: HfBinding): number[] {
  if (bd.layout === 'linear') return [bd.shape[1]!, bd.shape[0]!];
  if (bd.layout === 'conv') return [bd.shape[2]!, bd.shape[3]!, bd.shape[1]!, bd.shape[0]!];
  return [...bd.shape];
}

/** The tfjs weights (originalName → shape) that the graph built from this config has. */
export function expectedTfWeights(config: unknown): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const bd of hfBindings(config)) if (bd.tf && numel(bd.shape) > 0) out.set(bd.tf, tfShapeOf(bd));
  return out;
}

/**
 * One HF tensor → its tfjs weight (layout changed for Linear / conv kernels), after checking its
 * shape and dtype against the binding; null for entries the graph does not keep (BatchNorm's
 * num_batches_tracked, zero-width padding). For streaming imports: convert tensor by tensor.
 * A 'same'-layout tensor's data is used as is (not copied).
 */
export function hfTensorToWeight(
  bd: HfBinding,
  t: HfTensor,
  hfClass = 'the model',
): { name: string; array: NamedArray } | null {
  if (t.shape.length !== bd.shape.length || t.shape.some((d, i) => d !== bd.shape[i])) {
    throw new HfImportError(
      `"${bd.key}" has shape ${shapeText(t.shape)} but config.json implies ${shapeText(bd.shape)} for ${hfClass}`,
    );
  }
  if (bd.dtype === 'I64') {
    if (t.dtype !== 'I64') throw new HfImportError(`"${bd.key}" should be an integer (I64) tensor, found ${t.dtype}`);
    return null;
  }
  if (t.dtype === 'I64')
    throw new HfImportError(`"${bd.key}" is an integer tensor; a float tensor (F32/F16/BF16) was expected`);
  if (!bd.tf || numel(bd.shape) === 0) return null;
  const a: NamedArray = { shape: [...t.shape], data: t.data as Float32Array };
  return { name: bd.tf, array: bd.layout === 'same' ? a : kernelFromTorch(a) };
}

/**
 * An HF state dict → tfjs-named weights of the graph hfConfigToGraph(config) built; all or nothing:
 * a missing key, an unexpected key, a wrong shape or dtype throws HfImportError naming it.
 */
export function hfToWeights(config: unknown, doc: GraphDoc, stateDict: Map<string, HfTensor>): NamedArrays {
  const c = parseHfConfig(config);
  checkDoc(c, doc);
  const binds = hfBindings(config);
  const known = new Set(binds.map((b) => b.key));
  const unexpected = [...stateDict.keys()].filter((k) => !known.has(k));
  if (unexpected.length) {
    throw new HfImportError(
      `the checkpoint has ${unexpected.length} tensor(s) a ${c.hfClass} with this config does not have: ${unexpected.slice(0, 5).join(', ')}${unexpected.length > 5 ? ' …' : ''} (is config.json from another model?)`,
    );
  }
  const missing = binds.filter((b) => !stateDict.has(b.key));
  if (missing.length) {
    const b = missing[0]!;
    throw new HfImportError(
      `the checkpoint has no tensor "${b.key}" (expected shape ${shapeText(b.shape)} for ${c.hfClass} with this config)${missing.length > 1 ? ` and ${missing.length - 1} more missing` : ''}`,
    );
  }
  const out: NamedArrays = new Map();
  for (const bd of binds) {
    const w = hfTensorToWeight(bd, stateDict.get(bd.key)!, c.hfClass);
    if (w) out.set(w.name, w.array);
  }
  return out;
}

/** A config with a new label set (fine-tuning with a new head): id2label/label2id replaced. */
export function hfConfigWithLabels(config: unknown, labels: readonly string[]): Record<string, unknown> {
  parseHfConfig(config);
  if (labels.length < 1) throw new HfImportError('a classifier needs at least one label');
  const out: Record<string, unknown> = JSON.parse(JSON.stringify(config));
  out.id2label = Object.fromEntries(labels.map((l, i) => [String(i), l]));
  out.label2id = Object.fromEntries(labels.map((l, i) => [l, i]));
  delete out.num_labels;
  return out;
}

/**
 * tfjs-named weights → the HF class's state dict: exact keys, shapes and dtypes (F32; I64 for
 * num_batches_tracked, written as 0), in state-dict order.
 */
export function weightsToHf(
  config: unknown,
  doc: GraphDoc,
  weights: NamedArrays,
  extra: { numBatchesTracked?: bigint } = {},
): Map<string, HfTensor> {
  const c = parseHfConfig(config);
  checkDoc(c, doc);
  const out = new Map<string, HfTensor>();
  const used = new Set<string>();
  for (const bd of hfBindings(config)) {
    if (bd.dtype === 'I64') {
      out.set(bd.key, {
        dtype: 'I64',
        shape: [...bd.shape],
        data: BigInt64Array.from([extra.numBatchesTracked ?? 0n]),
      });
      continue;
    }
    if (!bd.tf || numel(bd.shape) === 0) {
      out.set(bd.key, { dtype: 'F32', shape: [...bd.shape], data: new Float32Array(numel(bd.shape)) });
      continue;
    }
    const a = weights.get(bd.tf);
    if (!a)
      throw new HfImportError(
        `the model has no weight "${bd.tf}" (needed for "${bd.key}"); was it built from this config?`,
      );
    const want = tfShapeOf(bd);
    if (a.shape.join('x') !== want.join('x'))
      throw new HfImportError(
        `weight "${bd.tf}" has shape ${shapeText(a.shape)} but "${bd.key}" needs ${shapeText(want)} (tfjs layout)`,
      );
    const v = bd.layout === 'same' ? a : kernelToTorch(a);
    out.set(bd.key, { dtype: 'F32', shape: [...bd.shape], data: Float32Array.from(v.data) });
    used.add(bd.tf);
  }
  const left = [...weights.keys()].filter((k) => !used.has(k));
  if (left.length)
    throw new HfImportError(
      `the model has weights with no ${c.hfClass} counterpart: ${left.slice(0, 5).join(', ')}${left.length > 5 ? ' …' : ''} (was the architecture changed after import?)`,
    );
  return out;
}

/** The doc must be the one built for this class (node ids carry the weight names). */
function checkDoc(c: PerceiverHfConfig, doc: GraphDoc): void {
  const ids = new Set(doc.nodes.map((n) => n.id));
  for (const id of ['latents', 'encoder', 'stack', 'decoder']) {
    if (!ids.has(id))
      throw new HfImportError(
        `the graph has no node "${id}"; HF weights can only be mapped onto the graph built from the config of ${c.hfClass}`,
      );
  }
}
