/** What a builder gets from the compiler, and small helpers shared by the builder files. */
import * as tf from '@tensorflow/tfjs';
import type { NodeAnalysis } from '../../graph/analyse.js';
import { AttentionBlock, type AttentionBlockConfig } from '../../layers/perceiverLayers.js';
import type { AttentionDims } from '../../kinds/attentionMath.js';

export type Sym = tf.SymbolicTensor;

export interface BuildContext {
  nodeId: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  params: any;
  analysis: NodeAnalysis;
  /** Symbolic inputs by port; a model-input kind gets the fed tensor as `in`. */
  inputs: Record<string, Sym>;
  /** Any model input; array nodes broadcast over its batch. */
  batchRef: Sym;
  seed: number;
  /** The tfjs layer name for this node (with an optional suffix). */
  name(suffix?: string): string;
}

export type Builder = (ctx: BuildContext) => Record<string, Sym>;

export const one = (x: tf.SymbolicTensor | tf.SymbolicTensor[] | tf.Tensor | tf.Tensor[]): Sym => x as Sym;
export const many = (x: tf.SymbolicTensor | tf.SymbolicTensor[] | tf.Tensor | tf.Tensor[]): Sym[] => x as Sym[];

/** An AttentionBlock for resolved dims (the kinds resolve qk/v defaults; layers never guess). */
export function attentionBlock(
  name: string,
  d: AttentionDims,
  p: { dropout: number; gelu: 'tanh' | 'erf' },
  extra: Partial<
    Pick<AttentionBlockConfig, 'useQueryResidual' | 'outputChannels' | 'chunkSize' | 'maskMode' | 'outputInit'>
  > & { seed: number },
): AttentionBlock {
  return new AttentionBlock({
    name,
    dq: d.dq,
    dkv: d.dkv,
    qk: d.qk,
    v: d.v,
    heads: d.heads,
    widening: d.widening,
    dropout: p.dropout,
    gelu: p.gelu,
    useQueryResidual: extra.useQueryResidual ?? true,
    selfAttention: d.selfAttention,
    outputChannels: extra.outputChannels ?? 0,
    chunkSize: extra.chunkSize ?? 0,
    maskMode: extra.maskMode ?? 'none',
    outputInit: extra.outputInit ?? 'fanIn',
    seed: extra.seed,
  });
}
