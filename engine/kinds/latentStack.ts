import { z } from 'zod';
import { attentionCost, checkHeads, type AttentionDims } from './attentionMath.js';
import { attentionParamsShape } from './crossAttention.js';
import { fail, ok, type KindDefinition, type Shape } from './types.js';

const params = z
  .object({
    layersPerBlock: z
      .number()
      .int()
      .min(1)
      .max(256)
      .default(2)
      .describe('Distinct self-attention layers per block (DM num_self_attends_per_block)'),
    blocks: z.number().int().min(1).max(256).default(2).describe('Times the block is applied (DM num_blocks)'),
    shareWeights: z
      .boolean()
      .default(true)
      .describe('Reuse one set of block weights on every repeat (DM); off = each repeat has its own'),
    ...attentionParamsShape,
    heads: attentionParamsShape.heads.default(8).describe('Attention heads h (qk and v channels must divide by h)'),
  })
  .strict();
type P = z.infer<typeof params>;

export function selfDims(p: P, x: Shape): AttentionDims {
  const d = x[1]!;
  const qk = p.qkChannels ?? d;
  return {
    tq: x[0]!,
    dq: d,
    tk: x[0]!,
    dkv: d,
    qk,
    v: p.vChannels ?? d,
    out: d,
    heads: p.heads,
    widening: p.widening,
    selfAttention: true,
  };
}

export const latentStack: KindDefinition<P> = {
  kind: 'LatentStack',
  version: 1,
  category: 'attention',
  title: 'Latent self-attention stack',
  summary: 'A deep transformer over the latents: layersPerBlock layers, applied blocks times.',
  maths:
    'per layer: x = x + MHA(LN(x), LN(x)); x = x + MLP(LN(x)). Params ∝ layersPerBlock (× blocks when not shared).',
  reference: 'DM PerceiverEncoder self_attends loop (weights shared across num_blocks)',
  inputs: [{ name: 'in', label: 'latents', type: 'latents', ranks: [2], description: 'Latents [N, D]' }],
  outputs: [{ name: 'out', label: 'latents', type: 'latents', ranks: [2], description: 'Latents [N, D]' }],
  params,
  inferShape(p, i) {
    if (!i.in) return fail('connect latents to the input', { port: 'in' });
    const d = selfDims(p, i.in);
    if (d.v !== d.dq) {
      return fail(`vChannels ${d.v} must equal the latent width ${d.dq} (the residual adds them); leave it empty`, {
        param: 'vChannels',
      });
    }
    const bad = checkHeads(d.qk, d.v, d.heads);
    if (bad) return { ok: false, error: bad };
    return ok({ out: i.in });
  },
  cost(p, i) {
    const one = attentionCost(selfDims(p, i.in!));
    const applications = p.layersPerBlock * p.blocks;
    const distinct = p.shareWeights ? p.layersPerBlock : applications;
    return {
      params: one.params * distinct,
      flops: one.flops * applications,
      activationBytes: one.activationBytes * applications,
    };
  },
  describe: (p) =>
    `${p.layersPerBlock} layer${p.layersPerBlock > 1 ? 's' : ''} × ${p.blocks} block${p.blocks > 1 ? 's' : ''}${p.shareWeights && p.blocks > 1 ? ' (shared)' : ''}, ${p.heads} heads`,
};
