import { z } from 'zod';
import { fail, layerNormParams, linearParams, ok, type KindDefinition } from './types.js';
import { lossWeightParam } from './lossWeight.js';

const params = z
  .object({
    numClasses: z.number().int().min(2).max(1_000_000).default(10).describe('Number of classes (logits)'),
    layerNorm: z.boolean().default(false).describe('LayerNorm before the Linear (LR); off = DM/HF'),
    init: z
      .enum(['zeros', 'fanIn'])
      .default('zeros')
      .describe('Init of the Linear: zeros (DM ProjectionDecoder) or truncated normal 1/√D'),
    lossWeight: lossWeightParam,
  })
  .strict();
type P = z.infer<typeof params>;

export const meanPoolClassifier: KindDefinition<P> = {
  kind: 'MeanPoolClassifier',
  version: 1,
  category: 'head',
  title: 'Mean-pool classifier',
  summary: 'The original Perceiver head: average the latents, then Linear to class logits.',
  maths: 'logits = [LN](mean_n z_n)·W + b.',
  reference: 'DM ProjectionDecoder, HF PerceiverProjectionDecoder, LR to_logits (with LayerNorm)',
  inputs: [{ name: 'in', label: 'latents', type: 'latents', ranks: [2], description: 'Latents [N, D]' }],
  outputs: [{ name: 'out', label: 'logits', type: 'logits', ranks: [1], description: 'Class logits [classes]' }],
  params,
  inferShape: (p, i) => (i.in ? ok({ out: [p.numClasses] }) : fail('connect the latents', { port: 'in' })),
  cost: (p, i) => {
    const [n, d] = [i.in![0]!, i.in![1]!];
    return {
      params: linearParams(d, p.numClasses) + (p.layerNorm ? layerNormParams(d) : 0),
      flops: n * d + 2 * d * p.numClasses,
      activationBytes: 4 * (d + p.numClasses),
    };
  },
  loss: (p) => ({ type: 'classification', classes: p.numClasses }),
  describe: (p) => `${p.numClasses} classes${p.layerNorm ? ', LN' : ''}`,
};
