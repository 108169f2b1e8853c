import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../node/backend.js';
import { layerNorm, LN_EPS } from '../layers/ops.js';
import { ownKernelsStatus, setOwnKernelsAllowed } from './index.js';

beforeAll(async () => {
  await useNodeBackend('wasm');
});

/** float64 LayerNorm of rows and its gradients for the loss Σ y·w. */
function reference(x: Float32Array, R: number, D: number, g: Float32Array, b: Float32Array, w: Float32Array) {
  const y = new Float64Array(R * D),
    dx = new Float64Array(R * D),
    dg = new Float64Array(D),
    db = new Float64Array(D);
  for (let r = 0; r < R; r++) {
    let m = 0;
    for (let j = 0; j < D; j++) m += x[r * D + j]!;
    m /= D;
    let v = 0;
    for (let j = 0; j < D; j++) v += (x[r * D + j]! - m) ** 2;
    const is = 1 / Math.sqrt(v / D + LN_EPS);
    const h = Array.from({ length: D }, (_, j) => (x[r * D + j]! - m) * is);
    let sg = 0,
      sgh = 0;
    for (let j = 0; j < D; j++) {
      y[r * D + j] = h[j]! * g[j]! + b[j]!;
      const dyv = w[r * D + j]!;
      dg[j] += dyv * h[j]!;
      db[j] += dyv;
      sg += dyv * g[j]!;
      sgh += dyv * g[j]! * h[j]!;
    }
    for (let j = 0; j < D; j++) dx[r * D + j] = is * (w[r * D + j]! * g[j]! - sg / D - h[j]! * (sgh / D));
  }
  return { y, dx, dg, db };
}

const close = (got: ArrayLike<number>, want: ArrayLike<number>, tol: number) => {
  let worst = 0,
    scale = 1;
  for (let i = 0; i < want.length; i++) {
    worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
    scale = Math.max(scale, Math.abs(want[i]!));
  }
  return worst / scale < tol;
};

describe('fused LayerNorm kernel (own kernels)', () => {
  for (const [R, D] of [
    [7, 5],
    [33, 64],
    [3, 1],
    [64, 131],
  ] as const) {
    it(`forward and gradients match a float64 reference and the tfjs formulation, [${R}, ${D}]`, () => {
      const before = tf.memory().numTensors;
      const rnd = (n: number, s: number) =>
        tf.tidy(() => tf.randomNormal([n], 0.3, 1.5, 'float32', s).dataSync() as Float32Array);
      const xv = rnd(R * D, 1),
        gv = rnd(D, 2),
        bv = rnd(D, 3),
        wv = rnd(R * D, 4);
      const ref = reference(xv, R, D, gv, bv, wv);
      const run = (own: boolean) => {
        setOwnKernelsAllowed(own);
        return tf.tidy(() => {
          const x = tf.tensor(xv, [1, R, D]),
            g = tf.tensor1d(gv),
            b = tf.tensor1d(bv),
            w = tf.tensor(wv, [1, R, D]);
          const calls = ownKernelsStatus().ownCalls;
          const y = layerNorm(x, g, b);
          if (own) expect(ownKernelsStatus().ownCalls).toBe(calls + 1);
          const grads = tf.grads((xx: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) =>
            tf.sum(tf.mul(layerNorm(xx, gg, bb), w)),
          )([x, g, b]);
          return [y, ...grads].map((t) => t.dataSync() as Float32Array);
        });
      };
      const own = run(true);
      const theirs = run(false);
      setOwnKernelsAllowed(true);
      const want = [ref.y, ref.dx, ref.dg, ref.db];
      own.forEach((o, k) => {
        expect(close(o, want[k]!, 2e-6)).toBe(true);
        expect(close(o, theirs[k]!, 1e-5)).toBe(true);
      });
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});

describe('fused tanh-GELU kernel (own kernels)', () => {
  it('forward and gradient match a float64 reference and the tfjs formulation (odd size, large |x|)', async () => {
    const { gelu } = await import('../layers/ops.js');
    const n = 4099;
    const xv = new Float32Array(n).map((_, i) => (i === 0 ? -30 : i === 1 ? 30 : Math.sin(i * 12.9898) * 6));
    const wv = new Float32Array(n).map((_, i) => Math.cos(i * 7.1));
    const refY = new Float64Array(n),
      refD = new Float64Array(n);
    const c = Math.sqrt(2 / Math.PI);
    for (let i = 0; i < n; i++) {
      const x = xv[i]!;
      const u = c * (x + 0.044715 * x ** 3);
      const t = Math.tanh(u);
      refY[i] = 0.5 * x * (1 + t);
      refD[i] = wv[i]! * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * 0.044715 * x * x));
    }
    const before = tf.memory().numTensors;
    const run = (own: boolean) => {
      setOwnKernelsAllowed(own);
      return tf.tidy(() => {
        const x = tf.tensor1d(xv),
          w = tf.tensor1d(wv);
        const calls = ownKernelsStatus().ownCalls;
        const y = gelu(x, 'tanh');
        if (own) expect(ownKernelsStatus().ownCalls).toBe(calls + 1);
        const [dx] = tf.grads((xx: tf.Tensor) => tf.sum(tf.mul(gelu(xx, 'tanh'), w)))([x]);
        return [y.dataSync() as Float32Array, dx!.dataSync() as Float32Array];
      });
    };
    const own = run(true);
    const theirs = run(false);
    setOwnKernelsAllowed(true);
    expect(close(own[0]!, refY, 2e-6)).toBe(true);
    expect(close(own[1]!, refD, 2e-6)).toBe(true);
    expect(close(own[0]!, theirs[0]!, 1e-5)).toBe(true);
    expect(close(own[1]!, theirs[1]!, 1e-5)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
  });
});
