import { z } from 'zod';
import { fail, linearParams, ok, prod, type KindDefinition } from './types.js';

const params = z
  .object({
    numChannels: z
      .number()
      .int()
      .min(1)
      .max(65536)
      .default(128)
      .describe('Channels of the learned position table (DM default 128)'),
    projectPosDim: z
      .number()
      .int()
      .min(0)
      .max(65536)
      .default(0)
      .describe('Project the positions with Linear(numChannels → this); 0 = off (DM PositionEncodingProjector)'),
    combine: z
      .enum(['concat', 'add'])
      .default('concat')
      .describe('concat: append positions after the inputs (DM default); add: add them (needs equal widths)'),
    initScale: z.number().positive().max(10).default(0.02).describe('Std of the truncated-normal initialisation'),
  })
  .strict();
type P = z.infer<typeof params>;

export const trainablePosition: KindDefinition<P> = {
  kind: 'TrainablePosition',
  version: 1,
  category: 'position',
  title: 'Trainable position encoding',
  summary: 'Flattens a grid to tokens and concatenates (or adds) a learned position table.',
  maths: 'P ∈ ℝ^{M×c} (M = ∏ index dims), optional P ← P·W + b; tokens = [x, P] or x + P.',
  reference: 'DM position_encoding.TrainablePositionEncoding + PositionEncodingProjector',
  inputs: [
    {
      name: 'in',
      label: 'grid',
      type: 'any',
      ranks: [2, 3, 4],
      description: 'Grid or tokens [..., C]; every axis but the last is a position axis',
    },
  ],
  outputs: [
    { name: 'out', label: 'tokens', type: 'tokens', ranks: [2], description: 'Tokens [M, C + position channels]' },
  ],
  params,
  inferShape(p, i) {
    const x = i.in;
    if (!x) return fail('connect a grid to the input', { port: 'in' });
    const c = x[x.length - 1]!;
    const pe = p.projectPosDim > 0 ? p.projectPosDim : p.numChannels;
    if (p.combine === 'add' && pe !== c) {
      return fail(
        `combine "add" needs ${pe} position channels to equal the ${c} input channels; use "concat" or set numChannels/projectPosDim to ${c}`,
        { param: 'combine' },
      );
    }
    return ok({ out: [prod(x.slice(0, -1)), p.combine === 'add' ? c : c + pe] });
  },
  cost(p, i, o) {
    const m = prod(i.in!.slice(0, -1));
    const proj = p.projectPosDim > 0;
    return {
      params: m * p.numChannels + (proj ? linearParams(p.numChannels, p.projectPosDim) : 0),
      flops: proj ? 2 * m * p.numChannels * p.projectPosDim : 0,
      activationBytes: 4 * (prod(o.out!) + (proj ? m * p.projectPosDim : 0)),
    };
  },
  describe: (p) => `${p.numChannels} ch${p.projectPosDim ? ' → ' + p.projectPosDim : ''} ${p.combine}`,
};
