import { z } from 'zod';
import { ok, type KindDefinition } from './types.js';

const params = z
  .object({
    samples: z
      .number()
      .int()
      .min(1)
      .max(10_000_000)
      .default(30_720)
      .describe('Audio samples per example (per channel); longer clips are cropped, shorter ones zero-padded')
      .meta({ unit: 'samples' }),
    sampleRate: z
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .default(48_000)
      .describe('Sample rate the model takes; audio files are resampled to it (band-limited)')
      .meta({ unit: 'Hz' }),
    channels: z
      .number()
      .int()
      .min(1)
      .max(8)
      .default(1)
      .describe('Channels per sample: 1 = mono (stereo files are averaged); more gives [samples, channels]'),
  })
  .strict();
type P = z.infer<typeof params>;

/** [samples] for mono, [samples, channels] otherwise. */
export function audioShape(p: Pick<P, 'samples' | 'channels'>): number[] {
  return p.channels === 1 ? [p.samples] : [p.samples, p.channels];
}

export const audioInput: KindDefinition<P> = {
  kind: 'AudioInput',
  version: 1,
  category: 'input',
  title: 'Audio input',
  summary: 'A waveform per example: WAV or .npy files resampled to the sample rate, cropped or padded to the length.',
  maths: 'x ∈ ℝ^{B×T} mono, ℝ^{B×T×C} with C channels (DM AV config: 30,720 samples = 16 frames × 1,920 at 48 kHz).',
  reference: 'DM AudioPreprocessor input',
  isModelInput: true,
  inputs: [],
  modelInput: (p) => ({ shape: audioShape(p), dtype: 'float32' }),
  outputs: [{ name: 'out', label: 'audio', type: 'any', ranks: [1, 2], description: 'Waveform [T] (mono) or [T, C]' }],
  params,
  inferShape: (p) => ok({ out: audioShape(p) }),
  cost: (p) => ({ params: 0, flops: 0, activationBytes: 4 * p.samples * p.channels }),
  describe: (p) =>
    `${p.samples.toLocaleString('en-US')} samples${p.channels > 1 ? ` × ${p.channels}` : ''} @ ${(p.sampleRate / 1000).toLocaleString('en-US')} kHz`,
};
