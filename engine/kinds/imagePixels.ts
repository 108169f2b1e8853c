import { z } from 'zod';
import { fail, ok, prod, sameOut, type KindDefinition } from './types.js';

const params = z
  .object({
    spatialDownsample: z
      .number()
      .int()
      .min(1)
      .max(256)
      .default(4)
      .describe('Keep every s-th pixel in each spatial axis (x[::s, ::s]); 1 keeps all')
      .meta({ unit: 'px' }),
    temporalDownsample: z
      .number()
      .int()
      .min(1)
      .max(64)
      .default(1)
      .describe('Keep every t-th frame (video only)')
      .meta({ unit: 'frames' }),
  })
  .strict();
type P = z.infer<typeof params>;

export const imagePixels: KindDefinition<P> = {
  kind: 'ImagePixels',
  version: 1,
  category: 'input',
  title: 'Image pixels',
  summary: 'Raw pixels as tokens, with optional strided spatial downsampling.',
  maths: 'y = x[::t, ::s, ::s, :] → [⌈H/s⌉, ⌈W/s⌉, C] (each pixel one token after the position encoding).',
  reference: "DM ImagePreprocessor(prep_type='pixels'), spatial_downsample (class default 4, ImageNet 1)",
  inputs: [
    { name: 'in', label: 'image', type: 'image', ranks: [3, 4], description: 'Image [H, W, C] or video [T, H, W, C]' },
  ],
  outputs: [
    { name: 'out', label: 'pixels', type: 'image', ranks: [3, 4], description: 'Pixel grid [⌈H/s⌉, ⌈W/s⌉, C]' },
  ],
  params,
  inferShape(p, i) {
    const x = i.in;
    if (!x) return fail('connect an image to the "image" input', { port: 'in' });
    const s = p.spatialDownsample;
    if (x.length === 3) {
      if (p.temporalDownsample !== 1)
        return fail('temporalDownsample needs a video input [T, H, W, C]', { param: 'temporalDownsample' });
      return ok({ out: [sameOut(x[0]!, s), sameOut(x[1]!, s), x[2]!] });
    }
    return ok({ out: [sameOut(x[0]!, p.temporalDownsample), sameOut(x[1]!, s), sameOut(x[2]!, s), x[3]!] });
  },
  cost: (_p, _i, o) => ({ params: 0, flops: 0, activationBytes: 4 * prod(o.out!) }),
  describe: (p) => (p.spatialDownsample === 1 ? 'all pixels' : `every ${p.spatialDownsample}th pixel`),
};
