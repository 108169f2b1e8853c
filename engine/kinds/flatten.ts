import { z } from 'zod';
import { fail, ok, prod, type KindDefinition } from './types.js';

const params = z.object({}).strict();
type P = z.infer<typeof params>;

export const flatten: KindDefinition<P> = {
  kind: 'Flatten',
  version: 1,
  category: 'utility',
  title: 'Flatten',
  summary: 'A grid becomes a token list: every axis but the channels is flattened, row-major.',
  maths: '[d₁, …, d_k, C] → [d₁·…·d_k, C].',
  reference: 'DM network_input_is_1d / reshape to [B, M, C]',
  inputs: [{ name: 'in', label: 'grid', type: 'any', ranks: [2, 3, 4], description: 'Grid [..., C]' }],
  outputs: [{ name: 'out', label: 'tokens', type: 'tokens', ranks: [2], description: 'Tokens [M, C]' }],
  params,
  inferShape(_p, i) {
    if (!i.in) return fail('connect a grid to the input', { port: 'in' });
    return ok({ out: [prod(i.in.slice(0, -1)), i.in[i.in.length - 1]!] });
  },
  cost: () => ({ params: 0, flops: 0, activationBytes: 0 }),
  describe: () => 'row-major',
};
