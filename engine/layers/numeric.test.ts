/**
 * Numeric tests of the blocks against values computed independently here in plain JavaScript
 * (float64 loops, no tfjs), on the cpu backend.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { attend, gelu, layerNorm, setFormulation } from './ops.js';
import { AttentionBlock, fourierFeatures } from './perceiverLayers.js';
import { fourierChannels } from '../kinds/fourierPosition.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
  setFormulation('stock');
});

/** Deterministic pseudo-random numbers in [-1, 1). */
function rand(n: number, seed: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32) * 2 - 1;
  });
}
type M = number[][];
const mat = (flat: number[], r: number, c: number): M =>
  Array.from({ length: r }, (_, i) => flat.slice(i * c, (i + 1) * c));
const matmul = (a: M, b: M): M => a.map((row) => b[0]!.map((_, j) => row.reduce((s, x, k) => s + x * b[k]![j]!, 0)));
const addBias = (a: M, b: number[]): M => a.map((r) => r.map((x, j) => x + b[j]!));
const lin = (a: M, w: M, b: number[]) => addBias(matmul(a, w), b);
function ln(a: M, g: number[], b: number[], eps = 1e-5): M {
  return a.map((r) => {
    const mean = r.reduce((s, x) => s + x, 0) / r.length;
    const v = r.reduce((s, x) => s + (x - mean) ** 2, 0) / r.length;
    return r.map((x, j) => ((x - mean) / Math.sqrt(v + eps)) * g[j]! + b[j]!);
  });
}
/** erf by its Maclaurin series (exact to float64 for |x| < 4). */
function erf(x: number): number {
  let sum = 0;
  let term = x;
  for (let n = 0; n < 200; n++) {
    sum += term / (2 * n + 1);
    term *= (-x * x) / (n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}
const geluErf = (x: number) => 0.5 * x * (1 + erf(x / Math.SQRT2));
const geluTanh = (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));

/** Multi-head attention by loops, heads head-major; mask[i][j] = 0 drops key j for query i. */
function mha(q: M, k: M, v: M, heads: number, mask?: M): M {
  const dh = q[0]!.length / heads;
  const dv = v[0]!.length / heads;
  return q.map((qi, i) => {
    const out = new Array<number>(v[0]!.length).fill(0);
    for (let h = 0; h < heads; h++) {
      const keep = k.map((_, j) => (mask ? mask[i]![j]! : 1));
      if (!keep.some((x) => x > 0)) continue; // a fully masked row outputs zeros (DM)
      const logits = k.map((kj, j) => {
        let s = 0;
        for (let c = 0; c < dh; c++) s += qi[h * dh + c]! * kj[h * dh + c]!;
        return keep[j] ? s / Math.sqrt(dh) : -Infinity;
      });
      const mx = Math.max(...logits);
      const e = logits.map((x) => Math.exp(x - mx));
      const z = e.reduce((a, b) => a + b, 0);
      for (let j = 0; j < k.length; j++)
        for (let c = 0; c < dv; c++) out[h * dv + c]! += (e[j]! / z) * v[j]![h * dv + c]!;
    }
    return out;
  });
}
function expectClose(actual: ArrayLike<number>, expected: number[], tol: number): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++)
    worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!) / (1 + Math.abs(expected[i]!)));
  expect(worst).toBeLessThan(tol);
}

describe('attention core', () => {
  it('matches a hand-written loop (2 heads, scale 1/√(qk/h))', () => {
    const [tq, tk, qk, vc, h] = [3, 5, 8, 6, 2];
    const q = rand(tq * qk, 1);
    const k = rand(tk * qk, 2);
    const v = rand(tk * vc, 3);
    const expected = mha(mat(q, tq, qk), mat(k, tk, qk), mat(v, tk, vc), h).flat();
    const before = tf.memory().numTensors;
    const y = tf.tidy(() =>
      attend(tf.tensor3d(q, [1, tq, qk]), tf.tensor3d(k, [1, tk, qk]), tf.tensor3d(v, [1, tk, vc]), h),
    );
    expectClose(y.dataSync(), expected, 1e-5);
    y.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('masks keys, and a fully masked row gives zeros, never NaN', () => {
    const [tq, tk, qk, vc] = [3, 4, 4, 4];
    const q = rand(tq * qk, 4);
    const k = rand(tk * qk, 5);
    const v = rand(tk * vc, 6);
    const mask = [
      [1, 1, 0, 0],
      [0, 0, 0, 0],
      [1, 0, 1, 1],
    ];
    const expected = mha(mat(q, tq, qk), mat(k, tk, qk), mat(v, tk, vc), 2, mask).flat();
    const y = tf.tidy(() =>
      attend(
        tf.tensor3d(q, [1, tq, qk]),
        tf.tensor3d(k, [1, tk, qk]),
        tf.tensor3d(v, [1, tk, vc]),
        2,
        tf.tensor3d(mask.flat(), [1, tq, tk]),
      ),
    );
    const got = y.dataSync();
    expect([...got].every(Number.isFinite)).toBe(true);
    expectClose(got, expected, 1e-5);
    expect([...got.slice(4, 8)]).toEqual([0, 0, 0, 0]);
    y.dispose();
  });
});

describe('LayerNorm and GELU', () => {
  it('LayerNorm uses eps 1e-5 (not the tfjs default 1e-3)', () => {
    // Variance ~1e-6: eps 1e-5 and 1e-3 give visibly different results.
    const x = [0, 0.001, 0.002, 0.003, -0.001, 0.0025];
    const g = [1, 2, 0.5, 1, 1, 3];
    const b = [0, 0.1, 0, -0.2, 0, 0];
    const expected = ln([x], g, b, 1e-5)[0]!;
    const wrong = ln([x], g, b, 1e-3)[0]!;
    expect(Math.max(...expected.map((e, i) => Math.abs(e - wrong[i]!)))).toBeGreaterThan(0.5);
    for (const f of ['stock', 'tuned'] as const) {
      setFormulation(f);
      const y = tf.tidy(() => layerNorm(tf.tensor2d(x, [1, 6]), tf.tensor1d(g), tf.tensor1d(b)));
      expectClose(y.dataSync(), expected, 1e-4);
      y.dispose();
    }
    setFormulation('stock');
  });

  it('GELU: tanh approximation and exact erf', () => {
    const xs = [-3, -1.5, -0.5, -0.1, 0, 0.3, 1, 2.5];
    const t = tf.tensor1d(xs);
    const yt = gelu(t, 'tanh');
    const ye = gelu(t, 'erf');
    expectClose(yt.dataSync(), xs.map(geluTanh), 1e-6);
    expectClose(ye.dataSync(), xs.map(geluErf), 1e-6);
    // The two forms really differ (so the option matters for checkpoint parity).
    expect(Math.abs(geluTanh(-1.5) - geluErf(-1.5))).toBeGreaterThan(1e-4);
    tf.dispose([t, yt, ye]);
  });
});

describe('Fourier features (docs/ARCHITECTURE.md §A.2)', () => {
  it('channel order [x_1..x_d, sin(all dims), cos(all dims)] and linear bands', () => {
    const dims = [3, 4];
    const K = 3;
    const maxRes = [3, 4];
    const { data, channels } = fourierFeatures({
      indexDims: dims,
      numBands: K,
      maxResolution: maxRes,
      concatPos: true,
      sineOnly: false,
    });
    expect(channels).toBe(2 * (2 * K + 1));
    const expected: number[] = [];
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 4; j++) {
        const pos = [-1 + (2 * i) / 2, -1 + (2 * j) / 3];
        const freqs = maxRes.map((r) => Array.from({ length: K }, (_, k) => 1 + ((r / 2 - 1) * k) / (K - 1)));
        expected.push(...pos);
        for (let d = 0; d < 2; d++) for (const f of freqs[d]!) expected.push(Math.sin(Math.PI * f * pos[d]!));
        for (let d = 0; d < 2; d++) for (const f of freqs[d]!) expected.push(Math.cos(Math.PI * f * pos[d]!));
      }
    }
    expectClose(data, expected, 1e-6);
  });

  it('channel counts of docs/ARCHITECTURE.md §A.2 rules 5 and 6', () => {
    expect(fourierChannels(2, { numBands: 64, concatPos: true, sineOnly: false })).toBe(258);
    expect(fourierChannels(3, { numBands: 32, concatPos: true, sineOnly: false })).toBe(195);
    expect(fourierChannels(1, { numBands: 192, concatPos: true, sineOnly: false })).toBe(385);
    expect(fourierChannels(2, { numBands: 5, concatPos: true, sineOnly: true })).toBe(12);
    expect(fourierChannels(2, { numBands: 5, concatPos: false, sineOnly: false })).toBe(20);
    expect(fourierChannels(2, { numBands: 5, concatPos: false, sineOnly: true })).toBe(10);
    for (const [concatPos, sineOnly] of [
      [true, false],
      [true, true],
      [false, false],
      [false, true],
    ] as const) {
      const { channels } = fourierFeatures({
        indexDims: [2, 3],
        numBands: 5,
        maxResolution: [2, 3],
        concatPos,
        sineOnly,
      });
      expect(channels).toBe(fourierChannels(2, { numBands: 5, concatPos, sineOnly }));
    }
  });
});

describe('AttentionBlock (full pre-LN block) against a plain-JS reference', () => {
  function referenceBlock(
    w: Record<string, number[]>,
    q: M,
    kv: M,
    o: { dq: number; dkv: number; qk: number; v: number; h: number; wf: number; residual: boolean; self: boolean },
  ): M {
    const W = (n: string, r: number, c: number) => mat(w[`${n}_kernel`]!, r, c);
    const qn = ln(q, w.ln_q_gamma!, w.ln_q_beta!);
    const kvn = o.self ? qn : ln(kv, w.ln_kv_gamma!, w.ln_kv_beta!);
    const Q = lin(qn, W('q', o.dq, o.qk), w.q_bias!);
    const K = lin(kvn, W('k', o.dkv, o.qk), w.k_bias!);
    const V = lin(kvn, W('v', o.dkv, o.v), w.v_bias!);
    const a = lin(mha(Q, K, V, o.h), W('o', o.v, o.dq), w.o_bias!);
    const x = o.residual ? q.map((r, i) => r.map((y, j) => y + a[i]![j]!)) : a;
    const hdn = lin(ln(x, w.ln_mlp_gamma!, w.ln_mlp_beta!), W('mlp1', o.dq, o.wf * o.dq), w.mlp1_bias!).map((r) =>
      r.map(geluTanh),
    );
    const m = lin(hdn, W('mlp2', o.wf * o.dq, o.dq), w.mlp2_bias!);
    return x.map((r, i) => r.map((y, j) => y + m[i]![j]!));
  }

  for (const self of [false, true]) {
    it(`${self ? 'self' : 'cross'}-attention with random weights`, () => {
      const o = self
        ? { dq: 8, dkv: 8, qk: 8, v: 8, h: 2, wf: 2, residual: true, self }
        : { dq: 6, dkv: 5, qk: 4, v: 6, h: 2, wf: 1, residual: true, self };
      const tq = 3;
      const tk = self ? 3 : 7;
      const layer = new AttentionBlock({
        ...o,
        heads: o.h,
        widening: o.wf,
        dropout: 0,
        gelu: 'tanh',
        useQueryResidual: o.residual,
        selfAttention: self,
        outputChannels: 0,
        chunkSize: 0,
        seed: 1,
      });
      const qv = rand(tq * o.dq, 11);
      const kvv = rand(tk * o.dkv, 12);
      const qT = tf.tensor3d(qv, [1, tq, o.dq]);
      const kvT = tf.tensor3d(kvv, [1, tk, o.dkv]);
      tf.dispose(layer.apply(self ? qT : [qT, kvT]) as tf.Tensor); // builds the weights
      const values: Record<string, number[]> = {};
      layer.weights.forEach((wt, i) => {
        const name = wt.name.split('/').pop()!;
        values[name] = rand(
          wt.shape.reduce((a, b) => a! * b!, 1)!,
          100 + i,
        ).map((x) => (name.includes('gamma') ? 1 + 0.3 * x : 0.5 * x));
        wt.write(tf.tensor(values[name]!, wt.shape as number[]));
      });
      const y = layer.apply(self ? qT : [qT, kvT]) as tf.Tensor;
      expectClose(y.dataSync(), referenceBlock(values, mat(qv, tq, o.dq), mat(kvv, tk, o.dkv), o).flat(), 2e-5);
      tf.dispose([y, qT, kvT]);
      layer.dispose();
    });
  }
});
