import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../data/random.js';
import { useNodeBackend } from '../node/backend.js';
import { FusedAdam, FusedMomentum } from './fusedAdam.js';

beforeAll(async () => {
  await useNodeBackend('cpu');
});

const SHAPES = [[3, 4], [4], [2, 3, 2], [1], [5, 1]];
let counter = 0;

/** Two identical sets of variables (same shapes and values, different names). */
function twins(seed: number): [tf.Variable[], tf.Variable[]] {
  const rand = mulberry32(seed);
  const tag = counter++;
  const make = (side: string) => (vals: Float32Array[]) =>
    vals.map((v, i) => tf.variable(tf.tensor(v, SHAPES[i]), true, `fa${tag}_${side}_${i}`));
  const vals = SHAPES.map((s) => Float32Array.from({ length: s.reduce((a, b) => a * b, 1) }, () => rand() * 2 - 1));
  return [make('a')(vals), make('b')(vals)];
}

/** A loss whose gradients differ per variable and per step (so moments matter). */
function lossOf(vars: tf.Variable[], step: number): tf.Scalar {
  return tf.addN(vars.map((v, i) => tf.sum(tf.mul(tf.square(tf.sub(v, 0.3 * (i + 1))), 1 + step + i)))) as tf.Scalar;
}

function stepWith(opt: tf.Optimizer, vars: tf.Variable[], step: number): void {
  tf.tidy(() => {
    const { grads } = tf.variableGrads(() => lossOf(vars, step), vars);
    opt.applyGradients(grads);
  });
}

const values = (vars: tf.Variable[]) => vars.map((v) => Array.from(v.dataSync()));
function expectClose(a: number[][], b: number[][], tol: number): void {
  expect(a.length).toBe(b.length);
  a.forEach((row, i) => row.forEach((x, j) => expect(Math.abs(x - b[i]![j]!)).toBeLessThanOrEqual(tol)));
}

describe('FusedAdam', () => {
  it('matches tf.train.adam over several steps (cpu, within 1e-6)', () => {
    const [a, b] = twins(1);
    const start = values(a);
    const ref = tf.train.adam(0.05, 0.9, 0.999, 1e-7);
    const fused = new FusedAdam(0.05, 0.9, 0.999, 1e-7);
    for (let s = 0; s < 8; s++) {
      stepWith(ref, a, s);
      stepWith(fused, b, s);
      expectClose(values(b), values(a), 1e-6);
    }
    // The parameters moved: equality is not trivial.
    const moved = values(a)
      .flat()
      .reduce((acc, x, i) => acc + Math.abs(x - start.flat()[i]!), 0);
    expect(moved).toBeGreaterThan(1);
    ref.dispose();
    fused.dispose();
  });

  it('follows learning-rate changes between steps, as the trainer schedules them', () => {
    const [a, b] = twins(2);
    const ref = tf.train.adam(0.05, 0.9, 0.999, 1e-7);
    const fused = new FusedAdam(0.05, 0.9, 0.999, 1e-7);
    for (let s = 0; s < 4; s++) {
      (ref as unknown as { learningRate: number }).learningRate = 0.05 / (s + 1);
      fused.learningRate = 0.05 / (s + 1);
      stepWith(ref, a, s);
      stepWith(fused, b, s);
    }
    expectClose(values(b), values(a), 1e-6);
    ref.dispose();
    fused.dispose();
  });

  it('starts from the variables again when something else wrote them between steps', () => {
    const [a, b] = twins(3);
    const ref = tf.train.adam(0.05);
    const fused = new FusedAdam(0.05, 0.9, 0.999, tf.backend().epsilon());
    stepWith(ref, a, 0);
    stepWith(fused, b, 0);
    // Decoupled weight decay, a divergence restore or a checkpoint load all write variables.
    for (const vs of [a, b]) vs[2]!.assign(tf.tidy(() => tf.mul(vs[2]!, 0.5)));
    stepWith(ref, a, 1);
    stepWith(fused, b, 1);
    expectClose(values(b), values(a), 1e-6);
    ref.dispose();
    fused.dispose();
  });

  it('saves its state in tfjs Adam layout, and each restores the other', async () => {
    const [a, b] = twins(4);
    const ref = tf.train.adam(0.05, 0.9, 0.999, 1e-7);
    const fused = new FusedAdam(0.05, 0.9, 0.999, 1e-7);
    for (let s = 0; s < 3; s++) {
      stepWith(ref, a, s);
      stepWith(fused, b, s);
    }
    const rw = await ref.getWeights();
    const fw = await fused.getWeights();
    expect(fw.map((w) => w.tensor.shape)).toEqual(rw.map((w) => w.tensor.shape));
    expect(fw.map((w) => w.name.replace(/_b_/, '_'))).toEqual(rw.map((w) => w.name.replace(/_a_/, '_')));
    expect(fw[0]!.tensor.dataSync()[0]).toBe(3);
    expectClose(
      fw.map((w) => Array.from(w.tensor.dataSync())),
      rw.map((w) => Array.from(w.tensor.dataSync())),
      1e-6,
    );

    // Cross-restore: tfjs state into a fused optimizer and fused state into tfjs, then continue.
    const fused2 = new FusedAdam(0.05, 0.9, 0.999, 1e-7);
    await fused2.setWeights(rw);
    const ref2 = tf.train.adam(0.05, 0.9, 0.999, 1e-7);
    await ref2.setWeights(fw);
    const [a2, b2] = [a.map((v) => tf.variable(v.clone())), b.map((v) => tf.variable(v.clone()))];
    for (let s = 3; s < 6; s++) {
      stepWith(ref, a, s);
      stepWith(fused2, b, s);
      stepWith(ref2, a2, s);
      stepWith(fused, b2, s);
    }
    expectClose(values(b), values(a), 1e-6);
    expectClose(values(b2), values(a), 1e-6);
    // tfjs' own restore recomputes β^t with pow (last-bit differences in 1−β2ᵗ): looser.
    expectClose(values(a2), values(a), 5e-6);
    // The moment tensors are the caller's copies; the iteration scalar too.
    tf.dispose(fw.map((w) => w.tensor));
    tf.dispose(rw[0]!.tensor);
    tf.dispose([...a2, ...b2]);
    [ref, ref2, fused, fused2].forEach((o) => o.dispose());
  });

  it('refuses restored state that does not fit the variables, naming the variable', async () => {
    const [, b] = twins(5);
    const fused = new FusedAdam(0.05);
    // m and v for each variable, but variable 2's have 7 values instead of 12.
    const state = [
      { name: 'iter', tensor: tf.scalar(2, 'int32') },
      ...[0, 1].flatMap(() => SHAPES.map((s, i) => ({ name: `x${i}`, tensor: tf.zeros(i === 2 ? [7] : s) }))),
    ];
    await fused.setWeights(state);
    expect(() => stepWith(fused, b, 0)).toThrow(/variable 2 \(".*_2"\) has 12 values but its restored state 7/);
    tf.dispose(state.map((s) => s.tensor));
    fused.dispose();
  });

  it('keeps a constant number of tensors across steps and frees everything on dispose', () => {
    const [, b] = twins(6);
    const base = tf.memory().numTensors;
    const fused = new FusedAdam(0.01);
    stepWith(fused, b, 0);
    const after1 = tf.memory().numTensors;
    for (let s = 1; s < 5; s++) stepWith(fused, b, s);
    expect(tf.memory().numTensors).toBe(after1);
    fused.dispose();
    expect(tf.memory().numTensors).toBe(base);
  });
});

describe('FusedMomentum', () => {
  it('matches tf.train.momentum over several steps and saves the same layout', async () => {
    const [a, b] = twins(7);
    const ref = tf.train.momentum(0.02, 0.9);
    const fused = new FusedMomentum(0.02, 0.9);
    for (let s = 0; s < 6; s++) {
      stepWith(ref, a, s);
      stepWith(fused, b, s);
    }
    expectClose(values(b), values(a), 1e-6);
    const rw = await ref.getWeights();
    const fw = await fused.getWeights();
    expect(fw.map((w) => w.name.replace(/_b_/, '_'))).toEqual(rw.map((w) => w.name.replace(/_a_/, '_')));
    expectClose(
      fw.map((w) => Array.from(w.tensor.dataSync())),
      rw.map((w) => Array.from(w.tensor.dataSync())),
      1e-6,
    );
    tf.dispose(fw.map((w) => w.tensor));
    tf.dispose(rw[0]!.tensor);
    ref.dispose();
    fused.dispose();
  });
});

describe('FusedAdam on wasm (the backend it was written for)', () => {
  it('matches tf.train.adam over several steps', async () => {
    await useNodeBackend('wasm');
    try {
      const [a, b] = twins(8);
      const base = tf.memory().numTensors;
      const ref = tf.train.adam(0.05, 0.9, 0.999, 1e-7);
      const fused = new FusedAdam(0.05, 0.9, 0.999, 1e-7);
      for (let s = 0; s < 5; s++) {
        stepWith(ref, a, s);
        stepWith(fused, b, s);
      }
      expectClose(values(b), values(a), 1e-6);
      ref.dispose();
      fused.dispose();
      expect(tf.memory().numTensors).toBe(base);
      tf.dispose([...a, ...b]);
    } finally {
      await useNodeBackend('cpu');
    }
  });
});

describe('checkpoints with the fused optimizer', () => {
  it('capture frees the copies it is given, and restores into tfjs Adam and back', async () => {
    const { compile } = await import('../compile/compile.js');
    const { tinyPerceiverDoc } = await import('./testModel.js');
    const { captureCheckpoint, restoreCheckpoint } = await import('./checkpoint.js');
    const doc = tinyPerceiverDoc();
    const { model } = compile(doc);
    const vars = model.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
    const x = tf.randomUniform([4, 4, 4, 1], 0, 1, 'float32', 1);
    const y = tf.tensor1d([0, 1, 1, 0], 'int32');
    const loss = () =>
      tf.losses.softmaxCrossEntropy(tf.oneHot(y, 2), model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar;
    const step = (o: tf.Optimizer) => tf.tidy(() => void o.applyGradients(tf.variableGrads(loss, vars).grads));
    const fused = new FusedAdam(0.01, 0.9, 0.999, 1e-7);
    for (let i = 0; i < 3; i++) step(fused);
    const state = { epoch: 1, step: 3, settings: doc.training, history: [], bestValLoss: Infinity, epochsSinceBest: 0 };
    const before = tf.memory().numTensors;
    const ckpt = await captureCheckpoint(model, fused, state);
    expect(tf.memory().numTensors).toBe(before);
    expect(ckpt.manifest.optimizerIterations).toBe(3);
    expect(ckpt.manifest.optimizer.length).toBe(2 * vars.length);

    const ref = tf.train.adam(0.01, 0.9, 0.999, 1e-7);
    await restoreCheckpoint(model, ref, ckpt);
    const again = await captureCheckpoint(model, ref, state);
    expect(Array.from(again.data)).toEqual(Array.from(ckpt.data));
    const fused2 = new FusedAdam(0.01, 0.9, 0.999, 1e-7);
    await restoreCheckpoint(model, fused2, again);
    step(ref);
    const afterRef = model.weights.map((w) => Array.from(w.read().dataSync()));
    await restoreCheckpoint(model, fused2, again);
    step(fused2);
    expectClose(
      model.weights.map((w) => Array.from(w.read().dataSync())),
      afterRef,
      5e-6,
    );
    [fused, fused2, ref].forEach((o) => o.dispose());
    tf.dispose([x, y]);
    model.dispose();
  });
});
