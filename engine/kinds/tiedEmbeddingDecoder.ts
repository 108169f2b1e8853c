import { z } from 'zod';
import { fail, ok, type KindDefinition } from './types.js';
import { lossWeightParam } from './lossWeight.js';

const params = z.object({ lossWeight: lossWeightParam }).strict();
type P = z.infer<typeof params>;

export const tiedEmbeddingDecoder: KindDefinition<P> = {
  kind: 'TiedEmbeddingDecoder',
  version: 1,
  category: 'head',
  title: 'Tied embedding decoder',
  summary: 'Token logits from the input embedding matrix (weights shared with Text bytes) plus a bias.',
  maths: 'logits = h·Embᵀ + b, b ∈ ℝ^V.',
  reference: 'DM io_processors.EmbeddingDecoder; HF PerceiverEmbeddingDecoder (MLM)',
  inputs: [
    { name: 'in', label: 'outputs', type: 'queries', ranks: [2], description: 'Decoder outputs [O, d]' },
    {
      name: 'embedding',
      label: 'embedding',
      type: 'any',
      ranks: [2],
      description: 'The embedding matrix [V, d] of a Text bytes node',
    },
  ],
  outputs: [{ name: 'out', label: 'logits', type: 'logits', ranks: [2], description: 'Token logits [O, V]' }],
  params,
  inferShape(_p, i) {
    if (!i.in) return fail('connect the decoder outputs', { port: 'in' });
    if (!i.embedding) return fail('connect the "embedding" output of the Text bytes node', { port: 'embedding' });
    if (i.in[1] !== i.embedding[1]) {
      return fail(
        `the decoder outputs have ${i.in[1]} channels but the embedding has ${i.embedding[1]}; set the decoder's query width (or outputChannels) to ${i.embedding[1]}`,
        { port: 'in' },
      );
    }
    return ok({ out: [i.in[0]!, i.embedding[0]!] });
  },
  cost: (_p, i) => ({
    params: i.embedding![0]!,
    flops: 2 * i.in![0]! * i.in![1]! * i.embedding![0]!,
    activationBytes: 4 * i.in![0]! * i.embedding![0]!,
  }),
  loss: (_p, o) => ({ type: 'tokenClassification', classes: o.out![1]! }),
  describe: () => 'h·Embᵀ + b',
};
