import { z } from 'zod';
import { fail, ok, type KindDefinition } from './types.js';

const params = z
  .object({
    samplesPerPatch: z
      .number()
      .int()
      .min(1)
      .max(65536)
      .default(96)
      .describe('Consecutive samples per token (DM default 96; AV config 16)')
      .meta({ unit: 'samples' }),
    features: z
      .enum(['raw', 'logMagnitude'])
      .default('raw')
      .describe(
        'raw: the samples themselves (DM); logMagnitude: log(|rfft(Hann · patch)| + 0.001), spp/2+1 bins per channel (a fixed spectrogram frame per token, no parameters)',
      ),
  })
  .strict();
type P = z.infer<typeof params>;

export const audioPatches: KindDefinition<P> = {
  kind: 'AudioPatches',
  version: 1,
  category: 'input',
  title: 'Audio patches',
  summary: 'Cuts a waveform into tokens of consecutive samples.',
  maths:
    'raw: [T] → [T/spp, spp]; [T, C] → [T/spp, spp·C] (row-major reshape: a token holds spp consecutive frames). logMagnitude: token = log(|rfft(hann ⊙ patch)| + 10⁻³) per channel → [T/spp, C·(spp/2+1)].',
  reference: "DM AudioPreprocessor(prep_type='patches', samples_per_patch)",
  inputs: [{ name: 'in', label: 'audio', type: 'any', ranks: [1, 2], description: 'Waveform [T] or [T, C]' }],
  outputs: [{ name: 'out', label: 'patches', type: 'tokens', ranks: [2], description: 'Patches [T/spp, spp·C]' }],
  params,
  inferShape(p, i) {
    if (!i.in) return fail('connect a waveform to the "audio" input', { port: 'in' });
    const t = i.in[0]!;
    if (t % p.samplesPerPatch !== 0)
      return fail(`${t} samples are not divisible by samplesPerPatch ${p.samplesPerPatch}`, {
        param: 'samplesPerPatch',
      });
    const width = p.features === 'raw' ? p.samplesPerPatch : Math.floor(p.samplesPerPatch / 2) + 1;
    return ok({ out: [t / p.samplesPerPatch, width * (i.in[1] ?? 1)] });
  },
  cost: (p, i, o) => ({
    params: 0,
    flops: p.features === 'raw' ? 0 : 4 * i.in![0]! * (i.in![1] ?? 1) * o.out![1]!,
    activationBytes: 4 * (i.in![0]! * (i.in![1] ?? 1) + (p.features === 'raw' ? 0 : o.out![0]! * o.out![1]!)),
  }),
  describe: (p) => `${p.samplesPerPatch} samples/token${p.features === 'raw' ? '' : ', log spectrum'}`,
};
