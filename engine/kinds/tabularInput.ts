import { z } from 'zod';
import { ok, type KindDefinition } from './types.js';

const params = z
  .object({
    numColumns: z
      .number()
      .int()
      .min(1)
      .max(100_000)
      .default(8)
      .describe('Numeric feature columns per row (the CSV columns other than the target)'),
    channels: z.number().int().min(1).max(65536).default(32).describe('C: channels per column token'),
    encoding: z
      .enum(['perColumn', 'sharedWithColumnEmbedding'])
      .default('perColumn')
      .describe(
        'perColumn: token_j = x_j·w_j + b_j; sharedWithColumnEmbedding: token_j = x_j·w + b + e_j (fewer parameters)',
      ),
    initScale: z
      .number()
      .positive()
      .max(10)
      .default(0.02)
      .describe('Std of the truncated-normal init of the column biases / embeddings'),
  })
  .strict();
type P = z.infer<typeof params>;

export function tabularParams(p: P): number {
  return p.encoding === 'perColumn' ? 2 * p.numColumns * p.channels : 2 * p.channels + p.numColumns * p.channels;
}

/**
 * Columns as tokens: each numeric column of a row becomes one token, so the cross-attention
 * sees a set of (column identity, value) pairs, and no column order is assumed. The column
 * identity lives in b_j (or e_j); the value scales a learned direction w_j (or a shared w).
 * Values should be standardised (the CSV loader's `normalize`): w starts at unit scale.
 */
export const tabularInput: KindDefinition<P> = {
  kind: 'TabularInput',
  version: 1,
  category: 'input',
  title: 'Tabular input',
  summary: 'A row of numeric features; every column becomes a token with a learned column embedding.',
  maths: 'perColumn: t_j = x_j·w_j + b_j (w_j, b_j ∈ ℝ^C); shared: t_j = x_j·w + b + e_j. [n] → [n, C].',
  reference: 'Perceiver Studio design (columns-as-tokens, in the spirit of FT-Transformer feature tokenizers)',
  isModelInput: true,
  modelInput: (p) => ({ shape: [p.numColumns], dtype: 'float32' }),
  inputs: [],
  outputs: [{ name: 'out', label: 'tokens', type: 'tokens', ranks: [2], description: 'Column tokens [numColumns, C]' }],
  params,
  inferShape: (p) => ok({ out: [p.numColumns, p.channels] }),
  cost: (p) => ({
    params: tabularParams(p),
    flops: 2 * p.numColumns * p.channels,
    activationBytes: 4 * p.numColumns * (p.channels + 1),
  }),
  describe: (p) => `${p.numColumns} columns → ${p.channels} ch`,
};
