import { z } from 'zod';
import { fail, linearParams, ok, type KindDefinition } from './types.js';
import { lossWeightParam } from './lossWeight.js';

const params = z
  .object({
    samplesPerPatch: z
      .number()
      .int()
      .min(1)
      .max(65536)
      .default(96)
      .describe('Samples each decoder output predicts (match the Audio patches node)')
      .meta({ unit: 'samples' }),
    lossWeight: lossWeightParam,
  })
  .strict();
type P = z.infer<typeof params>;

export const audioPostprocessor: KindDefinition<P> = {
  kind: 'AudioPostprocessor',
  version: 1,
  category: 'head',
  title: 'Audio postprocessor',
  summary: 'Linear from each decoder output to a patch of samples, flattened to a waveform.',
  maths: 'y = reshape(h·W + b, [O·spp]).',
  reference: 'DM io_processors.AudioPostprocessor',
  inputs: [{ name: 'in', label: 'outputs', type: 'queries', ranks: [2], description: 'Decoder outputs [O, E]' }],
  outputs: [{ name: 'out', label: 'audio', type: 'logits', ranks: [1], description: 'Waveform [O·spp]' }],
  params,
  inferShape: (p, i) =>
    i.in ? ok({ out: [i.in[0]! * p.samplesPerPatch] }) : fail('connect the decoder outputs', { port: 'in' }),
  cost: (p, i) => ({
    params: linearParams(i.in![1]!, p.samplesPerPatch),
    flops: 2 * i.in![0]! * i.in![1]! * p.samplesPerPatch,
    activationBytes: 4 * i.in![0]! * p.samplesPerPatch,
  }),
  loss: () => ({ type: 'regression', channels: 1 }),
  describe: (p) => `${p.samplesPerPatch} samples/output`,
};
