import { z } from 'zod';
import { fail, linearParams, ok, type KindDefinition } from './types.js';
import { lossWeightParam } from './lossWeight.js';

const params = z
  .object({
    outputChannels: z
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .default(3)
      .describe('Channels predicted per position (e.g. 3 for RGB)'),
    init: z.enum(['fanIn', 'zeros']).default('fanIn').describe('Init of the Linear: truncated normal 1/√E or zeros'),
    lossWeight: lossWeightParam,
  })
  .strict();
type P = z.infer<typeof params>;

export const perPositionProjection: KindDefinition<P> = {
  kind: 'PerPositionProjection',
  version: 1,
  category: 'head',
  title: 'Per-position projection',
  summary: 'Linear from each decoder output to a value per position (dense regression, e.g. pixels).',
  maths: 'y_o = h_o·W + b, W ∈ ℝ^{E×out}.',
  reference: 'DM io_processors.ProjectionPostprocessor',
  inputs: [{ name: 'in', label: 'outputs', type: 'queries', ranks: [2], description: 'Decoder outputs [O, E]' }],
  outputs: [{ name: 'out', label: 'values', type: 'logits', ranks: [2], description: 'Values [O, outputChannels]' }],
  params,
  inferShape: (p, i) =>
    i.in ? ok({ out: [i.in[0]!, p.outputChannels] }) : fail('connect the decoder outputs', { port: 'in' }),
  cost: (p, i) => ({
    params: linearParams(i.in![1]!, p.outputChannels),
    flops: 2 * i.in![0]! * i.in![1]! * p.outputChannels,
    activationBytes: 4 * i.in![0]! * p.outputChannels,
  }),
  loss: (p) => ({ type: 'regression', channels: p.outputChannels }),
  describe: (p) => `→ ${p.outputChannels} per position`,
};
