import { z } from 'zod';
import { attentionCost, checkHeads, logitsWarning, type AttentionDims } from './attentionMath.js';
import { fail, ok, type KindDefinition, type Shape } from './types.js';

export const attentionParamsShape = {
  heads: z
    .number()
    .int()
    .min(1)
    .max(1024)
    .default(1)
    .describe('Attention heads h (qk and v channels must divide by h)'),
  qkChannels: z
    .number()
    .int()
    .min(1)
    .max(65536)
    .nullable()
    .default(null)
    .describe('Query/key width; empty = DM default'),
  vChannels: z.number().int().min(1).max(65536).nullable().default(null).describe('Value width; empty = qk width'),
  widening: z.number().int().min(1).max(64).default(1).describe('MLP widening factor wf (hidden = wf·D)'),
  dropout: z.number().min(0).max(0.95).default(0).describe('Dropout on the attention and MLP outputs (training only)'),
  gelu: z
    .enum(['tanh', 'erf'])
    .default('tanh')
    .describe('GELU form: tanh approximation (DM/JAX) or exact erf (HF/PyTorch)'),
};

const params = z
  .object({
    ...attentionParamsShape,
    qkFrom: z
      .enum(['kv', 'q'])
      .default('kv')
      .describe("Default qk width from the inputs ('kv', DM) or the latents ('q')"),
    useQueryResidual: z.boolean().default(true).describe('Add the latents back after attention (encoder default: on)'),
  })
  .strict();
type P = z.infer<typeof params>;

export function crossDims(p: P, q: Shape, kv: Shape): AttentionDims {
  const qk = p.qkChannels ?? (p.qkFrom === 'kv' ? kv[1]! : q[1]!);
  return {
    tq: q[0]!,
    dq: q[1]!,
    tk: kv[0]!,
    dkv: kv[1]!,
    qk,
    v: p.vChannels ?? qk,
    out: q[1]!,
    heads: p.heads,
    widening: p.widening,
    selfAttention: false,
  };
}

export const crossAttention: KindDefinition<P> = {
  kind: 'CrossAttention',
  version: 1,
  category: 'attention',
  title: 'Cross-attention (encoder)',
  summary: 'Latents (queries) attend to the input tokens (keys/values); cost linear in M.',
  maths: 'x = q + MHA(LN(q), LN(kv)); x = x + MLP(LN(x)). Logits scaled by 1/√(qk/h).',
  reference: 'DM perceiver.CrossAttention (pre-LN, query residual)',
  inputs: [
    { name: 'q', label: 'latents', type: 'latents', ranks: [2], description: 'Queries [N, D] (the latent array)' },
    { name: 'kv', label: 'inputs', type: 'tokens', ranks: [2], description: 'Keys/values [M, C] (input tokens)' },
    {
      name: 'mask',
      label: 'input mask',
      type: 'any',
      ranks: [1],
      optional: true,
      description: 'Mask [M]: 1 keeps an input token, 0 hides it (text padding)',
    },
  ],
  outputs: [{ name: 'out', label: 'latents', type: 'latents', ranks: [2], description: 'Updated latents [N, D]' }],
  params,
  inferShape(p, i) {
    if (!i.q) return fail('connect the latent array to the "latents" input', { port: 'q' });
    if (!i.kv) return fail('connect input tokens to the "inputs" input', { port: 'kv' });
    const d = crossDims(p, i.q, i.kv);
    const bad = checkHeads(d.qk, d.v, d.heads);
    if (bad) return { ok: false, error: bad };
    if (i.mask && i.mask[0] !== i.kv[0])
      return fail(`the input mask has ${i.mask[0]} entries but there are ${i.kv[0]} input tokens`, { port: 'mask' });
    return ok({ out: i.q });
  },
  cost: (p, i) => attentionCost(crossDims(p, i.q!, i.kv!)),
  warnings: (p, i) => logitsWarning(crossDims(p, i.q!, i.kv!), 'Cross-attention'),
  describe: (p) =>
    `${p.heads} head${p.heads > 1 ? 's' : ''}${p.qkChannels ? ' qk ' + p.qkChannels : ''}, wf ${p.widening}`,
};
