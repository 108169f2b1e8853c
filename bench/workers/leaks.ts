/**
 * leakedTensors: 20 tiny epochs through the engine's real trainer (validation every epoch, test
 * at the end), then model.dispose(); tensors left over the pre-compile baseline are leaks.
 */
import * as tf from '@tensorflow/tfjs';
import { compile } from '../../engine/compile/compile.js';
import { ArraySplit, type Dataset } from '../../engine/data/dataset.js';
import { useNodeBackend } from '../../engine/node/backend.js';
import { train } from '../../engine/train/train.js';
import { templateDoc } from '../lib/arch.js';
import { syntheticBatches } from '../lib/data.js';

await useNodeBackend('wasm');
const doc = templateDoc();
const [b] = syntheticBatches(1, 48, 28, 1, 10);
const idx = (from: number, to: number) => Uint32Array.from({ length: to - from }, (_, i) => from + i);
const data: Dataset = {
  name: 'synthetic',
  inputShape: [28, 28, 1],
  numClasses: 10,
  classNames: [...'0123456789'],
  train: new ArraySplit(b!.x, b!.y, idx(0, 32), [28, 28, 1]),
  validation: new ArraySplit(b!.x, b!.y, idx(32, 40), [28, 28, 1]),
  test: new ArraySplit(b!.x, b!.y, idx(40, 48), [28, 28, 1]),
  skipped: { count: 0, reasons: [] },
};
const before = tf.memory().numTensors;
const { model } = compile(doc);
const result = await train(model, data, { ...doc.training, epochs: 20, batchSize: 16 });
model.dispose();
process.stdout.write(
  JSON.stringify({
    leakedTensors: tf.memory().numTensors - before,
    epochs: result.epochs.length,
    status: result.status,
  }) + '\n',
);
