import { z } from 'zod';
import { ok, type KindDefinition } from './types.js';

const params = z
  .object({
    samples: z.number().int().min(1).max(10_000_000).default(30_720).describe('Audio samples per example (mono)').meta({ unit: 'samples' }),
  })
  .strict();
type P = z.infer<typeof params>;

export const audioInput: KindDefinition<P> = {
  kind: 'AudioInput',
  version: 1,
  category: 'input',
  title: 'Audio input',
  summary: 'A mono waveform per example.',
  maths: 'x ∈ ℝ^{B×T} (DM AV config: 30,720 samples = 16 frames × 1,920 at 48 kHz).',
  reference: 'DM AudioPreprocessor input',
  isModelInput: true,
  inputs: [],
  outputs: [{ name: 'out', label: 'audio', type: 'any', ranks: [1], description: 'Waveform [T]' }],
  params,
  inferShape: (p) => ok({ out: [p.samples] }),
  cost: (p) => ({ params: 0, flops: 0, activationBytes: 4 * p.samples }),
  describe: (p) => `${p.samples.toLocaleString('en-US')} samples`,
};
