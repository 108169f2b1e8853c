import { z } from 'zod';
import { fail, ok, prod, type KindDefinition } from './types.js';

const params = z
  .object({
    height: z.number().int().min(1).max(16384).default(28).describe('Image height in pixels'),
    width: z.number().int().min(1).max(16384).default(28).describe('Image width in pixels'),
    channels: z.number().int().min(1).max(4096).default(1).describe('Colour channels (1 grey, 3 RGB)'),
    frames: z.number().int().min(0).max(4096).default(0).describe('Video frames; 0 for a still image'),
  })
  .strict();
type P = z.infer<typeof params>;

export const imageInput: KindDefinition<P> = {
  kind: 'ImageInput',
  version: 1,
  category: 'input',
  title: 'Image input',
  summary: 'Images (or video) from the dataset, channels-last.',
  maths: 'x ∈ ℝ^{B×H×W×C} (video: B×T×H×W×C), values as loaded (MNIST: 0…1).',
  reference: 'DM ImagePreprocessor input (channels-last)',
  isModelInput: true,
  inputs: [],
  outputs: [
    {
      name: 'out',
      label: 'image',
      type: 'image',
      ranks: [3, 4],
      description: 'Image batch [B, H, W, C] or video [B, T, H, W, C]',
    },
  ],
  params,
  inferShape(p) {
    if (p.frames < 0) return fail('frames must be ≥ 0', { param: 'frames' });
    return ok({ out: p.frames > 0 ? [p.frames, p.height, p.width, p.channels] : [p.height, p.width, p.channels] });
  },
  cost(_p, _i, o) {
    return { params: 0, flops: 0, activationBytes: 4 * prod(o.out!) };
  },
  describe: (p) => `${p.frames > 0 ? p.frames + '×' : ''}${p.height}×${p.width}×${p.channels}`,
};
