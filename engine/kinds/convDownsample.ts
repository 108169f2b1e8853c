import { z } from 'zod';
import { fail, ok, prod, sameOut, type KindDefinition, type Shape } from './types.js';

const params = z
  .object({
    numLayers: z.number().int().min(1).max(8).default(1).describe('Conv layers; each divides H and W by 4 (DM: log₄ spatial_downsample)'),
    numChannels: z.number().int().min(1).max(4096).default(64).describe('Channels of every convolution'),
    useBatchNorm: z.boolean().default(true).describe('BatchNorm (decay 0.9, eps 1e-5) after each convolution'),
  })
  .strict();
type P = z.infer<typeof params>;

/** Grid after each layer: conv 7×7 stride 2 SAME, then max-pool 3×3 stride 2 SAME. */
function layerShapes(p: P, x: Shape): Shape[] {
  const out: Shape[] = [];
  let [h, w] = [x[0]!, x[1]!];
  for (let l = 0; l < p.numLayers; l++) {
    const ch = sameOut(h, 2);
    const cw = sameOut(w, 2);
    h = sameOut(ch, 2);
    w = sameOut(cw, 2);
    out.push([ch, cw, h, w]);
  }
  return out;
}

export const convDownsample: KindDefinition<P> = {
  kind: 'ConvDownsample',
  version: 1,
  category: 'input',
  title: 'Conv downsample',
  summary: 'ResNet-style stem: 7×7 stride-2 conv, BatchNorm, ReLU, 3×3 stride-2 max-pool (SAME padding).',
  maths: 'per layer: x = maxpool₃ₓ₃,ₛ₂(ReLU(BN(conv₇ₓ₇,ₛ₂(x)))), no conv bias; 224×224 → 56×56.',
  reference: 'DM io_processors.Conv2DDownsample (SAME padding; HF pads differently and gets 55×55)',
  inputs: [{ name: 'in', label: 'image', type: 'image', ranks: [3], description: 'Image [H, W, C]' }],
  outputs: [{ name: 'out', label: 'features', type: 'image', ranks: [3], description: 'Feature grid [H/4ᴸ, W/4ᴸ, numChannels] (rounded up)' }],
  params,
  inferShape(p, i) {
    const x = i.in;
    if (!x) return fail('connect an image to the "image" input', { port: 'in' });
    const last = layerShapes(p, x).pop()!;
    return ok({ out: [last[2]!, last[3]!, p.numChannels] });
  },
  cost(p, i) {
    let cin = i.in![2]!;
    let params = 0;
    let flops = 0;
    let act = 0;
    for (const [ch, cw, h, w] of layerShapes(p, i.in!)) {
      // Kernel (no bias) + BatchNorm scale, offset and its moving mean/variance (state, not trained).
      params += 49 * cin * p.numChannels + (p.useBatchNorm ? 4 * p.numChannels : 0);
      flops += 2 * 49 * cin * p.numChannels * ch! * cw! + 9 * h! * w! * p.numChannels;
      act += 4 * (3 * ch! * cw! + h! * w!) * p.numChannels;
      cin = p.numChannels;
    }
    return { params, flops, activationBytes: act };
  },
  describe: (p) => `${p.numLayers} layer${p.numLayers > 1 ? 's' : ''}, ${p.numChannels} ch${p.useBatchNorm ? ', BN' : ''}`,
};

export { layerShapes as convDownsampleShapes };
