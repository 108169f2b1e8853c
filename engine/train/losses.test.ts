import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../compile/compile.js';
import { ArraySplit, type Dataset } from '../data/dataset.js';
import { newSkipped } from '../data/errors.js';
import { mulberry32 } from '../data/random.js';
import { BYTE_VOCAB, textDataset } from '../data/text.js';
import { analyse } from '../graph/analyse.js';
import { useNodeBackend } from '../node/backend.js';
import { BindError, bindToData } from './bindData.js';
import { classificationLoss, planTraining, regressionLoss, tokenClassificationLoss } from './losses.js';
import { tinyMlmDoc, tinyPerceiverDoc, tinyRegressionDoc } from './testModel.js';
import { evaluate, train } from './train.js';

beforeAll(async () => {
  await useNodeBackend('wasm');
});

/** Natural-log softmax cross-entropy of one row, computed by hand. */
function ce(row: number[], label: number): number {
  const m = Math.max(...row);
  const lse = m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0));
  return lse - row[label]!;
}

describe('loss functions', () => {
  it('token cross-entropy is the mean over masked positions only', () => {
    const logits = [
      [
        [2, 0, -1],
        [0, 1, 0],
        [0.5, 0.5, 3],
      ],
      [
        [1, 1, 1],
        [-2, 4, 0],
        [0, 0, 0],
      ],
    ];
    const labels = [
      [0, 2, 1],
      [1, 1, 0],
    ];
    const mask = [
      [1, 0, 1],
      [0, 1, 0],
    ];
    const expected = (ce(logits[0]![0]!, 0) + ce(logits[0]![2]!, 1) + ce(logits[1]![1]!, 1)) / 3;
    const l = tokenClassificationLoss(
      tf.tensor3d(logits),
      tf.tensor2d(labels, undefined, 'int32'),
      tf.tensor2d(mask),
      3,
      0,
    );
    expect(l.dataSync()[0]).toBeCloseTo(expected, 5);
    // Without a mask every position counts.
    const all = logits.flatMap((r, i) => r.map((row, j) => ce(row, labels[i]![j]!)));
    expect(
      tokenClassificationLoss(tf.tensor3d(logits), tf.tensor2d(labels, undefined, 'int32'), null, 3, 0).dataSync()[0],
    ).toBeCloseTo(all.reduce((a, b) => a + b) / 6, 5);
    // A batch with nothing hidden contributes 0, not NaN.
    expect(
      tokenClassificationLoss(
        tf.tensor3d(logits),
        tf.tensor2d(labels, undefined, 'int32'),
        tf.zeros([2, 3]),
        3,
        0,
      ).dataSync()[0],
    ).toBe(0);
  });

  it('token smoothing spreads over the classes the data uses, and equals classification smoothing on one position', () => {
    const row = [1, -1, 0.5, 2];
    const tok = tokenClassificationLoss(
      tf.tensor3d([[row]]),
      tf.tensor2d([[1]], undefined, 'int32'),
      null,
      4,
      0.1,
    ).dataSync()[0]!;
    const cls = classificationLoss(tf.tensor2d([row]), tf.tensor1d([1], 'int32'), 4, 0.1).dataSync()[0]!;
    expect(tok).toBeCloseTo(cls, 5);
    // Spare vocabulary ids (here 2 of 4) get no smoothing mass.
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0));
    const logp = row.map((v) => v - lse);
    const expected = -(0.9 * logp[1]! + 0.05 * logp[0]! + 0.05 * logp[1]!);
    expect(
      tokenClassificationLoss(tf.tensor3d([[row]]), tf.tensor2d([[1]], undefined, 'int32'), null, 2, 0.1).dataSync()[0],
    ).toBeCloseTo(expected, 5);
  });

  it('regression loss is the mean squared error over every value', () => {
    const pred = tf.tensor3d([[[1, 2]], [[3, 5]]]);
    const l = regressionLoss(
      pred,
      tf.tensor2d([
        [0, 2],
        [3, 1],
      ]),
    );
    expect(l.dataSync()[0]).toBeCloseTo((1 + 0 + 0 + 16) / 4, 6);
  });
});

function valuesDataset(n: number, columns: number, outputs: number, seed = 1): Dataset {
  const rand = mulberry32(seed);
  const x = new Float32Array(n * columns);
  const y = new Float32Array(n * outputs);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < columns; c++) x[i * columns + c] = rand() * 2 - 1;
    // Each output a different linear mix of the columns.
    for (let o = 0; o < outputs; o++) y[i * outputs + o] = x[i * columns]! * (o + 1) - 0.5 * x[i * columns + 1]!;
  }
  const idx = (a: number, b: number) => Uint32Array.from({ length: b - a }, (_, k) => a + k);
  const mk = (a: number, b: number) => new ArraySplit(x, y, idx(a, b), [columns], 1, outputs);
  return {
    name: 'values.csv',
    inputShape: [columns],
    numClasses: 0,
    classNames: [],
    train: mk(0, n - 16),
    validation: mk(n - 16, n - 8),
    test: mk(n - 8, n),
    skipped: newSkipped(),
    targets: [{ kind: 'values', shape: [outputs] }],
  };
}

const enc = (s: string) => new TextEncoder().encode(s);

describe('planTraining', () => {
  it('refuses a head that does not fit the data, naming the head and the data', () => {
    const text = textDataset(enc('abcdefgh'.repeat(20)), { file: 'notes.txt', seqLen: 16 });
    const cls = analyse(tinyPerceiverDoc());
    expect(() => planTraining(cls, text)).toThrow(BindError);
    // The input does not take 16 byte ids.
    expect(() => planTraining(cls, text)).toThrow(
      /input node "image" expects examples of shape \[4, 4, 1\] but the data \(notes.txt\) gives \[16\]/,
    );
    // A classification head on masked-byte data.
    const clsOnText = analyse({
      ...tinyMlmDoc(),
      nodes: tinyMlmDoc().nodes.map((n) =>
        n.id === 'head' ? { ...n, kind: 'MeanPoolClassifier', params: { numClasses: 4 } } : n,
      ),
      edges: tinyMlmDoc()
        .edges.filter((e) => e.id !== 'e8' && e.id !== 'e9')
        .concat([{ id: 'x', source: { node: 'stack', port: 'out' }, target: { node: 'head', port: 'in' } }]),
    });
    expect(clsOnText.valid).toBe(true);
    expect(() => planTraining(clsOnText, text)).toThrow(
      /head "head" is a classification head .* but the data \(notes.txt\) has a token per position \[16\] \(masked-token targets\); use a Tied embedding decoder/,
    );
    // Too few output positions.
    expect(() => planTraining(analyse(tinyMlmDoc({ numQueries: 8 })), text)).toThrow(
      /head "head" predicts \[8\] positions but the data \(notes.txt\) has targets for \[16\]/,
    );
    // A vocabulary smaller than the byte ids.
    expect(() => planTraining(analyse(tinyMlmDoc({ vocabSize: 200 })), text)).toThrow(
      /predicts 200 token classes but the data \(notes.txt\) uses 262 token ids/,
    );
    // Regression: the head's values per example must equal the targets'.
    expect(() =>
      planTraining(analyse(tinyRegressionDoc({ outputs: 2, channels: 3 })), valuesDataset(40, 3, 4)),
    ).toThrow(
      /head "head" predicts \[2, 3\] \(6 values\) per example but the data \(values.csv\) has \[4\] \(4 values\)/,
    );
    expect(
      planTraining(analyse(tinyRegressionDoc({ outputs: 2, channels: 2 })), valuesDataset(40, 3, 4)).heads[0]!.metric,
    ).toBe('mse');
  });
});

describe('training other heads', () => {
  it('masked bytes: the loss falls, masked-token accuracy is reported, tensors return to baseline', async () => {
    const base = tf.memory().numTensors;
    // A short repeating sentence: predictable from its neighbours, learnable in a few steps.
    const data = textDataset(enc('the cat sat on the mat. '.repeat(40)), { file: 'cats.txt', seqLen: 16, seed: 2 });
    expect(data.targets![0]).toEqual({ kind: 'tokens', shape: [16], classes: BYTE_VOCAB, masked: true });
    const doc = bindToData(tinyMlmDoc({ training: { epochs: 4, batchSize: 8, learningRate: 0.01 } }), data).doc;
    const { model, analysis } = compile(doc);
    const plan = planTraining(analysis, data);
    const result = await train(model, data, doc.training, { plan, maxStepsPerEpoch: 6 });
    expect(result.status).toBe('done');
    expect(result.epochs.map((e) => e.metric)).toEqual([
      'maskedTokenAccuracy',
      'maskedTokenAccuracy',
      'maskedTokenAccuracy',
      'maskedTokenAccuracy',
    ]);
    // Uniform guessing over 262 ids costs ln 262 ≈ 5.57.
    expect(result.epochs[0]!.loss).toBeGreaterThan(4);
    expect(result.epochs[3]!.loss).toBeLessThan(result.epochs[0]!.loss - 1);
    expect(result.epochs[3]!.accuracy).toBeGreaterThan(result.epochs[0]!.accuracy);
    expect(result.test!.metric).toBe('maskedTokenAccuracy');
    expect(result.test!.confusion).toEqual([]);
    expect(result.test!.mistakes).toEqual([]);
    expect(result.test!.accuracy).toBeGreaterThanOrEqual(0);
    model.dispose();
    expect(tf.memory().numTensors).toBe(base);
  });

  it('masked-token metrics count only hidden positions', async () => {
    const data = textDataset(enc('abcdefghijklmnop'.repeat(8)), {
      file: 'a.txt',
      seqLen: 16,
      testFraction: 0.5,
      validationFraction: 0,
      maskRate: 0.25,
    });
    const { model, analysis } = compile(tinyMlmDoc());
    const plan = planTraining(analysis, data);
    // Expected value from the model's own predictions, counted by hand over masked positions.
    let hits = 0;
    let counted = 0;
    for await (const b of data.test.batches(64)) {
      const logits = model.predict(tf.tensor2d(Int32Array.from(b.x), [b.n, 16], 'int32')) as tf.Tensor;
      const pred = tf.argMax(logits, -1).dataSync() as Int32Array;
      for (let k = 0; k < pred.length; k++) {
        if (b.mask![k] === 1) {
          counted++;
          if (pred[k] === b.y[k]) hits++;
        }
      }
      tf.dispose(logits);
    }
    const r = await evaluate(model, data.test, data.inputShape, data.numClasses, { plan });
    expect(counted).toBeGreaterThan(0);
    expect(r.accuracy).toBeCloseTo(hits / counted, 6);
    model.dispose();
  });

  it('regression: MSE falls on per-position targets', async () => {
    const base = tf.memory().numTensors;
    const data = valuesDataset(96, 3, 2);
    const doc = tinyRegressionDoc({
      outputs: 2,
      channels: 1,
      training: { epochs: 8, batchSize: 16, learningRate: 0.01 },
    });
    const { model, analysis } = compile(doc);
    const result = await train(model, data, doc.training, { plan: planTraining(analysis, data) });
    expect(result.status).toBe('done');
    expect(result.epochs[0]!.metric).toBe('mse');
    // For MSE heads the loss is the metric.
    expect(result.epochs[7]!.accuracy).toBeLessThan(result.epochs[0]!.accuracy * 0.6);
    expect(result.test!.metric).toBe('mse');
    expect(result.test!.accuracy).toBeCloseTo(result.test!.loss, 5);
    model.dispose();
    expect(tf.memory().numTensors).toBe(base);
  });
});
