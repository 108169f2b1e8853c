import { z } from 'zod';
import { ok, type KindDefinition } from './types.js';

const params = z
  .object({
    numLatents: z.number().int().min(1).max(1_000_000).default(32).describe('N: number of latent vectors'),
    channels: z.number().int().min(1).max(65536).default(64).describe('D: channels per latent'),
    initScale: z.number().positive().max(10).default(0.02).describe('Std of the truncated-normal initialisation'),
  })
  .strict();
type P = z.infer<typeof params>;

export const latentArray: KindDefinition<P> = {
  kind: 'LatentArray',
  version: 1,
  category: 'latent',
  title: 'Latent array',
  summary: 'The learned N×D latent array that cross-attends to the input.',
  maths: 'z ∈ ℝ^{N×D}, init N_trunc(0, 0.02²), broadcast over the batch.',
  reference: 'DM PerceiverEncoder z_pos_enc (TrainablePositionEncoding)',
  inputs: [],
  outputs: [{ name: 'out', label: 'latents', type: 'latents', ranks: [2], description: 'Latents [N, D]' }],
  params,
  inferShape: (p) => ok({ out: [p.numLatents, p.channels] }),
  cost: (p) => ({ params: p.numLatents * p.channels, flops: 0, activationBytes: 4 * p.numLatents * p.channels }),
  describe: (p) => `${p.numLatents}×${p.channels}`,
};
