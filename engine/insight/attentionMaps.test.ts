import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../compile/compile.js';
import { tinyPerceiverDoc } from '../train/testModel.js';
import { captureAttention, latentDiagnostics, queryRow, rowEntropies, type AttentionMap } from './attentionMaps.js';

/** 4×4 grey image → 2×2 patches (4 ch) + Fourier (K=1) → 4 tokens × 10 ch; 3 latents × 8; no latent stack. */
const doc = tinyPerceiverDoc({ numLatents: 3, encoderHeads: 2, stack: null, decoderResidual: false, classes: 3 });

type Mat = number[][];
const matmul = (a: Mat, b: Mat): Mat => a.map((r) => b[0]!.map((_, j) => r.reduce((s, v, k) => s + v * b[k]![j]!, 0)));
function layerNorm(x: Mat, g: number[], b: number[]): Mat {
  return x.map((r) => {
    const m = r.reduce((a, v) => a + v, 0) / r.length;
    const v = r.reduce((a, u) => a + (u - m) ** 2, 0) / r.length;
    return r.map((u, i) => ((u - m) / Math.sqrt(v + 1e-5)) * g[i]! + b[i]!);
  });
}
const addBias = (x: Mat, b: number[]) => x.map((r) => r.map((v, i) => v + b[i]!));

describe('attention maps', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('are the probabilities the model really computes (checked against an independent computation)', () => {
    const { model, analysis } = compile(doc, { seed: 3 });
    // Random, non-trivial weights everywhere (LayerNorm scales too).
    const rand = new (class {
      s = 12345;
      next() {
        this.s = (this.s * 1103515245 + 12345) % 2147483648;
        return this.s / 2147483648 - 0.5;
      }
    })();
    model.setWeights(
      model.getWeights().map((w) =>
        tf.tensor(
          Array.from({ length: w.size }, () => rand.next() * 1.5),
          w.shape,
        ),
      ),
    );
    const pixels = Array.from({ length: 16 }, (_, i) => ((i * 7) % 16) / 15);
    const x = tf.tensor4d(pixels, [1, 4, 4, 1]);
    const maps = captureAttention(model, x, doc, analysis);
    x.dispose();

    const enc = maps.find((m) => m.nodeId === 'encoder')! as AttentionMap;
    expect(enc.role).toBe('encoder');
    expect([enc.heads, enc.queries, enc.keys]).toEqual([2, 3, 4]);
    expect(enc.keyGrid).toEqual([2, 2]);
    expect(maps.find((m) => m.nodeId === 'decoder')!.role).toBe('decoder');

    // Independent computation: patches (dh, dw, c order), Fourier features [x, sin, cos].
    const tokens: Mat = [];
    for (let pi = 0; pi < 2; pi++) {
      for (let pj = 0; pj < 2; pj++) {
        const patch: number[] = [];
        for (let dh = 0; dh < 2; dh++)
          for (let dw = 0; dw < 2; dw++) patch.push(pixels[(pi * 2 + dh) * 4 + pj * 2 + dw]!);
        const p1 = pi === 0 ? -1 : 1;
        const p2 = pj === 0 ? -1 : 1;
        tokens.push([
          ...patch,
          p1,
          p2,
          Math.sin(Math.PI * p1),
          Math.sin(Math.PI * p2),
          Math.cos(Math.PI * p1),
          Math.cos(Math.PI * p2),
        ]);
      }
    }
    const w = (name: string): number[] =>
      Array.from(
        model
          .getLayer('encoder')
          .weights.find((v) => v.originalName.endsWith(name))!
          .read()
          .dataSync(),
      );
    const w2 = (name: string, rows: number): Mat => {
      const flat = w(name);
      const cols = flat.length / rows;
      return Array.from({ length: rows }, (_, r) => flat.slice(r * cols, (r + 1) * cols));
    };
    const latents = w2is(model);
    function w2is(m: tf.LayersModel): Mat {
      const flat = Array.from(m.getLayer('latents').weights[0]!.read().dataSync());
      return Array.from({ length: 3 }, (_, r) => flat.slice(r * 8, (r + 1) * 8));
    }
    const qn = layerNorm(latents, w('ln_q_gamma'), w('ln_q_beta'));
    const kvn = layerNorm(tokens, w('ln_kv_gamma'), w('ln_kv_beta'));
    const Q = addBias(matmul(qn, w2('q_kernel', 8)), w('q_bias'));
    const K = addBias(matmul(kvn, w2('k_kernel', 10)), w('k_bias'));
    const dh = 5; // qk = 10 channels over 2 heads
    for (let h = 0; h < 2; h++) {
      for (let q = 0; q < 3; q++) {
        const logits = K.map((k) => {
          let s = 0;
          for (let c = h * dh; c < (h + 1) * dh; c++) s += Q[q]![c]! * k[c]!;
          return s / Math.sqrt(dh);
        });
        const mx = Math.max(...logits);
        const e = logits.map((l) => Math.exp(l - mx));
        const z = e.reduce((a, b) => a + b, 0);
        const expected = e.map((v) => v / z);
        const got = Array.from(queryRow(enc, q, h));
        got.forEach((g, k) => expect(g).toBeCloseTo(expected[k]!, 5));
      }
    }
    model.dispose();
  });

  it('diagnoses uniform and collapsed latents', () => {
    const uniform: AttentionMap = {
      layer: 'x',
      nodeId: 'x',
      call: 0,
      step: 0,
      heads: 1,
      queries: 3,
      keys: 4,
      probs: new Float32Array([0.25, 0.25, 0.25, 0.25, 1, 0, 0, 0, 1, 0, 0, 0]),
      keyGrid: null,
      role: 'encoder',
    };
    const ent = rowEntropies(uniform);
    expect(ent[0]).toBeCloseTo(Math.log(4), 6);
    expect(ent[1]).toBeCloseTo(0, 6);
    const d = latentDiagnostics(uniform);
    expect(d.nearUniform).toEqual([0]);
    expect(d.collapsedPairs).toEqual([[1, 2]]);
  });
});
