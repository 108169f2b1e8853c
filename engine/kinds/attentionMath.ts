/**
 * Shared arithmetic of the attention blocks (docs/ARCHITECTURE.md §A.0, §A.5, §A.6, §B formulas): resolving the
 * qk/v widths, validating heads, and counting parameters, FLOPs and activation memory.
 */
import { divisors, layerNormParams, linearParams, type Cost, type KindError } from './types.js';

export interface AttentionDims {
  /** Query tokens and channels. */
  tq: number;
  dq: number;
  /** Key/value tokens and channels. */
  tk: number;
  dkv: number;
  qk: number;
  v: number;
  /** Output width of the attention (after the output Linear). */
  out: number;
  heads: number;
  widening: number;
  /** Self-attention normalises q and kv with one LayerNorm. */
  selfAttention: boolean;
}

/** Check the head split; the message says which heads would work. */
export function checkHeads(qk: number, v: number, heads: number): KindError | undefined {
  if (qk % heads !== 0) {
    return {
      param: 'heads',
      message: `qk_channels ${qk} is not divisible by ${heads} heads; use ${divisors(qk).join(', ')} … heads or set qkChannels`,
    };
  }
  if (v % heads !== 0) {
    return {
      param: 'heads',
      message: `v_channels ${v} is not divisible by ${heads} heads; use ${divisors(v).join(', ')} … heads or set vChannels`,
    };
  }
  return undefined;
}

export function attentionBlockParams(d: AttentionDims, includeMlp = true): number {
  const norms = d.selfAttention ? layerNormParams(d.dq) : layerNormParams(d.dq) + layerNormParams(d.dkv);
  const attn =
    linearParams(d.dq, d.qk) + linearParams(d.dkv, d.qk) + linearParams(d.dkv, d.v) + linearParams(d.v, d.out);
  const mlp = includeMlp
    ? layerNormParams(d.out) + linearParams(d.out, d.widening * d.out) + linearParams(d.widening * d.out, d.out)
    : 0;
  return norms + attn + mlp;
}

export function attentionBlockFlops(d: AttentionDims, includeMlp = true): number {
  const proj = 2 * (d.tq * d.dq * d.qk + d.tk * d.dkv * d.qk + d.tk * d.dkv * d.v + d.tq * d.v * d.out);
  const scores = 2 * d.tq * d.tk * d.qk + 2 * d.tq * d.tk * d.v;
  const softmax = 5 * d.heads * d.tq * d.tk;
  const norms = 8 * (d.tq * d.dq + (d.selfAttention ? 0 : d.tk * d.dkv));
  const mlp = includeMlp
    ? 2 * 2 * d.tq * d.out * d.widening * d.out + 8 * d.tq * d.out + 8 * d.tq * d.widening * d.out
    : 0;
  return proj + scores + softmax + norms + mlp;
}

/** Activations kept for the backward pass, in bytes (float32). The logits [h, Tq, Tk] dominate at large M. */
export function attentionBlockActivationBytes(d: AttentionDims, includeMlp = true): number {
  const logits = 2 * d.heads * d.tq * d.tk; // logits and probabilities
  const qkv = d.tq * d.qk + d.tk * d.qk + d.tk * d.v + d.tq * d.v;
  const norms = d.tq * d.dq + (d.selfAttention ? 0 : d.tk * d.dkv);
  const mlp = includeMlp ? 2 * d.tq * d.out + 2 * d.tq * d.widening * d.out : 0;
  return 4 * (logits + qkv + norms + mlp + d.tq * d.out);
}

export function attentionCost(d: AttentionDims, includeMlp = true): Cost {
  return {
    params: attentionBlockParams(d, includeMlp),
    flops: attentionBlockFlops(d, includeMlp),
    activationBytes: attentionBlockActivationBytes(d, includeMlp),
  };
}

export const GIB = 1024 ** 3;
export function logitsWarning(d: AttentionDims, who: string): string[] {
  const bytes = 4 * d.heads * d.tq * d.tk;
  if (bytes > GIB) {
    return [
      `${who} attention logits need ${(bytes / GIB).toFixed(1)} GiB per example ([${d.heads}, ${d.tq}, ${d.tk}]); subsample the input, use fewer latents, or decode in chunks`,
    ];
  }
  return [];
}
