/**
 * The compiled template trained exactly as engine/train/train.ts does it: model.apply in
 * training mode, the engine's classificationLoss, tf.variableGrads over the trainable weights,
 * the trainer's optimizer (`createOptimizer`: the fused Adam unless `opt` says 'tfjs'), plus the
 * per-step accuracy count the trainer reports.
 */
import * as tf from '@tensorflow/tfjs';
import { compile } from '../../engine/compile/compile.js';
import type { GraphDoc } from '../../engine/graph/schema.js';
import { createOptimizer, type OptimizerImpl } from '../../engine/train/fusedAdam.js';
import { classificationLoss } from '../../engine/train/train.js';
import type { TrainImpl } from './impl.js';

export function compiledImpl(doc: GraphDoc, classes: number, opt: OptimizerImpl = 'fused'): TrainImpl {
  const { model } = compile(doc);
  const vars = model.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
  const optimizer = createOptimizer(doc.training, opt);
  return {
    name: 'compiled',
    params: model.countParams(),
    step(x, y) {
      return tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => {
          const logits = model.apply(x, { training: true }) as tf.Tensor;
          tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, -1), y), 'float32'))).dispose();
          return classificationLoss(logits, y, classes, 0);
        }, vars);
        optimizer.applyGradients(grads);
        return tf.keep(value);
      });
    },
    dispose() {
      optimizer.dispose();
      model.dispose();
    },
  };
}
