/**
 * How each node kind becomes PyTorch code: one emitter per kind name, mirroring
 * engine/compile/builders/*. A test fails for any registered kind without an emitter, so a new
 * kind cannot silently drop out of the export. Emitters use the kinds' own dimension helpers
 * (crossDims, selfDims, decoderDims, repeatedDims) so defaults resolve exactly as in the compiler,
 * and name tfjs layers with the compiler's layerName so weights map one to one.
 */
import { layerName } from '../../compile/compile.js';
import type { NodeAnalysis } from '../../graph/analyse.js';
import type { AttentionDims } from '../../kinds/attentionMath.js';
import { crossDims } from '../../kinds/crossAttention.js';
import { decoderDims } from '../../kinds/decoderCrossAttention.js';
import { fourierQueryRange } from '../../kinds/fourierQuery.js';
import { selfDims } from '../../kinds/latentStack.js';
import { connectedModalities, MODALITY_PORTS, type Modality } from '../../kinds/multimodal.js';
import { repeatedDims, setIndex, type Sharing } from '../../kinds/repeatedCrossAttend.js';
import { prod } from '../../kinds/types.js';
import { pointFrequencies } from '../../kinds/pointCloudInput.js';
import { kwargs, py } from './python.js';

export interface PyEmitContext {
  nodeId: string;
  /** The Python attribute / local variable name of this node. */
  attr: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  params: any;
  analysis: NodeAnalysis;
}

/** One tfjs layer of this node and the torch module path that holds the same weights. */
export interface WeightModule {
  tfLayer: string;
  torchPath: string;
  /** tfjs weight name → torch name inside the module, where the default rule does not fit. */
  rename?: Record<string, string>;
}

/** Output port → expression, or one call returning a tuple in `ports` order. */
export type PyOutputs = Record<string, string> | { unpack: string; ports: string[] };

export interface PyEmission {
  /** Classes and functions this node uses from perceiver_layers.py. */
  imports: string[];
  /** Python expression constructing the node's module (becomes `self.<attr>`); none for pure ops. */
  module?: string;
  /** Outputs, given each input port's expression (a model input's fed tensor is `in`) and the batch size. */
  forward(inputs: Record<string, string>, batch: string): PyOutputs;
  /** Where its weights live on both sides. */
  weights: WeightModule[];
  /** For model inputs fed integers: example_inputs draws ids below this. */
  intHigh?: number;
}

export type PyEmitter = (ctx: PyEmitContext) => PyEmission;

const DEV = 'device=device';
const call = (c: PyEmitContext, args: string) => `self.${c.attr}(${args})`;
const reshape = (x: string, shape: readonly number[]) => `${x}.reshape(${x}.shape[0], ${shape.join(', ')})`;
/** The app's ProjectionHead init names → perceiver_layers.make_linear's. */
const headInit = (init: string) => (init === 'zeros' ? 'zeros' : 'head');

function attentionArgs(d: AttentionDims, p: { dropout: number; gelu: string }) {
  return {
    dq: d.dq,
    dkv: d.dkv,
    qk: d.qk,
    v: d.v,
    heads: d.heads,
    widening: d.widening,
    dropout: p.dropout,
    gelu: p.gelu,
  };
}

/** Python call arguments for q, kv and an optional mask. */
const qkvArgs = (i: Record<string, string>, mask?: string) => `${i.q}, ${i.kv}${mask ? `, ${mask}` : ''}`;

function multimodalPad(c: PyEmitContext, maskProbs: readonly (number | null)[]): PyEmission {
  const mods = connectedModalities(c.params.names, c.analysis.inputShapes) as Modality[];
  const connected = MODALITY_PORTS.filter((p) => c.analysis.inputShapes[p]);
  const portIndex = (port: string) => MODALITY_PORTS.indexOf(port as (typeof MODALITY_PORTS)[number]);
  const cfg = {
    widths: connected.map((p) => c.analysis.inputShapes[p]![1]!),
    order: mods.map((m) => connected.indexOf(m.port as (typeof MODALITY_PORTS)[number])),
    common: c.analysis.outputShapes.out![1]!,
    mask_probs: connected.map((p) => maskProbs[portIndex(p)] ?? null),
    init_scale: 0.02,
  };
  return {
    imports: ['MultimodalPad'],
    module: `MultimodalPad(${kwargs(cfg)}, ${DEV})`,
    forward: (i) => ({ out: call(c, connected.map((p) => i[p]).join(', ')) }),
    weights: [{ tfLayer: layerName(c.nodeId), torchPath: c.attr }],
  };
}

const passThrough: PyEmitter = () => ({ imports: [], forward: (i) => ({ out: i.in! }), weights: [] });
const reshapeToOutput: PyEmitter = (c) => ({
  imports: [],
  forward: (i) => ({ out: reshape(i.in!, c.analysis.outputShapes.out!) }),
  weights: [],
});

export const PYTORCH_EMITTERS: Record<string, PyEmitter> = {
  // ---- inputs and preprocessing ----------------------------------------------------------
  ImageInput: passThrough,
  AudioInput: passThrough,
  // [xyz, sin(π f_k x_d), cos(π f_k x_d), features] (d-major, k-minor), as engine/layers/sensorLayers PointFourierFeatures.
  PointCloudInput: (c) => {
    if (c.params.numBands === 0) return passThrough(c);
    const f = `torch.tensor([${pointFrequencies(c.params.numBands, c.params.maxResolution)
      .map((v) => v.toPrecision(17))
      .join(', ')}], device=${'${x}'}.device)`;
    return {
      imports: [],
      forward: (i) => {
        const x = i.in!;
        const phase = `(${x}[:, :, :3].unsqueeze(-1) * ${f.replace('${x}', x)}).reshape(${x}.shape[0], ${x}.shape[1], ${3 * c.params.numBands})`;
        return { out: `torch.cat([${x}[:, :, :3], torch.sin(${phase}), torch.cos(${phase}), ${x}[:, :, 3:]], dim=-1)` };
      },
      weights: [],
    };
  },
  OneHotLabel: reshapeToOutput,
  AudioPatches: (c) =>
    c.params.features === 'logMagnitude'
      ? {
          imports: ['rfft_abs'],
          // log(|rfft(periodic Hann · patch)| + 1e-3) per channel, as engine/layers/sensorLayers AudioPatchSpectrum
          // (rfft_abs: the DFT as two matmuls, as that layer does; torch.fft has no ONNX export).
          forward: (i) => {
            const spp = c.params.samplesPerPatch as number;
            const [n, width] = c.analysis.outputShapes.out!;
            const x = `${i.in}.reshape(${i.in}.shape[0], ${n}, ${spp}, -1).transpose(2, 3)`;
            return {
              out: `torch.log(rfft_abs(${x} * torch.hann_window(${spp}, periodic=True, device=${i.in}.device)) + 0.001).reshape(${i.in}.shape[0], ${n}, ${width})`,
            };
          },
          weights: [],
        }
      : reshapeToOutput(c),
  Flatten: (c) => (c.analysis.inputShapes.in!.length === 2 ? passThrough(c) : reshapeToOutput(c)),
  TextBytes: (c) => ({
    imports: ['TokenEmbedding'],
    module: `TokenEmbedding(${kwargs({ vocab_size: c.params.vocabSize, max_length: c.params.maxLength, channels: c.params.channels, init_scale: c.params.initScale })}, ${DEV})`,
    forward: (i) => ({ unpack: call(c, i.in!), ports: ['out', 'embedding', 'mask'] }),
    weights: [{ tfLayer: layerName(c.nodeId), torchPath: c.attr }],
    intHigh: c.params.vocabSize,
  }),
  TabularInput: (c) => ({
    imports: ['TabularTokens'],
    module: `TabularTokens(${kwargs({ num_columns: c.params.numColumns, channels: c.params.channels, encoding: c.params.encoding, init_scale: c.params.initScale })}, ${DEV})`,
    forward: (i) => ({ out: call(c, i.in!) }),
    weights: [{ tfLayer: layerName(c.nodeId), torchPath: c.attr, rename: { value_bias: 'value_bias' } }],
  }),
  ImagePixels: (c) => ({
    imports: ['strided_subsample'],
    forward: (i) => ({
      out: `strided_subsample(${i.in}, ${c.params.spatialDownsample}, ${c.params.temporalDownsample})`,
    }),
    weights: [],
  }),
  ImagePatches: (c) => {
    const inShape = c.analysis.inputShapes.in!;
    return {
      imports: ['SpaceToDepth'],
      module: `SpaceToDepth(${kwargs({
        spatial: c.params.spatialDownsample,
        temporal: c.params.temporalDownsample,
        in_channels: inShape[inShape.length - 1],
        linear_channels: c.params.linearChannels,
        squeeze_time: inShape.length === 4 && c.analysis.outputShapes.out!.length === 3,
      })}, ${DEV})`,
      forward: (i) => ({ out: call(c, i.in!) }),
      weights: [{ tfLayer: layerName(c.nodeId), torchPath: c.attr }],
    };
  },
  PixelNeighbourhood: (c) => ({
    imports: ['pixel_neighbourhood'],
    forward: (i) => ({ out: `pixel_neighbourhood(${i.in}, ${c.params.kernelSize})` }),
    weights: [],
  }),
  Conv1x1: (c) => ({
    imports: ['Conv1x1'],
    module: `Conv1x1(${kwargs({ in_channels: c.analysis.inputShapes.in![2], out_channels: c.params.numChannels, stride: c.params.spatialDownsample })}, ${DEV})`,
    forward: (i) => ({ out: call(c, i.in!) }),
    weights: [
      { tfLayer: layerName(c.nodeId), torchPath: `${c.attr}.conv`, rename: { kernel: 'weight', bias: 'bias' } },
    ],
  }),
  ConvDownsample: (c) => {
    const weights: WeightModule[] = [];
    for (let l = 0; l < c.params.numLayers; l++) {
      weights.push({
        tfLayer: layerName(c.nodeId, `conv${l}`),
        torchPath: `${c.attr}.convs.${l}`,
        rename: { kernel: 'weight' },
      });
      if (c.params.useBatchNorm) {
        weights.push({
          tfLayer: layerName(c.nodeId, `bn${l}`),
          torchPath: `${c.attr}.norms.${l}`,
          rename: { gamma: 'weight', beta: 'bias', moving_mean: 'running_mean', moving_variance: 'running_var' },
        });
      }
    }
    return {
      imports: ['ConvDownsample'],
      module: `ConvDownsample(${kwargs({ in_channels: c.analysis.inputShapes.in![2], num_channels: c.params.numChannels, num_layers: c.params.numLayers, use_batch_norm: c.params.useBatchNorm, ...(c.params.padding === 'torch' ? { padding: 'torch' } : {}) })}, ${DEV})`,
      forward: (i) => ({ out: call(c, i.in!) }),
      weights,
    };
  },
  MultimodalConcat: (c) => multimodalPad(c, c.params.maskProbs),

  // ---- positions, latents, attention -----------------------------------------------------
  FourierPosition: (c) => {
    const indexDims = c.analysis.inputShapes.in!.slice(0, -1);
    const maxRes = c.params.maxResolution && c.params.maxResolution.length ? c.params.maxResolution : indexDims;
    return {
      imports: ['FourierPosition'],
      module: `FourierPosition(${kwargs({
        index_dims: [...indexDims],
        num_bands: c.params.numBands,
        max_resolution: [...maxRes],
        concat_pos: c.params.concatPos,
        sine_only: c.params.sineOnly,
        combine: c.params.combine,
      })}, ${DEV})`,
      forward: (i) => ({ out: call(c, i.in!) }),
      weights: [],
    };
  },
  TrainablePosition: (c) => ({
    imports: ['TrainablePositionEncoding'],
    module: `TrainablePositionEncoding(${kwargs({
      positions: prod(c.analysis.inputShapes.in!.slice(0, -1)),
      num_channels: c.params.numChannels,
      project_pos_dim: c.params.projectPosDim,
      combine: c.params.combine,
      init_scale: c.params.initScale,
    })}, ${DEV})`,
    forward: (i) => ({ out: call(c, i.in!) }),
    weights: [{ tfLayer: layerName(c.nodeId), torchPath: c.attr }],
  }),
  LatentArray: (c) => ({
    imports: ['TrainableArray'],
    module: `TrainableArray(${kwargs({ rows: c.params.numLatents, channels: c.params.channels, init_scale: c.params.initScale })}, ${DEV})`,
    forward: (_i, batch) => ({ out: call(c, batch) }),
    weights: [{ tfLayer: layerName(c.nodeId), torchPath: c.attr }],
  }),
  CrossAttention: (c) => {
    const d = crossDims(c.params, c.analysis.inputShapes.q!, c.analysis.inputShapes.kv!);
    const masked = !!c.analysis.inputShapes.mask;
    return {
      imports: ['AttentionBlock'],
      module: `AttentionBlock(${kwargs({ ...attentionArgs(d, c.params), use_query_residual: c.params.useQueryResidual, ...(masked ? { mask_mode: 'kv' } : {}) })}, ${DEV})`,
      forward: (i) => ({ out: call(c, qkvArgs(i, masked ? i.mask : undefined)) }),
      weights: [{ tfLayer: layerName(c.nodeId), torchPath: c.attr }],
    };
  },
  LatentStack: (c) => {
    const d = selfDims(c.params, c.analysis.inputShapes.in!);
    const {
      layersPerBlock: L,
      blocks: R,
      shareWeights,
    } = c.params as { layersPerBlock: number; blocks: number; shareWeights: boolean };
    // Same layer naming as the compiler: shared "<id>__layer<l>", unshared "<id>__block<r>_layer<l>".
    const weights: WeightModule[] = [];
    if (shareWeights)
      for (let l = 0; l < L; l++)
        weights.push({ tfLayer: layerName(c.nodeId, `layer${l}`), torchPath: `${c.attr}.layers.${l}` });
    else
      for (let r = 0; r < R; r++)
        for (let l = 0; l < L; l++)
          weights.push({
            tfLayer: layerName(c.nodeId, `block${r}_layer${l}`),
            torchPath: `${c.attr}.layers.${r * L + l}`,
          });
    return {
      imports: ['LatentStack'],
      module: `LatentStack(${kwargs({ layers_per_block: L, blocks: R, share_weights: shareWeights, ...attentionArgs(d, c.params) })}, ${DEV})`,
      forward: (i) => ({ out: call(c, i.in!) }),
      weights,
    };
  },
  RepeatedCrossAttend: (c) => {
    const { cross, self } = repeatedDims(c.params, c.analysis.inputShapes.q!, c.analysis.inputShapes.kv!);
    const masked = !!c.analysis.inputShapes.mask;
    const depth: number = c.params.depth;
    const L: number = c.params.selfPerCross;
    const crossIndex = Array.from({ length: depth }, (_, r) => setIndex(c.params.crossSharing as Sharing, r));
    const selfIndex = Array.from({ length: depth }, (_, r) => setIndex(c.params.selfSharing as Sharing, r));
    const weights: WeightModule[] = [];
    for (const k of [...new Set(crossIndex)].sort((a, b) => a - b))
      weights.push({ tfLayer: layerName(c.nodeId, `cross${k}`), torchPath: `${c.attr}.cross.${k}` });
    for (const k of [...new Set(selfIndex)].sort((a, b) => a - b)) {
      for (let l = 0; l < L; l++)
        weights.push({ tfLayer: layerName(c.nodeId, `self${k}_layer${l}`), torchPath: `${c.attr}.latent.${k}.${l}` });
    }
    const crossArgs = { ...attentionArgs(cross, c.params), ...(masked ? { mask_mode: 'kv' } : {}) };
    return {
      imports: ['RepeatedCrossAttend'],
      module: `RepeatedCrossAttend(${kwargs({ cross_index: crossIndex, self_index: selfIndex, self_per_cross: L })}, cross_args=${py(crossArgs)}, self_args=${py(attentionArgs(self, c.params))}, ${DEV})`,
      forward: (i) => ({ out: call(c, qkvArgs(i, masked ? i.mask : undefined)) }),
      weights,
    };
  },
  DecoderCrossAttention: (c) => {
    const d = decoderDims(c.params, c.analysis.inputShapes.q!, c.analysis.inputShapes.kv!);
    const masked = !!c.analysis.inputShapes.queryMask;
    return {
      imports: ['AttentionBlock'],
      module: `AttentionBlock(${kwargs({
        ...attentionArgs(d, c.params),
        use_query_residual: c.params.useQueryResidual,
        output_channels: c.params.outputChannels,
        chunk_size: c.params.chunkSize,
        ...(masked ? { mask_mode: 'query' } : {}),
        ...(c.params.outputChannels > 0 ? { output_init: headInit(c.params.outputInit ?? 'fanIn') } : {}),
      })}, ${DEV})`,
      forward: (i) => ({ out: call(c, qkvArgs(i, masked ? i.queryMask : undefined)) }),
      weights: [{ tfLayer: layerName(c.nodeId), torchPath: c.attr }],
    };
  },

  // ---- output queries --------------------------------------------------------------------
  TrainableQuery: (c) => ({
    imports: ['TrainableArray'],
    module: `TrainableArray(${kwargs({ rows: c.params.numQueries, channels: c.params.channels, init_scale: c.params.initScale })}, ${DEV})`,
    forward: (_i, batch) => ({ out: call(c, batch) }),
    weights: [{ tfLayer: layerName(c.nodeId), torchPath: c.attr }],
  }),
  FourierQuery: (c) => {
    const dims: number[] = c.params.indexDims;
    const { start, count, points, indices } = fourierQueryRange(c.params);
    const maxRes = c.params.maxResolution && c.params.maxResolution.length ? c.params.maxResolution : dims;
    return {
      imports: ['FourierQueryArray'],
      module: `FourierQueryArray(${kwargs({
        index_dims: [...dims],
        num_bands: c.params.numBands,
        max_resolution: [...maxRes],
        concat_pos: c.params.concatPos,
        sine_only: c.params.sineOnly,
        // A point list travels as `start` (fourier_features takes a sequence of flat indices there).
        start: indices ?? start,
        count,
        project_pos_dim: c.params.projectPosDim,
        ...(points ? { points: true } : {}),
      })}, ${DEV})`,
      forward: (_i, batch) => ({ out: call(c, batch) }),
      weights: [{ tfLayer: layerName(c.nodeId), torchPath: c.attr }],
    };
  },
  InputAsQuery: passThrough,
  ConcatPreprocessedQuery: () => ({
    imports: [],
    forward: (i) => ({ out: `torch.cat([${i.inputs}, ${i.pos}], dim=-1)` }),
    weights: [],
  }),
  MultimodalQuery: (c) => multimodalPad(c, []),

  // ---- heads and postprocessors ----------------------------------------------------------
  ClassificationHead: (c) => ({
    imports: ['ProjectionHead'],
    module: `ProjectionHead(${kwargs({ in_channels: c.analysis.inputShapes.in![1], out_channels: c.params.numClasses, take_row: 0 })}, ${DEV})`,
    forward: (i) => ({ out: call(c, i.in!) }),
    weights: [{ tfLayer: layerName(c.nodeId), torchPath: c.attr }],
  }),
  MeanPoolClassifier: (c) => ({
    imports: ['ProjectionHead'],
    module: `ProjectionHead(${kwargs({
      in_channels: c.analysis.inputShapes.in![1],
      out_channels: c.params.numClasses,
      take_row: -1,
      mean_pool: true,
      layer_norm: c.params.layerNorm,
      init: headInit(c.params.init),
    })}, ${DEV})`,
    forward: (i) => ({ out: call(c, i.in!) }),
    weights: [{ tfLayer: layerName(c.nodeId), torchPath: c.attr }],
  }),
  PerPositionProjection: (c) => ({
    imports: ['ProjectionHead'],
    module: `ProjectionHead(${kwargs({ in_channels: c.analysis.inputShapes.in![1], out_channels: c.params.outputChannels, take_row: -1, init: headInit(c.params.init) })}, ${DEV})`,
    forward: (i) => ({ out: call(c, i.in!) }),
    weights: [{ tfLayer: layerName(c.nodeId), torchPath: c.attr }],
  }),
  AudioPostprocessor: (c) => ({
    imports: ['ProjectionHead'],
    module: `ProjectionHead(${kwargs({ in_channels: c.analysis.inputShapes.in![1], out_channels: c.params.samplesPerPatch, take_row: -1, init: 'head' })}, ${DEV})`,
    forward: (i) => ({ out: reshape(call(c, i.in!), c.analysis.outputShapes.out!) }),
    weights: [{ tfLayer: layerName(c.nodeId, 'linear'), torchPath: c.attr }],
  }),
  FlowPostprocessor: (c) => ({
    imports: [],
    forward: (i) => ({ out: reshape(`(${i.in} * ${py(1 / c.params.rescaleFactor)})`, c.analysis.outputShapes.out!) }),
    weights: [],
  }),
  TiedEmbeddingDecoder: (c) => ({
    imports: ['TiedEmbeddingLogits'],
    module: `TiedEmbeddingLogits(vocab_size=${c.analysis.inputShapes.embedding![0]}, ${DEV})`,
    forward: (i) => ({ out: call(c, `${i.in}, ${i.embedding}`) }),
    weights: [{ tfLayer: layerName(c.nodeId), torchPath: c.attr, rename: { bias: 'bias' } }],
  }),
  MultimodalSplit: (c) => ({
    imports: [],
    forward: (i) => {
      const out: Record<string, string> = {};
      let start = 0;
      (c.params.sizes as number[]).forEach((size, k) => {
        out[MODALITY_PORTS[k]!] = `${i.in}[:, ${start}:${start + size}]`;
        start += size;
      });
      return out;
    },
    weights: [],
  }),
};
