import { z } from 'zod';
import { MODALITY_PORTS } from './multimodal.js';
import { fail, ok, type KindDefinition, type Shape } from './types.js';

const params = z
  .object({
    sizes: z
      .array(z.number().int().min(1).max(100_000_000))
      .min(1)
      .max(MODALITY_PORTS.length)
      .default([1])
      .describe('Outputs per modality, in the multimodal queries’ sorted-name order; output port k gets sizes[k] rows'),
  })
  .strict();
type P = z.infer<typeof params>;

export const multimodalSplit: KindDefinition<P> = {
  kind: 'MultimodalSplit',
  version: 1,
  category: 'head',
  title: 'Multimodal split',
  summary: 'Splits the decoder outputs back into one array per modality, for per-modality heads.',
  maths: '[Σ O_m, E] → [O_0, E], [O_1, E], … (contiguous rows).',
  reference: 'DM perceiver.restructure / MultimodalPostprocessor',
  inputs: [{ name: 'in', label: 'outputs', type: 'queries', ranks: [2], description: 'Decoder outputs [Σ O_m, E]' }],
  outputs: MODALITY_PORTS.map((name, k) => ({
    name,
    label: `modality ${k}`,
    type: 'queries' as const,
    ranks: [2],
    description: `Rows of modality ${k} [sizes[${k}], E]`,
  })),
  params,
  inferShape(p, i) {
    if (!i.in) return fail('connect the decoder outputs', { port: 'in' });
    const total = p.sizes.reduce((a, b) => a + b, 0);
    if (total !== i.in[0])
      return fail(`sizes add up to ${total} but the decoder gives ${i.in[0]} outputs`, { param: 'sizes' });
    const out: Record<string, Shape> = {};
    p.sizes.forEach((s, k) => (out[MODALITY_PORTS[k]!] = [s, i.in![1]!]));
    return ok(out);
  },
  cost: () => ({ params: 0, flops: 0, activationBytes: 0 }),
  describe: (p) => p.sizes.join(' | '),
};
