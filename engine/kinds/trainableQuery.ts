import { z } from 'zod';
import { ok, type KindDefinition } from './types.js';

const params = z
  .object({
    numQueries: z
      .number()
      .int()
      .min(1)
      .max(10_000_000)
      .default(1)
      .describe('O: number of output queries (1 for classification)'),
    channels: z.number().int().min(1).max(65536).default(64).describe('E: channels per query'),
    initScale: z.number().positive().max(10).default(0.02).describe('Std of the truncated-normal initialisation'),
  })
  .strict();
type P = z.infer<typeof params>;

export const trainableQuery: KindDefinition<P> = {
  kind: 'TrainableQuery',
  version: 1,
  category: 'query',
  title: 'Trainable queries',
  summary: 'A learned O×E output-query array for the decoder.',
  maths: 'q ∈ ℝ^{O×E}, init N_trunc(0, 0.02²), broadcast over the batch.',
  reference: "DM BasicDecoder(position_encoding_type='trainable')",
  inputs: [],
  outputs: [{ name: 'out', label: 'queries', type: 'queries', ranks: [2], description: 'Queries [O, E]' }],
  params,
  inferShape: (p) => ok({ out: [p.numQueries, p.channels] }),
  cost: (p) => ({ params: p.numQueries * p.channels, flops: 0, activationBytes: 4 * p.numQueries * p.channels }),
  describe: (p) => `${p.numQueries}×${p.channels}`,
};
