/**
 * The 'tuned' (custom-gradient, wasm) and 'stock' (tfjs autodiff) formulations must compute the
 * same function and the same gradients. Checked on the cpu backend on a small full graph (the
 * default template, both GELU forms) and per op, including heads > 1 and the fused q/k/v path.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../compile/compile.js';
import { loadGraphDoc } from '../graph/load.js';
import type { GraphDoc } from '../graph/schema.js';
import { classificationLoss } from '../train/train.js';
import { useNodeBackend } from '../node/backend.js';
import {
  attend,
  broadcastBatch,
  gelu,
  layerNorm,
  linear,
  linearMany,
  setAttentionCore,
  setFormulation,
  type Formulation,
} from './ops.js';

const template = (): GraphDoc =>
  loadGraphDoc(readFileSync(join(__dirname, '../../templates/mnist-perceiver-io.json'), 'utf8'));

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => setFormulation('tuned'));

function maxRelDiff(a: Float32Array | number[], b: Float32Array | number[]): number {
  let num = 0;
  let den = 1e-6;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i]! - b[i]!));
    den = Math.max(den, Math.abs(b[i]!));
  }
  return num / den;
}

/** Loss and gradients of every variable of `fn` under one formulation. */
function lossAndGrads(
  f: Formulation,
  vars: tf.Variable[],
  fn: () => tf.Scalar,
): { loss: number; grads: Float32Array[] } {
  setFormulation(f);
  return tf.tidy(() => {
    const { value, grads } = tf.variableGrads(fn, vars);
    return { loss: value.dataSync()[0]!, grads: vars.map((v) => grads[v.name]!.dataSync() as Float32Array) };
  });
}

describe("'tuned' vs 'stock' on a full graph (cpu, and wasm where the tuned kernels run)", () => {
  for (const [form, backend] of [
    ['tanh', 'cpu'],
    ['erf', 'cpu'],
    ['tanh', 'wasm'],
  ] as const) {
    it(`template (4-head latent stack, fused q/k/v), GELU ${form}, ${backend}: losses and all 72 gradients agree`, async () => {
      if (backend === 'wasm') await useNodeBackend('wasm');
      try {
        checkTemplate(form);
      } finally {
        if (backend === 'wasm') await tf.setBackend('cpu');
      }
    });
  }
  function checkTemplate(form: 'tanh' | 'erf'): void {
    const doc = template();
    for (const n of doc.nodes)
      if (['CrossAttention', 'LatentStack', 'DecoderCrossAttention'].includes(n.kind))
        n.params = { ...n.params, gelu: form };
    const before = tf.memory().numTensors;
    const { model } = compile(doc, { seed: 3 });
    const vars = model.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
    const x = tf.randomUniform([3, 28, 28, 1], 0, 1, 'float32', 5);
    const y = tf.tensor1d([1, 7, 3], 'int32');
    const fn = () => classificationLoss(model.apply(x, { training: true }) as tf.Tensor, y, 10, 0);
    const stock = lossAndGrads('stock', vars, fn);
    const tuned = lossAndGrads('tuned', vars, fn);
    expect(vars.length).toBe(72);
    expect(Math.abs(tuned.loss - stock.loss)).toBeLessThan(1e-5);
    tuned.grads.forEach((g, i) => {
      const ref = stock.grads[i]!;
      // Key biases get an exactly-zero gradient (softmax ignores a per-row constant): both
      // sides are float noise there, so compare absolutely.
      if (ref.every((r) => Math.abs(r) < 1e-6)) expect(Math.max(...g.map(Math.abs)), vars[i]!.name).toBeLessThan(1e-5);
      else expect(maxRelDiff(g, ref), vars[i]!.name).toBeLessThan(2e-4);
    });
    // A gradient that is all zeros would make the comparison vacuous.
    expect(stock.grads.filter((g) => g.some((v) => v !== 0)).length).toBeGreaterThan(60);
    tf.dispose([x, y]);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  }
});

describe('ops: tuned vs stock, op by op (cpu)', () => {
  const check = (make: () => { vars: tf.Variable[]; fn: () => tf.Scalar }) => {
    const { vars, fn } = make();
    const stock = lossAndGrads('stock', vars, fn);
    const tuned = lossAndGrads('tuned', vars, fn);
    expect(Math.abs(tuned.loss - stock.loss) / Math.max(1, Math.abs(stock.loss))).toBeLessThan(1e-5);
    tuned.grads.forEach((g, i) => expect(maxRelDiff(g, stock.grads[i]!)).toBeLessThan(1e-4));
    tf.dispose(vars);
  };
  const v = (shape: number[], seed: number) => tf.variable(tf.randomNormal(shape, 0, 1, 'float32', seed));

  for (const core of ['depthwise', 'batched'] as const) {
    it(`attention with 1 and 4 heads, one query or several (${core} core)`, () => {
      setAttentionCore(core);
      try {
        for (const heads of [1, 4]) {
          for (const tq of [5, 1]) {
            check(() => {
              const q = v([2, tq, 8], 1),
                k = v([2, 7, 8], 2),
                val = v([2, 7, 12], 3),
                w = tf.randomNormal([2, tq, 12], 0, 1, 'float32', 4);
              return { vars: [q, k, val], fn: () => tf.sum(tf.mul(attend(q, k, val, heads), w)) as tf.Scalar };
            });
          }
        }
      } finally {
        setAttentionCore('depthwise');
      }
    });
  }

  it('depthwise attention core on wasm (where it is used) agrees with stock, and frees its tensors', async () => {
    await useNodeBackend('wasm');
    try {
      const w = tf.randomNormal([3, 6, 8], 0, 1, 'float32', 4);
      const q = v([3, 6, 16], 1),
        k = v([3, 9, 16], 2),
        val = v([3, 9, 8], 3);
      const fn = () => tf.sum(tf.mul(attend(q, k, val, 4), w)) as tf.Scalar;
      lossAndGrads('tuned', [q, k, val], fn); // warm-up: tfjs caches scalars on first use
      const before = tf.memory().numTensors;
      const tuned = lossAndGrads('tuned', [q, k, val], fn);
      expect(tf.memory().numTensors).toBe(before);
      const stock = lossAndGrads('stock', [q, k, val], fn);
      expect(Math.abs(tuned.loss - stock.loss) / Math.max(1, Math.abs(stock.loss))).toBeLessThan(1e-5);
      tuned.grads.forEach((g, i) => expect(maxRelDiff(g, stock.grads[i]!)).toBeLessThan(1e-4));
      tf.dispose([q, k, val, w]);
    } finally {
      await tf.setBackend('cpu');
    }
  });

  it('linear (rank 3), linearMany (fused q/k/v), layerNorm, gelu, broadcastBatch', () => {
    check(() => {
      const x = v([2, 3, 6], 5),
        w1 = v([6, 4], 6),
        w2 = v([6, 5], 7),
        b1 = v([4], 8),
        b2 = v([5], 9),
        g = v([6], 10),
        be = v([6], 11),
        arr = v([3, 6], 12);
      const fn = () =>
        tf.tidy(() => {
          const xb = tf.add(x, broadcastBatch(arr, x));
          const n = layerNorm(xb, g, be);
          const [p, q] = linearMany(n, [w1, w2], [b1, b2]);
          const r = linear(n, w1, b1);
          return tf.add(
            tf.add(tf.sum(tf.square(gelu(p!, 'tanh'))), tf.sum(tf.mul(gelu(q!, 'erf'), 0.3))),
            tf.sum(tf.sin(r)),
          ) as tf.Scalar;
        });
      return { vars: [x, w1, w2, b1, b2, g, be, arr], fn };
    });
  });

  it('GELU tanh as x·σ(2u) equals 0.5x(1+tanh(u)) at extreme inputs', () => {
    const x = tf.tensor1d([-30, -6, -1, -1e-3, 0, 1e-3, 1, 6, 30]);
    setFormulation('tuned');
    const tuned = gelu(x, 'tanh').dataSync();
    setFormulation('stock');
    const stock = gelu(x, 'tanh').dataSync();
    for (let i = 0; i < tuned.length; i++) expect(tuned[i]).toBeCloseTo(stock[i]!, 5);
    x.dispose();
  });
});
