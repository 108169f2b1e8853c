import { z } from 'zod';
import { fourierChannels } from './fourierChannels.js';
import { fail, ok, prod, type KindDefinition } from './types.js';

const params = z
  .object({
    numBands: z
      .number()
      .int()
      .min(1)
      .max(1024)
      .default(6)
      .describe('Frequency bands K per index dimension (linearly spaced 1 … max_resolution/2)'),
    maxResolution: z
      .array(z.number().positive().max(1e7))
      .max(8)
      .nullable()
      .default(null)
      .describe('Max resolution per index dimension; empty = the index dims themselves'),
    concatPos: z.boolean().default(true).describe('Include the raw positions x_d in the features'),
    sineOnly: z.boolean().default(false).describe('Use sin features only (no cos)'),
    combine: z
      .enum(['concat', 'add'])
      .default('concat')
      .describe('concat: append features to the inputs (DM default); add: add them (needs equal widths)'),
  })
  .strict();
type P = z.infer<typeof params>;

/** Channel count of the encoding for d index dims (docs/ARCHITECTURE.md §A.2 rule 5); see fourierChannels.ts. */
export { fourierChannels };

export const fourierPosition: KindDefinition<P> = {
  kind: 'FourierPosition',
  version: 1,
  category: 'position',
  title: 'Fourier position encoding',
  summary: 'Flattens a grid to tokens and adds sin/cos position features (no parameters).',
  maths:
    'x_d = linspace(−1,1,n_d); f_{d,k} = linspace(1, max_res_d/2, K); features [x, sin(π f x), cos(π f x)] → d·(2K+1) channels, concatenated after the inputs.',
  reference: 'DM position_encoding.FourierPositionEncoding + concat_or_add_pos',
  inputs: [
    {
      name: 'in',
      label: 'grid',
      type: 'image',
      ranks: [2, 3, 4],
      description: 'Grid [...index dims, C]; every axis but the last is a position axis',
    },
  ],
  outputs: [
    {
      name: 'out',
      label: 'tokens',
      type: 'tokens',
      ranks: [2],
      description: 'Tokens [M, C + position channels] (M = ∏ index dims, row-major)',
    },
  ],
  params,
  inferShape(p, i) {
    const x = i.in;
    if (!x) return fail('connect a grid to the input', { port: 'in' });
    const index = x.slice(0, -1);
    const c = x[x.length - 1]!;
    if (p.maxResolution && p.maxResolution.length > 0 && p.maxResolution.length !== index.length) {
      return fail(
        `maxResolution has ${p.maxResolution.length} entries but the input has ${index.length} index dims [${index.join(', ')}]`,
        {
          param: 'maxResolution',
        },
      );
    }
    const pe = fourierChannels(index.length, p);
    if (p.combine === 'add' && pe !== c) {
      return fail(
        `combine "add" needs ${pe} position channels to equal the ${c} input channels; use "concat" or change numBands`,
        { param: 'combine' },
      );
    }
    return ok({ out: [prod(index), p.combine === 'add' ? c : c + pe] });
  },
  cost(_p, i, o) {
    return { params: 0, flops: prod(i.in!.slice(0, -1)), activationBytes: 4 * prod(o.out!) };
  },
  describe: (p) => `K=${p.numBands}${p.sineOnly ? ' sin' : ''} ${p.combine}`,
};
