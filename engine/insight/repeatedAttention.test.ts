/**
 * The original Perceiver's repeated cross-attend: every cross-attend is its own map, in order,
 * and each map is what the model really computes at that point — checked by recomputing the
 * whole chain (cross-attend → residual → MLP → next cross-attend) in plain JS.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../compile/compile.js';
import { validateDoc } from '../graph/load.js';
import { captureAttention, queryRow } from './attentionMaps.js';

function tinyPerceiver(depth: number, crossSharing: 'firstUnique' | 'allShared' | 'none', selfPerCross: number) {
  return validateDoc({
    schemaVersion: 1,
    name: 'tiny perceiver',
    nodes: [
      { id: 'image', kind: 'ImageInput', params: { height: 4, width: 4, channels: 1 } },
      { id: 'pixels', kind: 'ImagePixels', params: { spatialDownsample: 1 } },
      { id: 'fourier', kind: 'FourierPosition', params: { numBands: 1 } },
      { id: 'latents', kind: 'LatentArray', params: { numLatents: 3, channels: 8 } },
      {
        id: 'perceiver',
        kind: 'RepeatedCrossAttend',
        params: { depth, selfPerCross, crossSharing, selfSharing: 'allShared', crossHeads: 1, selfHeads: 2 },
      },
      { id: 'head', kind: 'MeanPoolClassifier', params: { numClasses: 3 } },
    ],
    edges: [
      { id: 'a', source: { node: 'image', port: 'out' }, target: { node: 'pixels', port: 'in' } },
      { id: 'b', source: { node: 'pixels', port: 'out' }, target: { node: 'fourier', port: 'in' } },
      { id: 'c', source: { node: 'latents', port: 'out' }, target: { node: 'perceiver', port: 'q' } },
      { id: 'd', source: { node: 'fourier', port: 'out' }, target: { node: 'perceiver', port: 'kv' } },
      { id: 'e', source: { node: 'perceiver', port: 'out' }, target: { node: 'head', port: 'in' } },
    ],
  });
}

type Mat = number[][];
const matmul = (a: Mat, b: Mat): Mat => a.map((r) => b[0]!.map((_, j) => r.reduce((s, v, k) => s + v * b[k]![j]!, 0)));
const addBias = (x: Mat, b: number[]) => x.map((r) => r.map((v, i) => v + b[i]!));
const add = (a: Mat, b: Mat) => a.map((r, i) => r.map((v, j) => v + b[i]![j]!));
function layerNorm(x: Mat, g: number[], b: number[]): Mat {
  return x.map((r) => {
    const m = r.reduce((a, v) => a + v, 0) / r.length;
    const v = r.reduce((a, u) => a + (u - m) ** 2, 0) / r.length;
    return r.map((u, i) => ((u - m) / Math.sqrt(v + 1e-5)) * g[i]! + b[i]!);
  });
}
const gelu = (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
const toMat = (t: tf.Tensor): Mat => (t.arraySync() as Mat[])[0]!;

/** One single-head cross-attention block in plain JS: returns its probabilities and output. */
function crossBlock(layer: tf.layers.Layer, z: Mat, x: Mat): { probs: Mat; out: Mat } {
  const w = (name: string): number[] =>
    Array.from(
      layer.weights
        .find((v) => v.originalName.endsWith(`/${name}`) || v.originalName === name)!
        .read()
        .dataSync(),
    );
  const w2 = (name: string): Mat => {
    const v = layer.weights.find((u) => u.originalName.endsWith(`/${name}`) || u.originalName === name)!;
    return v.read().arraySync() as Mat;
  };
  const qn = layerNorm(z, w('ln_q_gamma'), w('ln_q_beta'));
  const kvn = layerNorm(x, w('ln_kv_gamma'), w('ln_kv_beta'));
  const Q = addBias(matmul(qn, w2('q_kernel')), w('q_bias'));
  const K = addBias(matmul(kvn, w2('k_kernel')), w('k_bias'));
  const V = addBias(matmul(kvn, w2('v_kernel')), w('v_bias'));
  const probs = Q.map((q) => {
    const logits = K.map((k) => k.reduce((s, kv, c) => s + kv * q[c]!, 0) / Math.sqrt(q.length));
    const mx = Math.max(...logits);
    const e = logits.map((l) => Math.exp(l - mx));
    const sum = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / sum);
  });
  const attended = addBias(matmul(matmul(probs, V), w2('o_kernel')), w('o_bias'));
  const h = add(z, attended);
  const hidden = addBias(
    matmul(layerNorm(h, w('ln_mlp_gamma'), w('ln_mlp_beta')), w2('mlp1_kernel')),
    w('mlp1_bias'),
  ).map((r) => r.map(gelu));
  return { probs, out: add(h, addBias(matmul(hidden, w2('mlp2_kernel')), w('mlp2_bias'))) };
}

function randomiseWeights(model: tf.LayersModel, seed: number): void {
  let s = seed;
  const next = () => ((s = (s * 1103515245 + 12345) % 2147483648), s / 2147483648 - 0.5);
  model.setWeights(
    model.getWeights().map((w) =>
      tf.tensor(
        Array.from({ length: w.size }, () => next() * 1.5),
        w.shape,
      ),
    ),
  );
}

describe('attention maps of the repeated cross-attend (original Perceiver)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('records every successive cross-attend as its own step, with the weight set and call it used', () => {
    const doc = tinyPerceiver(3, 'firstUnique', 1);
    const { model, analysis } = compile(doc, { seed: 1 });
    const x = tf.randomUniform([1, 4, 4, 1], 0, 1, 'float32', 7);
    // The first run builds cached constants (Fourier features); the memory check is on later runs.
    captureAttention(model, x, doc, analysis);
    const before = tf.memory().numTensors;
    const maps = captureAttention(model, x, doc, analysis);
    expect(tf.memory().numTensors).toBe(before);
    const enc = maps.filter((m) => m.role === 'encoder');
    expect(enc.map((m) => [m.layer, m.step, m.call])).toEqual([
      ['perceiver__cross0', 0, 0],
      ['perceiver__cross1', 1, 0],
      ['perceiver__cross1', 2, 1],
    ]);
    for (const m of enc) {
      expect(m.keyGrid).toEqual([4, 4]);
      expect([m.queries, m.keys]).toEqual([3, 16]);
    }
    const self = maps.filter((m) => m.role === 'self');
    expect(self.map((m) => [m.layer, m.step, m.keyGrid])).toEqual([
      ['perceiver__self0_layer0', 0, null],
      ['perceiver__self0_layer0', 1, null],
      ['perceiver__self0_layer0', 2, null],
    ]);
    // Execution order: cross, self, cross, self, …
    expect(maps.map((m) => m.role[0]).join('')).toBe('eseses');
    x.dispose();
    model.dispose();
  });

  it('each step’s map is the attention the model computes from the latents at that point', () => {
    const doc = tinyPerceiver(3, 'firstUnique', 0);
    const { model, analysis } = compile(doc, { seed: 2 });
    randomiseWeights(model, 4242);
    const x = tf.tensor4d(
      Array.from({ length: 16 }, (_, i) => ((i * 5) % 16) / 15),
      [1, 4, 4, 1],
    );
    const maps = captureAttention(model, x, doc, analysis).filter((m) => m.role === 'encoder');
    expect(maps).toHaveLength(3);

    const tokensModel = tf.model({
      inputs: model.inputs,
      outputs: model.getLayer('fourier').output as tf.SymbolicTensor,
    });
    const tokensT = tokensModel.predict(x) as tf.Tensor;
    const tokens = toMat(tokensT);
    let z = model.getLayer('latents').weights[0]!.read().arraySync() as Mat;
    const layers = ['perceiver__cross0', 'perceiver__cross1', 'perceiver__cross1'];
    layers.forEach((name, step) => {
      const { probs, out } = crossBlock(model.getLayer(name), z, tokens);
      for (let q = 0; q < 3; q++) {
        const got = Array.from(queryRow(maps[step]!, q, 0));
        got.forEach((g, k) => expect(g).toBeCloseTo(probs[q]![k]!, 5));
      }
      z = out;
    });
    // The glance really moves: step 1 and step 2 share weights but read different places.
    const diff = maps[1]!.probs.reduce((a, p, i) => a + Math.abs(p - maps[2]!.probs[i]!), 0);
    expect(diff).toBeGreaterThan(1e-3);
    tf.dispose([x, tokensT]);
    model.dispose();
  });
});
