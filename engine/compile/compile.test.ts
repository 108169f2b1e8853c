import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadGraphDoc } from '../graph/load.js';
import type { GraphDoc } from '../graph/schema.js';
import { KINDS } from '../kinds/registry.js';
import { setFormulation } from '../layers/ops.js';
import { BUILDERS } from './builders.js';
import { compile, CompileError } from './compile.js';

const template = (): GraphDoc =>
  loadGraphDoc(readFileSync(join(__dirname, '../../templates/mnist-perceiver-io.json'), 'utf8'));

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Distinct variables of the layers whose name starts with a prefix. */
const distinctVars = (model: tf.LayersModel, prefix: string) =>
  new Set(model.weights.filter((w) => w.name.startsWith(prefix)).map((w) => w.id)).size;

describe('compile', () => {
  it('every registered kind has a builder', () => {
    for (const k of KINDS) expect(BUILDERS[k.kind], k.kind).toBeTypeOf('function');
  });

  it('the default template: countParams equals the analyser (96,292)', () => {
    const before = tf.memory().numTensors;
    const { model, analysis } = compile(template());
    expect(model.countParams()).toBe(96_292);
    expect(model.countParams()).toBe(analysis.totals.params);
    const x = tf.zeros([3, 28, 28, 1]);
    const y = model.predict(x) as tf.Tensor;
    expect(y.shape).toEqual([3, 10]);
    tf.dispose([x, y]);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('weight sharing in LatentStack really shares: one set of variables, applied every block', () => {
    const shared = compile(template()).model;
    const doc = template();
    const stack = doc.nodes.find((n) => n.id === 'stack')!;
    stack.params = { ...stack.params, shareWeights: false };
    const unshared = compile(doc).model;
    const perLayer = 16; // 2 LayerNorms ·2 + 6 Linears ·2 (self-attention: one LN before attention)
    expect(distinctVars(shared, 'stack__')).toBe(2 * perLayer);
    expect(distinctVars(unshared, 'stack__')).toBe(4 * perLayer);
    expect(unshared.countParams() - shared.countParams()).toBe(50_432);
    // Each shared layer object is called once per block.
    const layer0 = shared.getLayer('stack__layer0');
    expect(layer0.inboundNodes.length).toBe(2);
    shared.dispose();
    unshared.dispose();
  });

  it('the same seed gives the same weights; another seed different ones', () => {
    const a = compile(template(), { seed: 5 }).model;
    const b = compile(template(), { seed: 5 }).model;
    const c = compile(template(), { seed: 6 }).model;
    const w = (m: tf.LayersModel) => m.getLayer('latents').getWeights()[0]!.dataSync();
    expect([...w(a)]).toEqual([...w(b)]);
    expect([...w(a)]).not.toEqual([...w(c)]);
    [a, b, c].forEach((m) => m.dispose());
  });

  it('refuses an invalid graph with the analyser message', () => {
    const doc = template();
    doc.nodes.find((n) => n.id === 'encoder')!.params = { heads: 5 };
    expect(() => compile(doc)).toThrow(CompileError);
    expect(() => compile(doc)).toThrow(/qk_channels 42 is not divisible by 5 heads/);
  });
});

describe("'tuned' and 'stock' formulations", () => {
  it('give the same loss and gradients', () => {
    const doc = template();
    const x = tf.randomUniform([4, 28, 28, 1], 0, 1, 'float32', 3);
    const labels = tf.oneHot(tf.tensor1d([1, 7, 3, 0], 'int32'), 10);
    const run = (f: 'tuned' | 'stock') => {
      setFormulation(f);
      const { model } = compile(doc, { seed: 9 });
      const vars = model.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
      const out = tf.tidy(() => {
        const { value, grads } = tf.variableGrads(
          () => tf.losses.softmaxCrossEntropy(labels, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar,
          vars,
        );
        return { loss: value.dataSync()[0]!, grads: vars.map((v) => grads[v.name]!.dataSync()) };
      });
      model.dispose();
      return out;
    };
    const before = tf.memory().numTensors;
    const tuned = run('tuned');
    const stock = run('stock');
    expect(tf.memory().numTensors).toBe(before);
    expect(Math.abs(tuned.loss - stock.loss)).toBeLessThan(1e-5);
    let worst = 0;
    tuned.grads.forEach((g, i) => {
      const s = stock.grads[i]!;
      // Some gradients are zero in exact arithmetic (a key bias shifts every logit of a row
      // equally): compare those against a floor, not their own float noise.
      const scale = Math.max(1e-4, ...[...s].map(Math.abs));
      let w = 0;
      for (let k = 0; k < g.length; k++) w = Math.max(w, Math.abs(g[k]! - s[k]!) / scale);
      worst = Math.max(worst, w);
    });
    expect(worst).toBeLessThan(1e-3);
    // Gradients are not trivially zero.
    expect(Math.max(...stock.grads.map((g) => Math.max(...[...g].map(Math.abs))))).toBeGreaterThan(1e-4);
    tf.dispose([x, labels]);
    setFormulation('tuned');
  });
});
