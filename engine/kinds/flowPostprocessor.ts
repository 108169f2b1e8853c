import { z } from 'zod';
import { fail, ok, type KindDefinition } from './types.js';
import { lossWeightParam } from './lossWeight.js';

const params = z
  .object({
    height: z
      .number()
      .int()
      .min(1)
      .max(16384)
      .default(368)
      .describe('Output grid height (O must equal height·width)')
      .meta({ unit: 'px' }),
    width: z.number().int().min(1).max(16384).default(496).describe('Output grid width').meta({ unit: 'px' }),
    rescaleFactor: z
      .number()
      .positive()
      .max(1e6)
      .default(100)
      .describe('Divide the predictions by this (DM 100; the colab then multiplies by 20)'),
    lossWeight: lossWeightParam,
  })
  .strict();
type P = z.infer<typeof params>;

export const flowPostprocessor: KindDefinition<P> = {
  kind: 'FlowPostprocessor',
  version: 1,
  category: 'head',
  title: 'Flow postprocessor',
  summary: 'Rescales per-pixel predictions and lays them out as an H×W×c flow field.',
  maths: 'y = reshape(h / rescale, [H, W, c]).',
  reference: 'DM FlowDecoder (rescale_factor 100)',
  inputs: [
    {
      name: 'in',
      label: 'outputs',
      type: 'queries',
      ranks: [2],
      description: 'Per-pixel predictions [H·W, c] (c = 2 for flow)',
    },
  ],
  outputs: [{ name: 'out', label: 'flow', type: 'logits', ranks: [3], description: 'Flow field [H, W, c]' }],
  params,
  inferShape(p, i) {
    if (!i.in) return fail('connect the per-pixel predictions', { port: 'in' });
    if (i.in[0] !== p.height * p.width)
      return fail(
        `${i.in[0]} predictions do not fill a ${p.height}×${p.width} grid (${p.height * p.width}); set height and width to the input size`,
        { param: 'height' },
      );
    return ok({ out: [p.height, p.width, i.in[1]!] });
  },
  cost: (_p, i) => ({ params: 0, flops: i.in![0]! * i.in![1]!, activationBytes: 4 * i.in![0]! * i.in![1]! }),
  loss: (_p, o) => ({ type: 'regression', channels: o.out![2]! }),
  describe: (p) => `${p.height}×${p.width}, ÷${p.rescaleFactor}`,
};
