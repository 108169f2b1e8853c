import { z } from 'zod';
import { fail, linearParams, ok, prod, sameOut, type KindDefinition } from './types.js';

const params = z
  .object({
    numChannels: z.number().int().min(1).max(65536).default(64).describe('Output channels of the 1×1 convolution'),
    spatialDownsample: z
      .number()
      .int()
      .min(1)
      .max(256)
      .default(1)
      .describe('Convolution stride s (SAME padding: ⌈H/s⌉ × ⌈W/s⌉ tokens)')
      .meta({ unit: 'px' }),
  })
  .strict();
type P = z.infer<typeof params>;

export const conv1x1: KindDefinition<P> = {
  kind: 'Conv1x1',
  version: 1,
  category: 'input',
  title: 'Conv 1×1',
  summary: 'A per-pixel Linear (1×1 convolution with bias), optionally strided.',
  maths: 'y[i,j] = x[s·i, s·j]·W + b, W ∈ ℝ^{C×nc}.',
  reference: "DM ImagePreprocessor(prep_type='conv1x1') (learned-position ImageNet: 3 → 256)",
  inputs: [{ name: 'in', label: 'image', type: 'image', ranks: [3], description: 'Image [H, W, C]' }],
  outputs: [
    {
      name: 'out',
      label: 'features',
      type: 'image',
      ranks: [3],
      description: 'Feature grid [⌈H/s⌉, ⌈W/s⌉, numChannels]',
    },
  ],
  params,
  inferShape(p, i) {
    const x = i.in;
    if (!x) return fail('connect an image to the "image" input', { port: 'in' });
    return ok({ out: [sameOut(x[0]!, p.spatialDownsample), sameOut(x[1]!, p.spatialDownsample), p.numChannels] });
  },
  cost: (p, i, o) => {
    const tokens = prod(o.out!.slice(0, -1));
    return {
      params: linearParams(i.in![2]!, p.numChannels),
      flops: 2 * tokens * i.in![2]! * p.numChannels,
      activationBytes: 4 * prod(o.out!),
    };
  },
  describe: (p) => `→ ${p.numChannels} ch${p.spatialDownsample > 1 ? `, stride ${p.spatialDownsample}` : ''}`,
};
