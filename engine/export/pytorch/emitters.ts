/**
 * How each node kind becomes PyTorch code: one emitter per kind name, mirroring
 * engine/compile/builders.ts. A test fails for any registered kind without an emitter, so a new
 * kind cannot silently drop out of the export. Emitters use the kinds' own dimension helpers
 * (crossDims, selfDims, decoderDims) so the export resolves defaults exactly as the compiler does.
 */
import { layerName } from '../../compile/compile.js';
import type { NodeAnalysis } from '../../graph/analyse.js';
import { crossDims } from '../../kinds/crossAttention.js';
import { decoderDims } from '../../kinds/decoderCrossAttention.js';
import { selfDims } from '../../kinds/latentStack.js';
import { kwargs } from './python.js';

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
}

export interface PyEmission {
  /** Classes this node uses from perceiver_layers.py. */
  imports: string[];
  /** Python expression constructing the node's module (becomes `self.<attr>`); none for inputs. */
  module?: string;
  /** Output port → Python expression, given each input port's expression and the batch-size expression. */
  forward?(inputs: Record<string, string>, batch: string): Record<string, string>;
  /** The node is a model input: forward() takes it as an argument. */
  modelInput?: { shape: readonly number[] };
  /** Where its weights live on both sides. */
  weights: WeightModule[];
}

export type PyEmitter = (ctx: PyEmitContext) => PyEmission;

const DEV = 'device=device';

function attentionArgs(d: { dq: number; dkv: number; qk: number; v: number; heads: number; widening: number }, p: { dropout: number; gelu: string }) {
  return { dq: d.dq, dkv: d.dkv, qk: d.qk, v: d.v, heads: d.heads, widening: d.widening, dropout: p.dropout, gelu: p.gelu };
}

export const PYTORCH_EMITTERS: Record<string, PyEmitter> = {
  ImageInput: (c) => ({ imports: [], modelInput: { shape: c.analysis.outputShapes.out! }, weights: [] }),

  ImagePatches: (c) => {
    const inShape = c.analysis.inputShapes.in!;
    return {
      imports: ['SpaceToDepth'],
      module: `SpaceToDepth(${kwargs({
        spatial: c.params.spatialDownsample,
        temporal: c.params.temporalDownsample,
        in_channels: inShape[inShape.length - 1],
        linear_channels: c.params.linearChannels,
      })}, ${DEV})`,
      forward: (i) => ({ out: `self.${c.attr}(${i.in})` }),
      weights: [{ tfLayer: layerName(c.nodeId), torchPath: c.attr }],
    };
  },

  FourierPosition: (c) => {
    const inShape = c.analysis.inputShapes.in!;
    const indexDims = inShape.slice(0, -1);
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
      forward: (i) => ({ out: `self.${c.attr}(${i.in})` }),
      weights: [],
    };
  },

  LatentArray: (c) => ({
    imports: ['TrainableArray'],
    module: `TrainableArray(${kwargs({ rows: c.params.numLatents, channels: c.params.channels, init_scale: c.params.initScale })}, ${DEV})`,
    forward: (_i, batch) => ({ out: `self.${c.attr}(${batch})` }),
    weights: [{ tfLayer: layerName(c.nodeId), torchPath: c.attr }],
  }),

  TrainableQuery: (c) => ({
    imports: ['TrainableArray'],
    module: `TrainableArray(${kwargs({ rows: c.params.numQueries, channels: c.params.channels, init_scale: c.params.initScale })}, ${DEV})`,
    forward: (_i, batch) => ({ out: `self.${c.attr}(${batch})` }),
    weights: [{ tfLayer: layerName(c.nodeId), torchPath: c.attr }],
  }),

  CrossAttention: (c) => {
    const d = crossDims(c.params, c.analysis.inputShapes.q!, c.analysis.inputShapes.kv!);
    return {
      imports: ['AttentionBlock'],
      module: `AttentionBlock(${kwargs({ ...attentionArgs(d, c.params), use_query_residual: c.params.useQueryResidual })}, ${DEV})`,
      forward: (i) => ({ out: `self.${c.attr}(${i.q}, ${i.kv})` }),
      weights: [{ tfLayer: layerName(c.nodeId), torchPath: c.attr }],
    };
  },

  LatentStack: (c) => {
    const d = selfDims(c.params, c.analysis.inputShapes.in!);
    const { layersPerBlock: L, blocks: R, shareWeights } = c.params as { layersPerBlock: number; blocks: number; shareWeights: boolean };
    // Same layer naming as the compiler: shared "<id>__layer<l>", unshared "<id>__block<r>_layer<l>".
    const weights: WeightModule[] = [];
    if (shareWeights) for (let l = 0; l < L; l++) weights.push({ tfLayer: layerName(c.nodeId, `layer${l}`), torchPath: `${c.attr}.layers.${l}` });
    else for (let r = 0; r < R; r++) for (let l = 0; l < L; l++) weights.push({ tfLayer: layerName(c.nodeId, `block${r}_layer${l}`), torchPath: `${c.attr}.layers.${r * L + l}` });
    return {
      imports: ['LatentStack'],
      module: `LatentStack(${kwargs({ layers_per_block: L, blocks: R, share_weights: shareWeights, ...attentionArgs(d, c.params) })}, ${DEV})`,
      forward: (i) => ({ out: `self.${c.attr}(${i.in})` }),
      weights,
    };
  },

  DecoderCrossAttention: (c) => {
    const d = decoderDims(c.params, c.analysis.inputShapes.q!, c.analysis.inputShapes.kv!);
    return {
      imports: ['AttentionBlock'],
      module: `AttentionBlock(${kwargs({
        ...attentionArgs(d, c.params),
        use_query_residual: c.params.useQueryResidual,
        output_channels: c.params.outputChannels,
        chunk_size: c.params.chunkSize,
      })}, ${DEV})`,
      forward: (i) => ({ out: `self.${c.attr}(${i.q}, ${i.kv})` }),
      weights: [{ tfLayer: layerName(c.nodeId), torchPath: c.attr }],
    };
  },

  ClassificationHead: (c) => ({
    imports: ['ProjectionHead'],
    module: `ProjectionHead(${kwargs({ in_channels: c.analysis.inputShapes.in![1], out_channels: c.params.numClasses, take_row: 0 })}, ${DEV})`,
    forward: (i) => ({ out: `self.${c.attr}(${i.in})` }),
    weights: [{ tfLayer: layerName(c.nodeId), torchPath: c.attr }],
  }),
};
