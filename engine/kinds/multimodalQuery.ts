import { z } from 'zod';
import { commonWidth, connectedModalities, modalityNames, modalityPorts, type Modality } from './multimodal.js';
import { ok, type KindDefinition } from './types.js';

const params = z
  .object({
    names: modalityNames,
    minPaddingSize: z
      .number()
      .int()
      .min(0)
      .max(4096)
      .default(2)
      .describe('Common query width = widest modality + this (DM default 2)'),
  })
  .strict();
type P = z.infer<typeof params>;

export const multimodalQuery: KindDefinition<P> = {
  kind: 'MultimodalQuery',
  version: 1,
  category: 'query',
  title: 'Multimodal queries',
  summary: 'Per-modality decoder queries padded to a common width with trainable vectors, concatenated.',
  maths: 'E = max E_m + pad; q_m ← [q_m, p_m] (p_m ∈ ℝ^{E−E_m} learned); concat in sorted-name order → [Σ O_m, E].',
  reference: 'DM perceiver.MultimodalDecoder.decoder_query',
  inputs: modalityPorts('queries', 'Queries'),
  outputs: [{ name: 'out', label: 'queries', type: 'queries', ranks: [2], description: 'All queries [Σ O_m, E]' }],
  params,
  inferShape(p, i) {
    const mods = connectedModalities(p.names, i);
    if (!Array.isArray(mods)) return mods;
    return ok({ out: [mods.reduce((a, m) => a + m.tokens, 0), commonWidth(mods, p.minPaddingSize)] });
  },
  cost(p, i, o) {
    const mods = connectedModalities(p.names, i) as Modality[];
    const common = commonWidth(mods, p.minPaddingSize);
    return {
      params: mods.reduce((a, m) => a + common - m.channels, 0),
      flops: 0,
      activationBytes: 4 * o.out![0]! * o.out![1]!,
    };
  },
  describe: (p) => `pad +${p.minPaddingSize}`,
};
