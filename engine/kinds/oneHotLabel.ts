import { z } from 'zod';
import { ok, type KindDefinition } from './types.js';

const params = z
  .object({
    numClasses: z.number().int().min(2).max(1_000_000).default(10).describe('K: length of the one-hot label vector'),
  })
  .strict();
type P = z.infer<typeof params>;

export const oneHotLabel: KindDefinition<P> = {
  kind: 'OneHotLabel',
  version: 1,
  category: 'input',
  title: 'One-hot label',
  summary: 'A one-hot label vector as a single input token (multimodal autoencoding).',
  maths: '[K] → [1, K].',
  reference: 'DM OneHotPreprocessor',
  isModelInput: true,
  modelInput: (p) => ({ shape: [p.numClasses], dtype: 'float32' }),
  inputs: [],
  outputs: [{ name: 'out', label: 'token', type: 'tokens', ranks: [2], description: 'One token [1, K]' }],
  params,
  inferShape: (p) => ok({ out: [1, p.numClasses] }),
  cost: (p) => ({ params: 0, flops: 0, activationBytes: 4 * p.numClasses }),
  describe: (p) => `${p.numClasses} classes`,
};
