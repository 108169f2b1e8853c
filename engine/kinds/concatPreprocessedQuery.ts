import { z } from 'zod';
import { fail, ok, type KindDefinition } from './types.js';

const params = z.object({}).strict();
type P = z.infer<typeof params>;

export const concatPreprocessedQuery: KindDefinition<P> = {
  kind: 'ConcatPreprocessedQuery',
  version: 1,
  category: 'query',
  title: 'Concat preprocessed input',
  summary: 'Decoder queries = position queries with the preprocessed inputs (without positions) appended in front.',
  maths: 'q = [x_without_pos, q_pos] along channels → [M, C + P].',
  reference: 'DM BasicDecoder(concat_preprocessed_input=True)',
  inputs: [
    {
      name: 'inputs',
      label: 'inputs',
      type: 'tokens',
      ranks: [2],
      description: 'Preprocessed inputs without positions [M, C] (e.g. Flatten of the patches)',
    },
    { name: 'pos', label: 'positions', type: 'queries', ranks: [2], description: 'Position queries [M, P]' },
  ],
  outputs: [{ name: 'out', label: 'queries', type: 'queries', ranks: [2], description: 'Queries [M, C + P]' }],
  params,
  inferShape(_p, i) {
    if (!i.inputs) return fail('connect the preprocessed inputs', { port: 'inputs' });
    if (!i.pos) return fail('connect position queries', { port: 'pos' });
    if (i.inputs[0] !== i.pos[0])
      return fail(`the inputs have ${i.inputs[0]} tokens but there are ${i.pos[0]} position queries; they must match`, {
        port: 'pos',
      });
    return ok({ out: [i.inputs[0]!, i.inputs[1]! + i.pos[1]!] });
  },
  cost: (_p, _i, o) => ({ params: 0, flops: 0, activationBytes: 4 * o.out![0]! * o.out![1]! }),
  describe: () => '[inputs, positions]',
};
