import { z } from 'zod';
import { fail, linearParams, ok, prod, type KindDefinition } from './types.js';

const params = z
  .object({
    spatialDownsample: z
      .number()
      .int()
      .min(1)
      .max(256)
      .default(4)
      .describe('Patch size s: s×s pixels become one token (space-to-depth)'),
    temporalDownsample: z.number().int().min(1).max(64).default(1).describe('Frames per patch t (video only)'),
    linearChannels: z
      .number()
      .int()
      .min(0)
      .max(65536)
      .default(0)
      .describe('Linear after patching to this many channels; 0 = off (DM conv_after_patching)'),
  })
  .strict();
type P = z.infer<typeof params>;

export const imagePatches: KindDefinition<P> = {
  kind: 'ImagePatches',
  version: 1,
  category: 'input',
  title: 'Image patches',
  summary: 'Space-to-depth: s×s (×t) patches become tokens of s·s·t·C channels.',
  maths: '[H,W,C] → [H/s, W/s, s·s·C], channel order (dh, dw, c); optional Linear to num_channels.',
  reference: "DM ImagePreprocessor(prep_type='patches'), io_processors.space_to_depth",
  inputs: [
    { name: 'in', label: 'image', type: 'image', ranks: [3, 4], description: 'Image [H,W,C] or video [T,H,W,C]' },
  ],
  outputs: [
    {
      name: 'out',
      label: 'patches',
      type: 'image',
      ranks: [3, 4],
      description: 'Patch grid [H/s, W/s, s·s·C] (video [T/t, H/s, W/s, t·s·s·C]; T/t = 1 is squeezed)',
    },
  ],
  params,
  inferShape(p, i) {
    const x = i.in;
    if (!x) return fail('connect an image to the "image" input', { port: 'in' });
    const s = p.spatialDownsample;
    const video = x.length === 4;
    const [t, h, w, c] = video ? x : [1, ...x];
    if (h! % s !== 0 || w! % s !== 0) {
      return fail(`image ${h}×${w} is not divisible by spatialDownsample ${s}; choose a divisor of both sides`, {
        param: 'spatialDownsample',
      });
    }
    if (!video && p.temporalDownsample !== 1)
      return fail('temporalDownsample needs a video input [T,H,W,C]', { param: 'temporalDownsample' });
    if (video && t! % p.temporalDownsample !== 0) {
      return fail(`${t} frames are not divisible by temporalDownsample ${p.temporalDownsample}`, {
        param: 'temporalDownsample',
      });
    }
    const ch = p.linearChannels > 0 ? p.linearChannels : s * s * p.temporalDownsample * c!;
    // DM squeezes a time axis of 1 after temporal patching (two flow frames become one grid).
    const frames = t! / p.temporalDownsample;
    return ok({ out: video && frames > 1 ? [frames, h! / s, w! / s, ch] : [h! / s, w! / s, ch] });
  },
  cost(p, i, o) {
    const out = o.out!;
    const tokens = prod(out.slice(0, -1));
    const raw = p.spatialDownsample * p.spatialDownsample * p.temporalDownsample * (i.in![i.in!.length - 1] ?? 1);
    const lin = p.linearChannels > 0;
    return {
      params: lin ? linearParams(raw, p.linearChannels) : 0,
      flops: lin ? 2 * tokens * raw * p.linearChannels : 0,
      activationBytes: 4 * prod(out) * (lin ? 2 : 1),
    };
  },
  describe: (p) =>
    `${p.spatialDownsample}×${p.spatialDownsample}${p.temporalDownsample > 1 ? '×' + p.temporalDownsample : ''} patches${p.linearChannels ? ' → ' + p.linearChannels : ''}`,
};
