import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../node/backend.js';
import { splitLastAxis } from './wasmKernels.js';

beforeAll(async () => {
  await useNodeBackend('wasm');
});

describe('splitLastAxis (wasm kernel)', () => {
  it('equals tf.split on rank 1, 2 and 3, with output shapes when asked', () => {
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      for (const shape of [[10], [4, 10], [2, 3, 10]]) {
        const x = tf.randomNormal(shape, 0, 1, 'float32', shape.length);
        const got = splitLastAxis(x, [3, 1, 6]);
        const want = tf.split(x, [3, 1, 6], -1);
        got.forEach((g, k) => {
          expect(g.shape).toEqual(want[k]!.shape);
          expect(Array.from(g.dataSync())).toEqual(Array.from(want[k]!.dataSync()));
        });
      }
      const flat = tf.range(0, 12, 1, 'float32');
      const [a, b] = splitLastAxis(
        flat,
        [6, 6],
        [
          [2, 3],
          [3, 2, 1],
        ],
      );
      expect(a!.shape).toEqual([2, 3]);
      expect(b!.shape).toEqual([3, 2, 1]);
      expect(Array.from(b!.dataSync())).toEqual([6, 7, 8, 9, 10, 11]);
    });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('has the gradient of tf.split, also when a piece is unused', () => {
    const x = tf.variable(tf.randomNormal([3, 7], 0, 1, 'float32', 9));
    const w = tf.randomNormal([3, 4], 0, 1, 'float32', 10);
    const grad = (split: (t: tf.Tensor) => tf.Tensor[]) =>
      tf.tidy(() =>
        Array.from(tf.variableGrads(() => tf.sum(tf.mul(split(x)[1]!, w)) as tf.Scalar, [x]).grads[x.name]!.dataSync()),
      );
    expect(grad((t) => splitLastAxis(t, [2, 4, 1]))).toEqual(grad((t) => tf.split(t, [2, 4, 1], -1)));
    tf.dispose([x, w]);
  });

  it('refuses widths that do not add up', () => {
    const x = tf.zeros([2, 5]);
    expect(() => splitLastAxis(x, [2, 2])).toThrow(/widths 2\+2 = 4 do not add up to the last axis \(5\)/);
    x.dispose();
  });
});

describe('zero-copy Identity (wasm)', () => {
  it('is on with the tuned formulation, shares buffers safely, and is undone by stock', async () => {
    const { setFormulation } = await import('./ops.js');
    const { useZeroCopyIdentity, zeroCopyIdentityActive } = await import('./wasmKernels.js');
    setFormulation('tuned');
    expect(zeroCopyIdentityActive()).toBe(true);
    const before = tf.memory().numTensors;
    const a = tf.tensor1d([1, 2, 3]);
    const b = tf.clone(a);
    a.dispose(); // the clone keeps the shared buffer alive
    expect(Array.from(b.dataSync())).toEqual([1, 2, 3]);
    const c = tf.add(b, 1); // and new results never write into it
    expect(Array.from(b.dataSync())).toEqual([1, 2, 3]);
    tf.dispose([b, c]);
    expect(tf.memory().numTensors).toBe(before);
    // Gradients saved through clones stay right (customGrad saves clone every tensor).
    const x = tf.variable(tf.tensor1d([0.5, -1, 2]));
    const g = tf.tidy(() =>
      Array.from(tf.variableGrads(() => tf.sum(tf.mul(tf.square(x), x)) as tf.Scalar, [x]).grads[x.name]!.dataSync()),
    );
    g.forEach((v, i) => expect(v).toBeCloseTo(3 * [0.5, -1, 2][i]! ** 2, 5));
    x.dispose();
    setFormulation('stock');
    expect(zeroCopyIdentityActive()).toBe(false);
    useZeroCopyIdentity(true);
    useZeroCopyIdentity(true); // idempotent
    expect(zeroCopyIdentityActive()).toBe(true);
  });
});
