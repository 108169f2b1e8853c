import { z } from 'zod';
import { fail, ok, prod, type KindDefinition } from './types.js';

const params = z
  .object({
    kernelSize: z
      .number()
      .int()
      .min(1)
      .max(15)
      .default(3)
      .describe('k: each pixel gets its k×k neighbourhood (odd; zero-padded at the border)')
      .meta({ unit: 'px' }),
  })
  .strict();
type P = z.infer<typeof params>;

export const pixelNeighbourhood: KindDefinition<P> = {
  kind: 'PixelNeighbourhood',
  version: 1,
  category: 'input',
  title: 'Pixel neighbourhoods',
  summary: 'Each pixel carries its k×k neighbourhood as channels (optical flow input).',
  maths:
    'y[i,j] = concat_{di,dj} x[i+di−⌊k/2⌋, j+dj−⌊k/2⌋] (zero padding), channel order (di, dj, c): [.., H, W, k·k·C].',
  reference: 'DM optical_flow colab patches_for_flow (3×3)',
  inputs: [
    { name: 'in', label: 'image', type: 'image', ranks: [3, 4], description: 'Image [H, W, C] or frames [T, H, W, C]' },
  ],
  outputs: [
    { name: 'out', label: 'patches', type: 'image', ranks: [3, 4], description: 'Same grid with k·k·C channels' },
  ],
  params,
  inferShape(p, i) {
    const x = i.in;
    if (!x) return fail('connect an image to the "image" input', { port: 'in' });
    if (p.kernelSize % 2 !== 1)
      return fail(`kernelSize ${p.kernelSize} must be odd so the neighbourhood is centred`, { param: 'kernelSize' });
    return ok({ out: [...x.slice(0, -1), p.kernelSize * p.kernelSize * x[x.length - 1]!] });
  },
  cost: (_p, _i, o) => ({ params: 0, flops: 0, activationBytes: 4 * prod(o.out!) }),
  describe: (p) => `${p.kernelSize}×${p.kernelSize}`,
};
