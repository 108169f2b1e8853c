/**
 * The compiled template trained exactly as engine/train/train.ts does it: model.apply in
 * training mode, the engine's classificationLoss, tf.variableGrads over the trainable weights,
 * Adam(lr, 0.9, 0.999, 1e-7), plus the per-step accuracy count the trainer reports.
 */
import * as tf from '@tensorflow/tfjs';
import { compile } from '../../engine/compile/compile.js';
import type { GraphDoc } from '../../engine/graph/schema.js';
import { classificationLoss } from '../../engine/train/train.js';
import type { TrainImpl } from './impl.js';

export function compiledImpl(doc: GraphDoc, classes: number): TrainImpl {
  const { model } = compile(doc);
  const vars = model.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
  const opt = tf.train.adam(doc.training.learningRate, 0.9, 0.999, 1e-7);
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
        opt.applyGradients(grads as unknown as tf.NamedTensorMap & Record<string, tf.Variable>);
        return tf.keep(value);
      });
    },
    dispose() {
      opt.dispose();
      model.dispose();
    },
  };
}
