import { z } from 'zod';

/**
 * The weight of a head's loss when a model trains several heads at once (the total loss is
 * Σ weight_h · loss_h, e.g. the multimodal autoencoder's reconstruction losses per modality).
 * A model with one head trains the same for any positive weight but the loss it reports scales.
 */
export const lossWeightParam = z
  .number()
  .min(0)
  .max(1000)
  .default(1)
  .describe('Weight of this head’s loss in the total when several heads train together (Σ weight · loss)');
