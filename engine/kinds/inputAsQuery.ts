import { z } from 'zod';
import { fail, ok, type KindDefinition } from './types.js';

const params = z.object({}).strict();
type P = z.infer<typeof params>;

export const inputAsQuery: KindDefinition<P> = {
  kind: 'InputAsQuery',
  version: 1,
  category: 'query',
  title: 'Inputs as queries',
  summary: 'Use the preprocessed input tokens themselves as the decoder queries (one output per input).',
  maths: 'q = x ∈ ℝ^{M×C}.',
  reference: 'DM FlowDecoder.decoder_query (optical flow)',
  inputs: [{ name: 'in', label: 'tokens', type: 'tokens', ranks: [2], description: 'Preprocessed inputs [M, C]' }],
  outputs: [{ name: 'out', label: 'queries', type: 'queries', ranks: [2], description: 'Queries [M, C]' }],
  params,
  inferShape: (_p, i) => (i.in ? ok({ out: i.in }) : fail('connect the preprocessed inputs', { port: 'in' })),
  cost: () => ({ params: 0, flops: 0, activationBytes: 0 }),
  describe: () => 'queries = inputs',
};
