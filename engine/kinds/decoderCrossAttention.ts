import { z } from 'zod';
import { attentionCost, checkHeads, logitsWarning, type AttentionDims } from './attentionMath.js';
import { attentionParamsShape } from './crossAttention.js';
import { fail, linearParams, ok, type KindDefinition, type Shape } from './types.js';

const params = z
  .object({
    ...attentionParamsShape,
    useQueryResidual: z
      .boolean()
      .default(false)
      .describe('Add the queries back after attention (DM: on for classification, off for dense outputs)'),
    outputChannels: z
      .number()
      .int()
      .min(0)
      .max(1_000_000)
      .default(0)
      .describe('Final Linear E → this width; 0 = no projection'),
    outputInit: z
      .enum(['fanIn', 'zeros'])
      .default('fanIn')
      .describe('Init of the final Linear: truncated normal 1/√E (DM default) or zeros (DM flow decoder)'),
    chunkSize: z
      .number()
      .int()
      .min(0)
      .max(10_000_000)
      .default(0)
      .describe(
        'Decode the queries in chunks of this many (saves memory; the last chunk may be shorter); 0 = all at once',
      )
      .meta({ unit: 'queries' }),
  })
  .strict();
type P = z.infer<typeof params>;

export function decoderDims(p: P, q: Shape, z: Shape): AttentionDims {
  const qk = p.qkChannels ?? z[1]!;
  return {
    tq: q[0]!,
    dq: q[1]!,
    tk: z[0]!,
    dkv: z[1]!,
    qk,
    v: p.vChannels ?? qk,
    out: q[1]!,
    heads: p.heads,
    widening: p.widening,
    selfAttention: false,
  };
}

export const decoderCrossAttention: KindDefinition<P> = {
  kind: 'DecoderCrossAttention',
  version: 1,
  category: 'attention',
  title: 'Decoder cross-attention',
  summary: 'Output queries attend to the latents; outputs of any size (Perceiver IO).',
  maths: 'y = [q +] MHA(LN(q), LN(z)); y = y + MLP(LN(y)); optional Linear(E → out).',
  reference: 'DM BasicDecoder (use_query_residual, final_project)',
  inputs: [
    { name: 'q', label: 'queries', type: 'queries', ranks: [2], description: 'Output queries [O, E]' },
    { name: 'kv', label: 'latents', type: 'latents', ranks: [2], description: 'Latents [N, D]' },
    {
      name: 'queryMask',
      label: 'query mask',
      type: 'any',
      ranks: [1],
      optional: true,
      description: 'Mask [O]: 0 zeroes the attention of that query (DM masks all its keys)',
    },
  ],
  outputs: [
    {
      name: 'out',
      label: 'outputs',
      type: 'queries',
      ranks: [2],
      description: 'Outputs [O, E] (or [O, outputChannels])',
    },
  ],
  params,
  inferShape(p, i) {
    if (!i.q) return fail('connect output queries to the "queries" input', { port: 'q' });
    if (!i.kv) return fail('connect the latents to the "latents" input', { port: 'kv' });
    const d = decoderDims(p, i.q, i.kv);
    const bad = checkHeads(d.qk, d.v, d.heads);
    if (bad) return { ok: false, error: bad };
    if (i.queryMask && i.queryMask[0] !== i.q[0])
      return fail(`the query mask has ${i.queryMask[0]} entries but there are ${i.q[0]} queries`, {
        port: 'queryMask',
      });
    return ok({ out: [i.q[0]!, p.outputChannels > 0 ? p.outputChannels : i.q[1]!] });
  },
  cost(p, i) {
    const d = decoderDims(p, i.q!, i.kv!);
    const c = attentionCost(d);
    if (p.outputChannels > 0) {
      c.params += linearParams(d.out, p.outputChannels);
      c.flops += 2 * d.tq * d.out * p.outputChannels;
      c.activationBytes += 4 * d.tq * p.outputChannels;
    }
    if (p.chunkSize > 0 && p.chunkSize < d.tq) c.activationBytes = Math.ceil((c.activationBytes * p.chunkSize) / d.tq);
    return c;
  },
  warnings: (p, i) =>
    logitsWarning(
      { ...decoderDims(p, i.q!, i.kv!), ...(p.chunkSize > 0 ? { tq: Math.min(p.chunkSize, i.q![0]!) } : {}) },
      'Decoder',
    ),
  describe: (p) =>
    `${p.heads} head${p.heads > 1 ? 's' : ''}${p.useQueryResidual ? ', residual' : ''}${p.outputChannels ? ' → ' + p.outputChannels : ''}`,
};
