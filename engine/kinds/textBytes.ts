import { z } from 'zod';
import { ok, type KindDefinition } from './types.js';

const params = z
  .object({
    maxLength: z
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .default(2048)
      .describe('L: bytes per example (padded with PAD = 0)')
      .meta({ unit: 'tokens' }),
    channels: z.number().int().min(1).max(65536).default(768).describe('d_model: embedding width'),
    vocabSize: z
      .number()
      .int()
      .min(2)
      .max(1_000_000)
      .default(262)
      .describe('Vocabulary: 256 bytes + 6 specials (PAD 0, BOS 1, EOS 2, MASK 3, CLS 4, SEP 5; byte b ↦ b+6)'),
    initScale: z
      .number()
      .positive()
      .max(10)
      .default(0.02)
      .describe('Std of the truncated-normal init of the embedding and positions'),
  })
  .strict();
type P = z.infer<typeof params>;

export const textBytes: KindDefinition<P> = {
  kind: 'TextBytes',
  version: 1,
  category: 'input',
  title: 'Text bytes',
  summary: 'UTF-8 byte ids → embeddings plus added trainable positions; also emits the padding mask.',
  maths: 'x_l = Emb[id_l] + P_l (Emb ∈ ℝ^{V×d}, P ∈ ℝ^{L×d}); mask_l = [id_l ≠ PAD].',
  reference:
    'DM masked_language_modelling (hk.Embed 262×768 + TrainablePositionEncoding, bytes_tokenizer); init 0.02 as HF',
  isModelInput: true,
  modelInput: (p) => ({ shape: [p.maxLength], dtype: 'int32' }),
  inputs: [],
  outputs: [
    { name: 'out', label: 'tokens', type: 'tokens', ranks: [2], description: 'Embedded tokens [L, d]' },
    {
      name: 'embedding',
      label: 'embedding',
      type: 'any',
      ranks: [2],
      description: 'The embedding matrix [V, d], for a tied decoder',
    },
    {
      name: 'mask',
      label: 'mask',
      type: 'any',
      ranks: [1],
      description: 'Padding mask [L]: 1 for real bytes, 0 for PAD',
    },
  ],
  params,
  inferShape: (p) => ok({ out: [p.maxLength, p.channels], embedding: [p.vocabSize, p.channels], mask: [p.maxLength] }),
  cost: (p) => ({
    params: p.vocabSize * p.channels + p.maxLength * p.channels,
    flops: p.maxLength * p.channels,
    activationBytes: 4 * (2 * p.maxLength * p.channels + p.vocabSize * p.channels + p.maxLength),
  }),
  describe: (p) => `${p.maxLength} bytes → ${p.channels}`,
};
