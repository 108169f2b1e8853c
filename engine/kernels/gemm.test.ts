import { spawnSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../node/backend.js';
import {
  checkBackendInternals,
  checkOwnKernels,
  EXPECTED_TFJS,
  ownKernelsStatus,
  setOwnKernelsAllowed,
  useOwnKernels,
} from './index.js';

beforeAll(async () => {
  await useNodeBackend('wasm');
  useOwnKernels(true);
});
afterAll(() => useOwnKernels(false));

/** Deterministic uniform(-1, 1) values. */
function rand(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32) * 2 - 1;
  }
  return out;
}

/** float64 reference of op(a)·op(b) (+ bias) with rank-3 operands (batch 1 broadcasts). */
function reference(
  a: Float32Array,
  aShape: number[],
  b: Float32Array,
  bShape: number[],
  tA: boolean,
  tB: boolean,
  bias: Float32Array | null,
) {
  const [ba, ra, ca] = aShape as [number, number, number];
  const [bb, rb, cb] = bShape as [number, number, number];
  const M = tA ? ca : ra,
    K = tA ? ra : ca,
    N = tB ? rb : cb;
  const batch = Math.max(ba, bb);
  const out = new Float64Array(batch * M * N);
  const bound = new Float64Array(batch * M * N);
  for (let t = 0; t < batch; t++) {
    const oa = (ba === 1 ? 0 : t) * M * K,
      ob = (bb === 1 ? 0 : t) * K * N;
    for (let i = 0; i < M; i++)
      for (let j = 0; j < N; j++) {
        let s = bias ? bias[j]! : 0;
        let m = Math.abs(s);
        for (let q = 0; q < K; q++) {
          const p = a[oa + (tA ? q * M + i : i * K + q)]! * b[ob + (tB ? j * K + q : q * N + j)]!;
          s += p;
          m += Math.abs(p);
        }
        out[(t * M + i) * N + j] = s;
        bound[(t * M + i) * N + j] = m;
      }
  }
  return { out, bound, M, N, batch };
}

describe('own GEMM kernels on the wasm backend', () => {
  it('attach to tfjs ' + EXPECTED_TFJS + ' (internals as expected, self-test passed)', () => {
    expect(tf.version_core).toBe(EXPECTED_TFJS);
    const st = checkOwnKernels();
    expect(st.reason).toBeNull();
    expect(st.registered).toBe(true);
    expect(st.attached).toBe(true);
    expect(['simd', 'relaxed']).toContain(st.variant);
    expect(checkBackendInternals(tf.backend())).toBeNull();
  });

  it('refuse loudly a backend whose internals differ', () => {
    expect(checkBackendInternals({ wasm: {} })).toMatch(/backend\.wasm\.asm\.memory/);
    const be = tf.backend() as unknown as { wasm: object; dataIdMap: object; makeOutput: unknown };
    expect(
      checkBackendInternals({
        wasm: { ...be.wasm, _malloc: undefined },
        dataIdMap: be.dataIdMap,
        makeOutput: be.makeOutput,
      }),
    ).toMatch(/_malloc/);
  });

  it('match a float64 reference: random odd shapes, every transpose mode, batched and broadcast, with and without bias', () => {
    const before = tf.memory().numTensors;
    const calls0 = ownKernelsStatus().ownCalls;
    let seed = 7;
    let checked = 0;
    const dims = [1, 2, 3, 4, 5, 7, 8, 9, 13, 16, 17, 31, 33, 64, 65];
    for (let trial = 0; trial < 60; trial++) {
      const pick = () => dims[(seed = (Math.imul(seed, 48271) + 11) >>> 0) % dims.length]!;
      const M = pick(),
        K = pick(),
        N = pick();
      const tA = (trial & 1) === 1,
        tB = (trial & 2) === 2;
      const mode = trial % 5; // 0: 2-D, 1: batched, 2: a broadcast, 3: b broadcast, 4: rank-4 batched
      const batch = mode === 0 ? 1 : 1 + (trial % 3) + 1;
      const ba = mode === 2 ? 1 : batch,
        bb = mode === 3 ? 1 : batch;
      const aShape = [ba, tA ? K : M, tA ? M : K],
        bShape = [bb, tB ? N : K, tB ? K : N];
      const av = rand(ba * M * K, trial * 3 + 1),
        bv = rand(bb * K * N, trial * 3 + 2);
      const biasV = trial % 3 === 0 ? null : rand(N, trial * 3 + 3);
      const ref = reference(av, aShape, bv, bShape, tA, tB, biasV);
      const got = tf.tidy(() => {
        const shapeOf = (s: number[], keep: boolean) =>
          mode === 0 ? s.slice(1) : mode === 4 && keep ? [1, s[0]!, s[1]!, s[2]!] : s;
        const a = tf.tensor(av, shapeOf(aShape, true));
        const b = tf.tensor(bv, shapeOf(bShape, true));
        const y = biasV
          ? tf.fused.matMul({
              a: a as tf.Tensor3D,
              b: b as tf.Tensor3D,
              transposeA: tA,
              transposeB: tB,
              bias: tf.tensor1d(biasV),
            })
          : tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D, tA, tB);
        expect(y.size).toBe(ref.batch * ref.M * ref.N);
        return y.dataSync() as Float32Array;
      });
      for (let i = 0; i < got.length; i++) {
        const err = Math.abs(got[i]! - ref.out[i]!);
        if (!(err <= 1e-6 * (1 + ref.bound[i]!)))
          throw new Error(
            `trial ${trial} M=${M} K=${K} N=${N} tA=${tA} tB=${tB} batch=${ba}/${bb} bias=${!!biasV}: [${i}] ${got[i]} vs ${ref.out[i]}`,
          );
      }
      checked++;
    }
    expect(checked).toBe(60);
    expect(ownKernelsStatus().ownCalls - calls0).toBe(60);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('agree with the stock kernels within 1e-5 and hand unsupported cases to them', () => {
    const cases: { a: number[]; b: number[]; tA: boolean; tB: boolean }[] = [
      { a: [1024, 64], b: [64, 64], tA: false, tB: false },
      { a: [1024, 64], b: [1024, 64], tA: true, tB: false },
      { a: [1024, 64], b: [192, 64], tA: false, tB: true },
      { a: [128, 32, 16], b: [128, 32, 16], tA: false, tB: true },
    ];
    for (const c of cases) {
      const [mine, theirs] = [true, false].map((on) => {
        setOwnKernelsAllowed(on);
        return tf.tidy(() => {
          const a: tf.Tensor = tf.tensor(
            rand(
              c.a.reduce((x, y) => x * y),
              5,
            ),
            c.a,
          );
          const b: tf.Tensor = tf.tensor(
            rand(
              c.b.reduce((x, y) => x * y),
              6,
            ),
            c.b,
          );
          return tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D, c.tA, c.tB).dataSync();
        });
      });
      setOwnKernelsAllowed(true);
      let worst = 0;
      // Normwise (relative to the output's RMS): K = 1024 sums of ±1 products reach |30|, where
      // float32 rounding alone differs by ~4e-5 between two summation orders.
      let ss = 0;
      for (let i = 0; i < theirs!.length; i++) ss += theirs![i]! ** 2;
      const rms = Math.max(1, Math.sqrt(ss / theirs!.length));
      for (let i = 0; i < mine!.length; i++) worst = Math.max(worst, Math.abs(mine![i]! - theirs![i]!) / rms);
      expect(worst).toBeLessThan(1e-5);
    }
    // A fused activation is not ours: it must reach the stock kernel and still be right.
    const stock0 = ownKernelsStatus().stockCalls;
    const y = tf.tidy(() =>
      tf.fused.matMul({ a: tf.tensor2d([[1, -2]]), b: tf.tensor2d([[1], [1]]), activation: 'relu' }).dataSync(),
    );
    expect(Array.from(y)).toEqual([0]);
    expect(ownKernelsStatus().stockCalls).toBe(stock0 + 1);
  });

  it('pick the relaxed-SIMD build where the engine accepts it, and it is as correct (child Node with the flag)', () => {
    const script = `
      import * as tf from '@tensorflow/tfjs';
      import { useNodeBackend } from './engine/node/backend.ts';
      import { checkOwnKernels, setOwnKernelsAllowed } from './engine/kernels/index.ts';
      await useNodeBackend('wasm');
      const st = checkOwnKernels();
      const a = tf.randomNormal([37, 65], 0, 1, 'float32', 1), b = tf.randomNormal([19, 65], 0, 1, 'float32', 2);
      const own = tf.matMul(a, b, false, true).dataSync();
      setOwnKernelsAllowed(false);
      const stock = tf.matMul(a, b, false, true).dataSync();
      let worst = 0;
      for (let i = 0; i < own.length; i++) worst = Math.max(worst, Math.abs(own[i] - stock[i]));
      console.log(JSON.stringify({ variant: st.variant, attached: st.attached, reason: st.reason, worst }));`;
    const r = spawnSync(
      process.execPath,
      ['--experimental-wasm-relaxed-simd', '--import', 'tsx', '--input-type=module', '-e', script],
      { encoding: 'utf8', cwd: `${__dirname}/../..` },
    );
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(out).toMatchObject({ variant: 'relaxed', attached: true, reason: null });
    expect(out.worst).toBeLessThan(1e-4);
  });
});
