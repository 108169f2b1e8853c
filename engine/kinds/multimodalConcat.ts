import { z } from 'zod';
import {
  commonWidth,
  connectedModalities,
  modalityNames,
  modalityPorts,
  MODALITY_PORTS,
  type Modality,
} from './multimodal.js';
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
      .describe('Common width = widest modality + this (DM default 2; AV config 4)'),
    maskProbs: z
      .array(z.number().min(0).max(1).nullable())
      .max(MODALITY_PORTS.length)
      .default([])
      .describe(
        'Per port: probability of replacing a token by the trainable mask token (empty/null = no mask token; 1 = always, e.g. the AV label)',
      ),
  })
  .strict();
type P = z.infer<typeof params>;

export function concatParams(p: P, mods: readonly Modality[]): number {
  const common = commonWidth(mods, p.minPaddingSize);
  let n = 0;
  for (const m of mods) {
    n += common - m.channels;
    const k = MODALITY_PORTS.indexOf(m.port as (typeof MODALITY_PORTS)[number]);
    if (p.maskProbs[k] !== undefined && p.maskProbs[k] !== null) n += common; // DM creates it even for p = 0
  }
  return n;
}

export const multimodalConcat: KindDefinition<P> = {
  kind: 'MultimodalConcat',
  version: 1,
  category: 'input',
  title: 'Multimodal concat',
  summary: 'Pads each modality to a common width with a trainable vector and concatenates the tokens.',
  maths:
    'E = max C_m + pad; x_m ← [x_m, p_m] (p_m ∈ ℝ^{E−C_m} learned); optional mask token with prob. p; concat in sorted-name order.',
  reference: 'DM io_processors.MultimodalPreprocessor (min_padding_size, mask_probs)',
  inputs: modalityPorts('tokens', 'Tokens'),
  outputs: [{ name: 'out', label: 'tokens', type: 'tokens', ranks: [2], description: 'All tokens [Σ M_m, E]' }],
  params,
  inferShape(p, i) {
    const mods = connectedModalities(p.names, i);
    if (!Array.isArray(mods)) return mods;
    return ok({ out: [mods.reduce((a, m) => a + m.tokens, 0), commonWidth(mods, p.minPaddingSize)] });
  },
  cost(p, i, o) {
    const mods = connectedModalities(p.names, i) as Modality[];
    return { params: concatParams(p, mods), flops: 0, activationBytes: 4 * o.out![0]! * o.out![1]! };
  },
  describe: (p) => `pad +${p.minPaddingSize}${p.maskProbs.some((x) => x !== null) ? ', masked' : ''}`,
};
