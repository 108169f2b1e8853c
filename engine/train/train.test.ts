import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../compile/compile.js';
import { newSkipped } from '../data/errors.js';
import { arrayDataset, type TabularData } from '../data/tabular.js';
import { ArraySplit, type Dataset } from '../data/dataset.js';
import { mulberry32 } from '../data/random.js';
import { useNodeBackend } from '../node/backend.js';
import type { Checkpoint } from './checkpoint.js';
import { tinyPerceiverDoc } from './testModel.js';
import { clipByGlobalNorm, evaluate, train } from './train.js';

beforeAll(async () => {
  await useNodeBackend('wasm');
});

/** 4×4 images: class 0 bright on top, class 1 bright at the bottom, with noise. */
function stripes(n: number, seed = 1, scale = 1): TabularData {
  const rand = mulberry32(seed);
  const features = new Float32Array(n * 16);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 2;
    for (let p = 0; p < 16; p++) {
      const top = p < 8;
      features[i * 16 + p] = scale * ((top === (labels[i] === 0) ? 0.8 : 0.1) + 0.2 * rand());
    }
  }
  return {
    features,
    labels,
    n,
    featureShape: [4, 4, 1],
    featureNames: [],
    targetName: 'y',
    classNames: ['top', 'bottom'],
    skipped: newSkipped(),
  };
}

const weightsOf = (m: tf.LayersModel) => m.weights.map((w) => Array.from(w.read().dataSync()));

describe('train', () => {
  it('20 epochs: numTensors does not grow across epochs and returns to baseline after dispose', async () => {
    const base = tf.memory().numTensors;
    const doc = tinyPerceiverDoc({ training: { epochs: 20, batchSize: 16, learningRate: 0.01 } });
    const data = arrayDataset('stripes', stripes(64), { validationFraction: 0.25, testFraction: 0.25, seed: 1 });
    const { model } = compile(doc);
    // The first call builds the model's cached constants (Fourier features); they are the model's.
    tf.dispose(tf.tidy(() => model.predict(tf.zeros([1, 4, 4, 1])) as tf.Tensor));
    const afterCompile = tf.memory().numTensors;
    const perEpoch: number[] = [];
    const result = await train(model, data, doc.training, { onEpoch: () => perEpoch.push(tf.memory().numTensors) });
    expect(result.status).toBe('done');
    expect(result.epochs).toHaveLength(20);
    expect(new Set(perEpoch).size).toBe(1);
    // Only the snapshot of the last good weights is alive between epochs, and then released.
    expect(tf.memory().numTensors).toBe(afterCompile);
    expect(result.test!.accuracy).toBeGreaterThanOrEqual(0.9);
    expect(result.epochs[19]!.loss).toBeLessThan(result.epochs[0]!.loss);
    model.dispose();
    expect(tf.memory().numTensors).toBe(base);
  });

  it('resumes from a checkpoint exactly where an uninterrupted run would be', async () => {
    const doc = tinyPerceiverDoc({ training: { epochs: 2, batchSize: 8 } });
    const data = arrayDataset('stripes', stripes(32), { validationFraction: 0.25, testFraction: 0, seed: 2 });
    const straight = compile(doc).model;
    await train(straight, data, doc.training, { evaluateTest: false });
    const expected = weightsOf(straight);
    straight.dispose();

    const first = compile(doc).model;
    let ckpt: Checkpoint | undefined;
    await train(
      first,
      data,
      { ...doc.training, epochs: 1 },
      { evaluateTest: false, onCheckpoint: async (_e, capture) => void (ckpt = await capture()) },
    );
    const trainable = first.trainableWeights.length;
    first.dispose();
    expect(ckpt!.manifest.epoch).toBe(1);
    expect(ckpt!.manifest.step).toBe(3);
    expect(ckpt!.manifest.optimizerIterations).toBe(3);
    expect(ckpt!.manifest.optimizer.length).toBe(2 * trainable);

    const before = tf.memory().numTensors;
    const second = compile(doc, { seed: 999 }).model; // different init: the checkpoint must overwrite it
    const r = await train(second, data, doc.training, { evaluateTest: false, resume: ckpt });
    expect(r.epochs.map((e) => e.epoch)).toEqual([1, 2]);
    const got = weightsOf(second);
    got.forEach((w, i) => w.forEach((v, j) => expect(v).toBeCloseTo(expected[i]![j]!, 5)));
    second.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a run stopped inside an epoch checkpoints and resumes at the next batch, as if never stopped', async () => {
    const doc = tinyPerceiverDoc({ training: { epochs: 2, batchSize: 4 } });
    const data = arrayDataset('stripes', stripes(40), { validationFraction: 0.2, testFraction: 0, seed: 3 });
    const straight = compile(doc).model;
    const full = await train(straight, data, doc.training, { evaluateTest: false });
    const expected = weightsOf(straight);
    straight.dispose();

    // 8 steps per epoch: stop after step 11 (3 batches into epoch 2).
    const first = compile(doc).model;
    let steps = 0;
    let ckpt: Checkpoint | undefined;
    const stopped = await train(first, data, doc.training, {
      evaluateTest: false,
      onStep: () => void steps++,
      shouldStop: () => steps >= 11,
      onStopCheckpoint: async (capture) => void (ckpt = await capture()),
    });
    first.dispose();
    expect(stopped.status).toBe('stopped');
    expect(ckpt!.manifest.epoch).toBe(1);
    expect(ckpt!.manifest.step).toBe(11);
    expect(ckpt!.manifest.partialEpoch!.steps).toBe(3);

    const second = compile(doc, { seed: 5 }).model;
    const r = await train(second, data, doc.training, { evaluateTest: false, resume: ckpt });
    expect(r.steps).toBe(16);
    expect(r.epochs.map((e) => e.epoch)).toEqual([1, 2]);
    // The resumed epoch's figures cover all its batches, as the uninterrupted run's did.
    expect(r.epochs[1]!.loss).toBeCloseTo(full.epochs[1]!.loss, 5);
    const got = weightsOf(second);
    got.forEach((w, i) => w.forEach((v, j) => expect(v).toBeCloseTo(expected[i]![j]!, 5)));
    second.dispose();
  });

  it('maxEvalExamples limits validation and test to that many examples', async () => {
    const doc = tinyPerceiverDoc({ training: { epochs: 1, batchSize: 8 } });
    const data = arrayDataset('stripes', stripes(200), { validationFraction: 0.3, testFraction: 0.3, seed: 4 });
    const m = compile(doc).model;
    const r = await train(m, data, doc.training, { maxStepsPerEpoch: 2, maxEvalExamples: 16 });
    m.dispose();
    expect(r.test!.examples).toBe(16);
    expect(data.test.size).toBeGreaterThan(16);
  });

  it('refuses a checkpoint from another architecture, naming the weight', async () => {
    const doc = tinyPerceiverDoc();
    const data = arrayDataset('stripes', stripes(16), { validationFraction: 0, testFraction: 0 });
    const m = compile(doc).model;
    let ckpt: Checkpoint | undefined;
    await train(
      m,
      data,
      { ...doc.training, epochs: 1 },
      { evaluateTest: false, onCheckpoint: async (_e, c) => void (ckpt = await c()) },
    );
    m.dispose();
    const other = tinyPerceiverDoc();
    other.nodes.find((n) => n.id === 'latents')!.params = { numLatents: 3, channels: 8 };
    const o = compile(other).model;
    await expect(train(o, data, doc.training, { resume: ckpt })).rejects.toThrow(
      /weight ".*" has shape \[2, 8\] in the checkpoint but \[3, 8\] in the model/,
    );
    o.dispose();
  });

  it('stops on a NaN loss with a message and restores the last good weights', async () => {
    const doc = tinyPerceiverDoc({ training: { epochs: 3, batchSize: 8 } });
    const good = stripes(32);
    // Epoch 1 trains on good data; from epoch 2 the split hands out overflowing inputs.
    const bad = stripes(32, 1, 1e38);
    const ds = arrayDataset('stripes', good, { validationFraction: 0, testFraction: 0 });
    const badSplit = new ArraySplit(
      bad.features,
      bad.labels,
      Uint32Array.from({ length: 32 }, (_, i) => i),
      [4, 4, 1],
    );
    let epoch = 0;
    const data: Dataset = {
      ...ds,
      train: {
        size: 32,
        example: (i) => ds.train.example(i),
        batches: (b, o) => ((o?.epoch ?? 0) >= 1 ? badSplit.batches(b, o) : ds.train.batches(b, o)),
      },
    };
    const m = compile(doc).model;
    let afterEpoch1: number[][] = [];
    const r = await train(m, data, doc.training, {
      onEpoch: () => {
        if (++epoch === 1) afterEpoch1 = weightsOf(m);
      },
    });
    expect(r.status).toBe('diverged');
    expect(r.message).toMatch(
      /^The loss became (NaN|too large .*) at epoch 2, step 1; training stopped and the weights of the last good epoch were restored\. Lower the learning rate/,
    );
    expect(weightsOf(m)).toEqual(afterEpoch1);
    expect(r.test).toBeNull();
    m.dispose();
  });

  it('pauses between steps and stops cleanly', async () => {
    const doc = tinyPerceiverDoc({ training: { epochs: 5, batchSize: 8 } });
    const data = arrayDataset('stripes', stripes(32), { validationFraction: 0, testFraction: 0.25 });
    const m = compile(doc).model;
    let steps = 0;
    let pauses = 0;
    const r = await train(m, data, doc.training, {
      onStep: () => steps++,
      waitIfPaused: async () => void pauses++,
      shouldStop: () => steps >= 4,
    });
    expect(r.status).toBe('stopped');
    expect(steps).toBe(4);
    expect(pauses).toBe(4);
    m.dispose();
  });
});

describe('clipByGlobalNorm', () => {
  it('scales all gradients by one factor to the max norm, and leaves small ones alone', () => {
    const out = tf.tidy(() => {
      const big = clipByGlobalNorm({ a: tf.tensor1d([3, 0]), b: tf.tensor1d([0, 4]) }, 1);
      const small = clipByGlobalNorm({ a: tf.tensor1d([0.3, 0]), b: tf.tensor1d([0, 0.4]) }, 1);
      return [...big.a!.dataSync(), ...big.b!.dataSync(), ...small.a!.dataSync(), ...small.b!.dataSync()];
    });
    [0.6, 0, 0, 0.8, 0.3, 0, 0, 0.4].forEach((v, i) => expect(out[i]).toBeCloseTo(v, 5));
  });
});

describe('evaluate', () => {
  it('computes loss, the confusion matrix, per-class accuracy and the misclassified examples', async () => {
    // A fixed linear model: logits = x (identity), so the prediction is argmax(x).
    const model = tf.sequential({
      layers: [tf.layers.dense({ units: 3, inputShape: [3], useBias: false, weights: [tf.eye(3)] })],
    });
    const x = new Float32Array([5, 0, 0, 0, 5, 0, 0, 0, 5, 5, 0, 0, 0, 5, 0, 0, 0, 5]);
    const y = new Int32Array([0, 1, 2, 1, 1, 0]);
    const split = new ArraySplit(x, y, Uint32Array.from([0, 1, 2, 3, 4, 5]), [3]);
    const r = await evaluate(model, split, [3], 3);
    expect(r.confusion).toEqual([
      [1, 0, 1],
      [1, 2, 0],
      [0, 0, 1],
    ]);
    expect(r.accuracy).toBeCloseTo(4 / 6, 6);
    expect(r.perClassAccuracy[0]).toBeCloseTo(0.5, 6);
    expect(r.perClassAccuracy[1]).toBeCloseTo(2 / 3, 6);
    expect(r.perClassAccuracy[2]).toBe(1);
    expect(r.mistakes).toEqual([
      { index: 3, label: 1, predicted: 0 },
      { index: 5, label: 0, predicted: 2 },
    ]);
    // Cross-entropy of logits (5,0,0): correct → log(1+2e⁻⁵); wrong → 5 + log(1+2e⁻⁵).
    const l = Math.log(1 + 2 * Math.exp(-5));
    expect(r.loss).toBeCloseTo((6 * l + 2 * 5) / 6, 4);
    model.dispose();
  });
});
