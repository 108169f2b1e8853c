import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../compile/compile.js';
import { tinyPerceiverDoc } from '../train/testModel.js';
import { classificationLoss } from '../train/train.js';
import { captureAttention } from './attentionMaps.js';
import { summariseEpoch } from './diagnostics.js';
import { gradientNormsByNode } from './gradients.js';

const doc = tinyPerceiverDoc({
  numLatents: 3,
  stack: { layersPerBlock: 1, blocks: 2, heads: 2, shareWeights: true },
  decoderResidual: false,
  classes: 3,
});

const loss = (logits: tf.Tensor, y: tf.Tensor) => classificationLoss(logits, y, 3, 0);

describe('gradient norm per node', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('covers every trainable node, leaves the weights alone, and each norm is the slope of the loss along the node’s gradient', () => {
    const { model } = compile(doc, { seed: 5 });
    const x = tf.randomUniform([4, 4, 4, 1], 0, 1, 'float32', 11);
    const y = tf.tensor1d([0, 1, 2, 1], 'int32');
    model.predict(x); // build cached constants before counting tensors
    const weightsBefore = model.getWeights().map((w) => Array.from(w.dataSync()));
    const before = tf.memory().numTensors;
    const norms = gradientNormsByNode(model, doc, x, y, loss);
    expect(tf.memory().numTensors).toBe(before);
    expect(norms.map((n) => n.nodeId).sort()).toEqual(['decoder', 'encoder', 'head', 'latents', 'query', 'stack']);
    expect(model.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(weightsBefore);
    const byId = Object.fromEntries(norms.map((n) => [n.nodeId, n]));
    expect(byId.latents!.params).toBe(24);
    expect(norms.reduce((a, n) => a + n.params, 0)).toBe(model.countParams());
    for (const n of norms) expect(Number.isFinite(n.norm) && n.norm > 0).toBe(true);

    // Independent check by finite differences: moving the node's weights a distance ε along
    // its own gradient changes the loss by ε·‖g‖.
    for (const nodeId of ['encoder', 'head', 'latents']) {
      const layers = model.layers.filter((l) => l.name === nodeId || l.name.startsWith(`${nodeId}__`));
      const vars = layers.flatMap((l) => l.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val));
      const { grads } = tf.variableGrads(() => loss(model.apply(x, { training: true }) as tf.Tensor, y), vars);
      const gnorm = Math.sqrt(vars.reduce((a, v) => a + tf.sum(tf.square(grads[v.name]!)).dataSync()[0]!, 0));
      // Small next to the latents (init scale 0.02), whose LayerNorm makes the loss curve sharply.
      const eps = 1e-3;
      const orig = vars.map((v) => v.clone());
      const lossAt = (sign: number) => {
        vars.forEach((v, i) => v.assign(tf.add(orig[i]!, tf.mul(grads[v.name]!, (sign * eps) / gnorm))));
        return loss(model.predict(x) as tf.Tensor, y).dataSync()[0]!;
      };
      const slope = (lossAt(1) - lossAt(-1)) / (2 * eps);
      vars.forEach((v, i) => v.assign(orig[i]!));
      expect(Math.abs(slope - byId[nodeId]!.norm) / byId[nodeId]!.norm).toBeLessThan(0.01);
      tf.dispose([...orig, ...Object.values(grads)]);
    }
    tf.dispose([x, y]);
    model.dispose();
  });

  it('summarises an epoch as plain numbers: entropy per latent, similarity, gradients', () => {
    const { model, analysis } = compile(doc, { seed: 5 });
    const x = tf.randomUniform([1, 4, 4, 1], 0, 1, 'float32', 3);
    const maps = captureAttention(model, x, doc, analysis);
    const d = summariseEpoch(2, maps, [{ nodeId: 'encoder', norm: 0.5, params: 10 }]);
    expect(d.epoch).toBe(2);
    expect(d.crossAttends).toHaveLength(1);
    const c = d.crossAttends[0]!;
    expect([c.nodeId, c.step, c.latents, c.keys]).toEqual(['encoder', 0, 3, 4]);
    expect(c.normalisedEntropy).toHaveLength(3);
    for (const e of c.normalisedEntropy) {
      expect(e).toBeGreaterThan(0);
      expect(e).toBeLessThanOrEqual(1 + 1e-6);
    }
    expect(c.similarity).toHaveLength(9);
    expect(c.similarity![0]).toBeCloseTo(1, 6);
    expect(c.similarity![1]).toBeCloseTo(c.similarity![3]!, 6);
    // Survives structured cloning (the worker posts it) unchanged.
    expect(structuredClone(d)).toEqual(d);
    tf.dispose(x);
    model.dispose();
  });
});
