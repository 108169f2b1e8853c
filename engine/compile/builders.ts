/**
 * How each node kind becomes tfjs layers. Keyed by kind name; a test checks every registered
 * kind has a builder, so the compiler itself never switches on kinds.
 */
import * as tf from '@tensorflow/tfjs';
import { AttentionBlock, FourierPosition, ProjectionHead, SpaceToDepth, TrainableArray } from '../layers/perceiverLayers.js';
import { crossDims } from '../kinds/crossAttention.js';
import { selfDims } from '../kinds/latentStack.js';
import { decoderDims } from '../kinds/decoderCrossAttention.js';
import type { NodeAnalysis } from '../graph/analyse.js';

export type Sym = tf.SymbolicTensor;

export interface BuildContext {
  nodeId: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  params: any;
  analysis: NodeAnalysis;
  inputs: Record<string, Sym>;
  /** Any model input; array nodes broadcast over its batch. */
  batchRef: Sym;
  seed: number;
  /** The tfjs layer name for this node (with an optional suffix). */
  name(suffix?: string): string;
}

export type Builder = (ctx: BuildContext) => Record<string, Sym>;

const one = (x: tf.SymbolicTensor | tf.SymbolicTensor[] | tf.Tensor | tf.Tensor[]): Sym => x as Sym;

export const BUILDERS: Record<string, Builder> = {
  ImageInput: () => {
    throw new Error('ImageInput is built as a model input by the compiler');
  },
  ImagePatches: (c) => ({
    out: one(
      new SpaceToDepth({
        name: c.name(),
        spatial: c.params.spatialDownsample,
        temporal: c.params.temporalDownsample,
        linearChannels: c.params.linearChannels,
        seed: c.seed,
      }).apply(c.inputs.in!),
    ),
  }),
  FourierPosition: (c) => {
    const inShape = c.analysis.inputShapes.in!;
    const indexDims = inShape.slice(0, -1);
    const maxRes = c.params.maxResolution && c.params.maxResolution.length ? c.params.maxResolution : indexDims;
    return {
      out: one(
        new FourierPosition({
          name: c.name(),
          indexDims: [...indexDims],
          numBands: c.params.numBands,
          maxResolution: [...maxRes],
          concatPos: c.params.concatPos,
          sineOnly: c.params.sineOnly,
          combine: c.params.combine,
        }).apply(c.inputs.in!),
      ),
    };
  },
  LatentArray: (c) => ({
    out: one(new TrainableArray({ name: c.name(), rows: c.params.numLatents, channels: c.params.channels, initScale: c.params.initScale, seed: c.seed }).apply(c.batchRef)),
  }),
  TrainableQuery: (c) => ({
    out: one(new TrainableArray({ name: c.name(), rows: c.params.numQueries, channels: c.params.channels, initScale: c.params.initScale, seed: c.seed }).apply(c.batchRef)),
  }),
  CrossAttention: (c) => {
    const d = crossDims(c.params, c.analysis.inputShapes.q!, c.analysis.inputShapes.kv!);
    const layer = new AttentionBlock({
      name: c.name(),
      dq: d.dq,
      dkv: d.dkv,
      qk: d.qk,
      v: d.v,
      heads: d.heads,
      widening: d.widening,
      dropout: c.params.dropout,
      gelu: c.params.gelu,
      useQueryResidual: c.params.useQueryResidual,
      selfAttention: false,
      outputChannels: 0,
      chunkSize: 0,
      seed: c.seed,
    });
    return { out: one(layer.apply([c.inputs.q!, c.inputs.kv!])) };
  },
  LatentStack: (c) => {
    const d = selfDims(c.params, c.analysis.inputShapes.in!);
    const make = (name: string) =>
      new AttentionBlock({
        name,
        dq: d.dq,
        dkv: d.dq,
        qk: d.qk,
        v: d.v,
        heads: d.heads,
        widening: d.widening,
        dropout: c.params.dropout,
        gelu: c.params.gelu,
        useQueryResidual: true,
        selfAttention: true,
        outputChannels: 0,
        chunkSize: 0,
        seed: c.seed,
      });
    const { layersPerBlock: L, blocks: R, shareWeights } = c.params as { layersPerBlock: number; blocks: number; shareWeights: boolean };
    // Shared: L layer objects applied R times (the functional API reuses their variables).
    const shared = shareWeights ? Array.from({ length: L }, (_, l) => make(c.name(`layer${l}`))) : [];
    let x = c.inputs.in!;
    for (let r = 0; r < R; r++) {
      for (let l = 0; l < L; l++) {
        const layer = shareWeights ? shared[l]! : make(c.name(`block${r}_layer${l}`));
        x = one(layer.apply(x));
      }
    }
    return { out: x };
  },
  DecoderCrossAttention: (c) => {
    const d = decoderDims(c.params, c.analysis.inputShapes.q!, c.analysis.inputShapes.kv!);
    const layer = new AttentionBlock({
      name: c.name(),
      dq: d.dq,
      dkv: d.dkv,
      qk: d.qk,
      v: d.v,
      heads: d.heads,
      widening: d.widening,
      dropout: c.params.dropout,
      gelu: c.params.gelu,
      useQueryResidual: c.params.useQueryResidual,
      selfAttention: false,
      outputChannels: c.params.outputChannels,
      chunkSize: c.params.chunkSize,
      seed: c.seed,
    });
    return { out: one(layer.apply([c.inputs.q!, c.inputs.kv!])) };
  },
  ClassificationHead: (c) => {
    const e = c.analysis.inputShapes.in!;
    return {
      out: one(
        new ProjectionHead({
          name: c.name(),
          inChannels: e[1]!,
          outChannels: c.params.numClasses,
          takeRow: 0,
          meanPool: false,
          layerNorm: false,
          init: 'fanIn',
          seed: c.seed,
        }).apply(c.inputs.in!),
      ),
    };
  },
};
