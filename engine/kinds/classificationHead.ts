import { z } from 'zod';
import { fail, linearParams, ok, type KindDefinition } from './types.js';
import { lossWeightParam } from './lossWeight.js';

const params = z
  .object({
    numClasses: z.number().int().min(2).max(1_000_000).default(10).describe('Number of classes (logits)'),
    lossWeight: lossWeightParam,
  })
  .strict();
type P = z.infer<typeof params>;

export const classificationHead: KindDefinition<P> = {
  kind: 'ClassificationHead',
  version: 1,
  category: 'head',
  title: 'Classification head',
  summary: 'Linear(E → classes) on the first output query: class logits.',
  maths: 'logits = y₀·W + b (softmax cross-entropy in training).',
  reference: 'DM ClassificationDecoder / ClassificationPostprocessor',
  inputs: [
    { name: 'in', label: 'outputs', type: 'queries', ranks: [2], description: 'Decoder outputs [O, E]; row 0 is used' },
  ],
  outputs: [{ name: 'out', label: 'logits', type: 'logits', ranks: [1], description: 'Class logits [classes]' }],
  params,
  inferShape(p, i) {
    if (!i.in) return fail('connect the decoder output', { port: 'in' });
    return ok({ out: [p.numClasses] });
  },
  cost: (p, i) => ({
    params: linearParams(i.in![1]!, p.numClasses),
    flops: 2 * i.in![1]! * p.numClasses,
    activationBytes: 4 * p.numClasses,
  }),
  loss: (p) => ({ type: 'classification', classes: p.numClasses }),
  describe: (p) => `${p.numClasses} classes`,
};
