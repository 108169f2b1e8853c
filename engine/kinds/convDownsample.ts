import { z } from 'zod';
import { fail, ok, sameOut, type KindDefinition, type Shape } from './types.js';

const params = z
  .object({
    numLayers: z
      .number()
      .int()
      .min(1)
      .max(8)
      .default(1)
      .describe('Conv layers; each divides H and W by 4 (DM: log₄ spatial_downsample)'),
    numChannels: z.number().int().min(1).max(4096).default(64).describe('Channels of every convolution'),
    useBatchNorm: z.boolean().default(true).describe('BatchNorm (decay 0.9, eps 1e-5) after each convolution'),
    padding: z
      .enum(['same', 'torch'])
      .default('same')
      .describe(
        "'same': TF/DM SAME padding for conv and pool (224 → 56); 'torch': HF/PyTorch, pad 3 on every side before the conv and pool without padding (224 → 55)",
      ),
  })
  .strict();
type P = z.infer<typeof params>;

/** Conv 7×7 stride 2 after padding 3 on both sides, as PyTorch/HF: ⌊(n − 1)/2⌋ + 1. */
const torchConvOut = (n: number): number => Math.floor((n + 6 - 7) / 2) + 1;
/** Max-pool 3×3 stride 2 without padding: ⌊(n − 3)/2⌋ + 1 (0 when n < 3). */
const torchPoolOut = (n: number): number => (n < 3 ? 0 : Math.floor((n - 3) / 2) + 1);

/** Grid after each layer: conv 7×7 stride 2, then max-pool 3×3 stride 2 (SAME, or PyTorch padding). */
function layerShapes(p: P, x: Shape): Shape[] {
  const out: Shape[] = [];
  let [h, w] = [x[0]!, x[1]!];
  const torch = p.padding === 'torch';
  for (let l = 0; l < p.numLayers; l++) {
    const ch = torch ? torchConvOut(h) : sameOut(h, 2);
    const cw = torch ? torchConvOut(w) : sameOut(w, 2);
    h = torch ? torchPoolOut(ch) : sameOut(ch, 2);
    w = torch ? torchPoolOut(cw) : sameOut(cw, 2);
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
  reference: "DM io_processors.Conv2DDownsample (SAME padding); padding 'torch' = HF Conv2DDownsample (55×55)",
  inputs: [{ name: 'in', label: 'image', type: 'image', ranks: [3], description: 'Image [H, W, C]' }],
  outputs: [
    {
      name: 'out',
      label: 'features',
      type: 'image',
      ranks: [3],
      description: 'Feature grid [H/4ᴸ, W/4ᴸ, numChannels] (rounded up)',
    },
  ],
  params,
  inferShape(p, i) {
    const x = i.in;
    if (!x) return fail('connect an image to the "image" input', { port: 'in' });
    const last = layerShapes(p, x).pop()!;
    if (last[2]! < 1 || last[3]! < 1)
      return fail(`image ${x[0]}×${x[1]} is too small for ${p.numLayers} conv layer(s) with ${p.padding} padding`, {
        port: 'in',
      });
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
  describe: (p) =>
    `${p.numLayers} layer${p.numLayers > 1 ? 's' : ''}, ${p.numChannels} ch${p.useBatchNorm ? ', BN' : ''}${p.padding === 'torch' ? ', torch pad' : ''}`,
};

export { layerShapes as convDownsampleShapes };
