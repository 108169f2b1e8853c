import { z } from 'zod';
import { fail, ok, type KindDefinition } from './types.js';

const params = z
  .object({
    samplesPerPatch: z.number().int().min(1).max(65536).default(96).describe('Consecutive samples per token (DM default 96; AV config 16)').meta({ unit: 'samples' }),
  })
  .strict();
type P = z.infer<typeof params>;

export const audioPatches: KindDefinition<P> = {
  kind: 'AudioPatches',
  version: 1,
  category: 'input',
  title: 'Audio patches',
  summary: 'Cuts a waveform into tokens of consecutive samples.',
  maths: '[T] → [T/spp, spp] (row-major reshape).',
  reference: "DM AudioPreprocessor(prep_type='patches', samples_per_patch)",
  inputs: [{ name: 'in', label: 'audio', type: 'any', ranks: [1], description: 'Waveform [T]' }],
  outputs: [{ name: 'out', label: 'patches', type: 'tokens', ranks: [2], description: 'Patches [T/spp, spp]' }],
  params,
  inferShape(p, i) {
    if (!i.in) return fail('connect a waveform to the "audio" input', { port: 'in' });
    const t = i.in[0]!;
    if (t % p.samplesPerPatch !== 0) return fail(`${t} samples are not divisible by samplesPerPatch ${p.samplesPerPatch}`, { param: 'samplesPerPatch' });
    return ok({ out: [t / p.samplesPerPatch, p.samplesPerPatch] });
  },
  cost: (_p, i) => ({ params: 0, flops: 0, activationBytes: 4 * i.in![0]! }),
  describe: (p) => `${p.samplesPerPatch} samples/token`,
};
