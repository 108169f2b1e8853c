/**
 * Shared by the kernel parity tests (engine/kernels/*.test.ts): the templates small enough to run
 * in a test, and a training curve of the compiled default template, each computed with our
 * kernels and with tfjs' stock kernels from the same weights.
 */
import * as tf from '@tensorflow/tfjs';
import { compile } from '../compile/compile.js';
import type { GraphDoc } from '../graph/schema.js';
import { createOptimizer } from '../train/fusedAdam.js';
import { classificationLoss } from '../train/train.js';
import { setOwnKernelsAllowed } from './index.js';

/** Model outputs for the same inputs and weights, with (own) and without (stock) our kernels. */
export function forwardBoth(doc: GraphDoc, batch = 2): { own: Float32Array[]; stock: Float32Array[] } {
  const { model, analysis } = compile(doc);
  try {
    const xs = analysis.inputSpecs.map((s, k) =>
      s.dtype === 'int32'
        ? tf.randomUniform([batch, ...s.shape], 0, 250, 'int32', 10 + k)
        : tf.randomUniform([batch, ...s.shape], -1, 1, 'float32', 10 + k),
    );
    const run = (own: boolean) => {
      setOwnKernelsAllowed(own);
      return tf.tidy(() =>
        [model.predict(xs.length === 1 ? xs[0]! : xs)].flat().map((y) => (y as tf.Tensor).dataSync() as Float32Array),
      );
    };
    const own = run(true);
    const stock = run(false);
    tf.dispose(xs);
    return { own, stock };
  } finally {
    setOwnKernelsAllowed(true);
    model.dispose();
  }
}

/** max |a − b| over max(1, max |b|). */
export function relMaxDiff(a: Float32Array, b: Float32Array): number {
  let d = 0;
  let m = 1;
  for (let i = 0; i < b.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    m = Math.max(m, Math.abs(b[i]!));
  }
  return d / m;
}

/**
 * Losses of `steps` training steps (the trainer's loss and fused Adam) from the same initial
 * weights and batches, with our kernels and with the stock ones.
 */
export function trainingCurves(
  doc: GraphDoc,
  steps: number,
  batch: number,
  classes: number,
): { own: number[]; stock: number[] } {
  const { model, analysis } = compile(doc);
  const spec = analysis.inputSpecs[0]!;
  const vars = model.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
  const init = vars.map((v) => tf.clone(v));
  const xs = [0, 1, 2].map((k) => tf.randomUniform([batch, ...spec.shape], 0, 1, 'float32', 100 + k));
  const ys = [0, 1, 2].map((k) => tf.randomUniform([batch], 0, classes, 'int32', 200 + k));
  const run = (own: boolean) => {
    setOwnKernelsAllowed(own);
    vars.forEach((v, k) => v.assign(init[k]!));
    const opt = createOptimizer(doc.training);
    const losses: number[] = [];
    for (let s = 0; s < steps; s++) {
      const loss = tf.tidy(() => {
        const { value, grads } = tf.variableGrads(
          () => classificationLoss(model.apply(xs[s % 3]!, { training: true }) as tf.Tensor, ys[s % 3]!, classes, 0),
          vars,
        );
        opt.applyGradients(grads);
        return tf.keep(value);
      });
      losses.push(loss.dataSync()[0]!);
      loss.dispose();
    }
    opt.dispose();
    return losses;
  };
  try {
    const own = run(true);
    const stock = run(false);
    return { own, stock };
  } finally {
    setOwnKernelsAllowed(true);
    tf.dispose([...init, ...xs, ...ys]);
    model.dispose();
  }
}
