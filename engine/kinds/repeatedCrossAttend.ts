import { z } from 'zod';
import { attentionCost, checkHeads, logitsWarning, type AttentionDims } from './attentionMath.js';
import { fail, ok, type Cost, type KindDefinition, type Shape } from './types.js';

const sharing = z.enum(['firstUnique', 'allShared', 'none']);
export type Sharing = z.infer<typeof sharing>;

const params = z
  .object({
    depth: z
      .number()
      .int()
      .min(1)
      .max(64)
      .default(8)
      .describe('Times the latents cross-attend to the input, each followed by the latent transformer'),
    selfPerCross: z
      .number()
      .int()
      .min(0)
      .max(64)
      .default(6)
      .describe('Self-attention layers in the latent transformer after each cross-attend'),
    crossSharing: sharing
      .default('firstUnique')
      .describe(
        'firstUnique: cross-attend 1 has its own weights, 2…depth share one set (paper, 44.9M); allShared: one set; none: every cross-attend its own',
      ),
    selfSharing: sharing
      .default('allShared')
      .describe(
        'allShared: one latent transformer reused after every cross-attend (matches 44.9M); firstUnique: the first is separate (LR weight_tie_layers); none',
      ),
    crossHeads: z.number().int().min(1).max(1024).default(1).describe('Cross-attention heads'),
    crossQkChannels: z
      .number()
      .int()
      .min(1)
      .max(65536)
      .nullable()
      .default(null)
      .describe('Cross-attention query/key width; empty = the input width C (DM)'),
    crossVChannels: z
      .number()
      .int()
      .min(1)
      .max(65536)
      .nullable()
      .default(null)
      .describe('Cross-attention value width; empty = qk width'),
    crossWidening: z.number().int().min(1).max(64).default(1).describe('Cross-attention MLP widening factor'),
    selfHeads: z.number().int().min(1).max(1024).default(8).describe('Self-attention heads'),
    selfQkChannels: z
      .number()
      .int()
      .min(1)
      .max(65536)
      .nullable()
      .default(null)
      .describe('Self-attention query/key width; empty = the latent width D'),
    selfWidening: z.number().int().min(1).max(64).default(1).describe('Self-attention MLP widening factor'),
    dropout: z
      .number()
      .min(0)
      .max(0.95)
      .default(0)
      .describe('Dropout on the attention and MLP outputs (training only)'),
    gelu: z
      .enum(['tanh', 'erf'])
      .default('tanh')
      .describe('GELU form: tanh approximation (DM/JAX) or exact erf (HF/PyTorch)'),
  })
  .strict();
type P = z.infer<typeof params>;

/** How many distinct weight sets `depth` repeats need under a sharing scheme. */
export function distinctSets(s: Sharing, depth: number): number {
  return s === 'none' ? depth : s === 'allShared' ? 1 : Math.min(depth, 2);
}
/** Which weight set repeat r uses. */
export function setIndex(s: Sharing, r: number): number {
  return s === 'none' ? r : s === 'allShared' ? 0 : Math.min(r, 1);
}

export function repeatedDims(p: P, q: Shape, kv: Shape): { cross: AttentionDims; self: AttentionDims } {
  const qk = p.crossQkChannels ?? kv[1]!;
  const d = q[1]!;
  return {
    cross: {
      tq: q[0]!,
      dq: d,
      tk: kv[0]!,
      dkv: kv[1]!,
      qk,
      v: p.crossVChannels ?? qk,
      out: d,
      heads: p.crossHeads,
      widening: p.crossWidening,
      selfAttention: false,
    },
    self: {
      tq: q[0]!,
      dq: d,
      tk: q[0]!,
      dkv: d,
      qk: p.selfQkChannels ?? d,
      v: d,
      out: d,
      heads: p.selfHeads,
      widening: p.selfWidening,
      selfAttention: true,
    },
  };
}

export const repeatedCrossAttend: KindDefinition<P> = {
  kind: 'RepeatedCrossAttend',
  version: 1,
  category: 'attention',
  title: 'Repeated cross-attend',
  summary: 'The original Perceiver: depth × [cross-attend to the input → latent transformer], with weight sharing.',
  maths:
    'for r in 1…depth: z = CrossAttn_{s(r)}(z, x); z = SelfAttn^{selfPerCross}_{t(r)}(z). Params ∝ distinct sets, FLOPs ∝ depth.',
  reference:
    'Perceiver (arXiv 2103.03206) as reconstructed in docs/ARCHITECTURE.md §A.7/§B.1; LR perceiver_pytorch (depth, self_per_cross_attn, weight_tie_layers)',
  inputs: [
    { name: 'q', label: 'latents', type: 'latents', ranks: [2], description: 'Latent array [N, D]' },
    { name: 'kv', label: 'inputs', type: 'tokens', ranks: [2], description: 'Input tokens [M, C]' },
    {
      name: 'mask',
      label: 'input mask',
      type: 'any',
      ranks: [1],
      optional: true,
      description: 'Mask [M]: 1 keeps an input token, 0 hides it',
    },
  ],
  outputs: [{ name: 'out', label: 'latents', type: 'latents', ranks: [2], description: 'Latents [N, D]' }],
  params,
  inferShape(p, i) {
    if (!i.q) return fail('connect the latent array to the "latents" input', { port: 'q' });
    if (!i.kv) return fail('connect input tokens to the "inputs" input', { port: 'kv' });
    const { cross, self } = repeatedDims(p, i.q, i.kv);
    const badCross = checkHeads(cross.qk, cross.v, cross.heads);
    if (badCross)
      return fail(badCross.message.replace('heads or set qkChannels', 'crossHeads or set crossQkChannels'), {
        param: 'crossHeads',
      });
    if (p.selfPerCross > 0) {
      const badSelf = checkHeads(self.qk, self.v, self.heads);
      if (badSelf)
        return fail(badSelf.message.replace('heads or set qkChannels', 'selfHeads or set selfQkChannels'), {
          param: 'selfHeads',
        });
    }
    if (i.mask && i.mask[0] !== i.kv[0])
      return fail(`the input mask has ${i.mask[0]} entries but there are ${i.kv[0]} input tokens`, { port: 'mask' });
    return ok({ out: i.q });
  },
  cost(p, i) {
    const { cross, self } = repeatedDims(p, i.q!, i.kv!);
    const c = attentionCost(cross);
    const s = attentionCost(self);
    const L = p.selfPerCross;
    const out: Cost = {
      params: distinctSets(p.crossSharing, p.depth) * c.params + distinctSets(p.selfSharing, p.depth) * L * s.params,
      flops: p.depth * (c.flops + L * s.flops),
      activationBytes: p.depth * (c.activationBytes + L * s.activationBytes),
    };
    return out;
  },
  warnings: (p, i) => logitsWarning(repeatedDims(p, i.q!, i.kv!).cross, 'Cross-attention'),
  describe: (p) => `${p.depth} × (cross + ${p.selfPerCross} self), cross ${p.crossSharing}, self ${p.selfSharing}`,
};
