/**
 * Fine-tune an imported HF classifier on a small dataset with a new head: the pretrained weights
 * are copied, the head (new number of classes) starts fresh, a frozen encoder stays bit-identical
 * while the decoder and head learn, and the loss falls.
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../compile/compile.js';
import { arrayDataset } from '../data/tabular.js';
import { namedWeights } from '../export/tfjsModel.js';
import { importHfFolder } from '../node/hfFolder.js';
import { applyPretrained, encoderNodes, FineTuneError } from './fineTune.js';
import { train } from './train.js';

const fixture = join(__dirname, '..', '..', '..', 'shared', 'hf-fixtures', 'PerceiverForImageClassificationLearned');

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** 3 classes of 8×8×3 images: a bright row band at the top, middle or bottom. */
function dataset() {
  const n = 60;
  const features = new Float32Array(n * 8 * 8 * 3);
  const labels = new Int32Array(n);
  let s = 7;
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    labels[i] = c;
    for (let y = 0; y < 8; y++) {
      for (let x = 0; x < 8; x++) {
        for (let k = 0; k < 3; k++) {
          s = (Math.imul(s, 1664525) + 1013904223) | 0;
          const band = Math.floor(y / 3) === c ? 1.5 : -0.5;
          features[((i * 8 + y) * 8 + x) * 3 + k] = band + ((s >>> 0) / 2 ** 32 - 0.5) * 0.3;
        }
      }
    }
  }
  return arrayDataset(
    'bands',
    {
      features,
      labels,
      n,
      featureShape: [8, 8, 3],
      featureNames: [],
      targetName: 'band',
      classNames: ['top', 'middle', 'bottom'],
      skipped: { count: 0, reasons: [] },
    },
    { validationFraction: 0.1, testFraction: 0.2, seed: 1 },
  );
}

describe('fine-tuning from imported weights', () => {
  it('encoder side of the imported graph: preprocessors, latents, encoder and stack', async () => {
    const imp = await importHfFolder(fixture);
    expect(encoderNodes(imp.doc).sort()).toEqual(['conv', 'encoder', 'image', 'latents', 'positions', 'stack']);
  });

  it('a new 3-class head on the imported Learned classifier, encoder frozen: only decoder and head learn, loss falls', async () => {
    const imp = await importHfFolder(fixture);
    const doc = structuredClone(imp.doc);
    doc.nodes.find((n) => n.id === 'head')!.params.numClasses = 3;
    doc.training = { ...doc.training, batchSize: 16, learningRate: 3e-3, epochs: 3 };
    const { model } = compile(doc, { seed: 1 });
    const report = applyPretrained(model, doc, imp.weights, { freezeEncoder: true, source: 'the imported checkpoint' });
    // The head's kernel and bias are the only weights whose shape changed (10 → 3 classes).
    expect(report.replaced.map((r) => r.name).sort()).toEqual(['head/bias', 'head/kernel']);
    expect(report.replaced.find((r) => r.name === 'head/kernel')).toMatchObject({ pretrained: [32, 10], now: [32, 3] });
    expect(report.fresh).toEqual([]);
    expect(report.loaded).toBe(model.weights.length - 2);
    expect(report.frozenNodes.sort()).toEqual(['conv', 'encoder', 'image', 'latents', 'positions', 'stack']);
    const trainable = new Set(model.trainableWeights.map((w) => w.originalName.split('/')[0]!.split('__')[0]));
    expect([...trainable].sort()).toEqual(['decoder', 'head', 'query']);
    // Copied exactly.
    const before = namedWeights(model);
    for (const [k, v] of before)
      if (!k.startsWith('head/')) expect(Array.from(v.data), k).toEqual(Array.from(imp.weights.get(k)!.data));
    const data = dataset();
    const result = await train(model, data, doc.training, { maxStepsPerEpoch: 3 });
    expect(result.status).toBe('done');
    const after = namedWeights(model);
    const frozen = (k: string) =>
      ['conv', 'encoder', 'latents', 'positions', 'stack'].includes(k.split('/')[0]!.split('__')[0]!);
    let changedTrainable = 0;
    for (const [k, v] of after) {
      const same = v.data.every((x, i) => x === before.get(k)!.data[i]);
      if (frozen(k)) expect(same, `${k} frozen`).toBe(true);
      else if (!same) changedTrainable++;
    }
    expect(changedTrainable).toBeGreaterThan(3);
    const losses = result.epochs.map((h) => h.loss);
    expect(losses[losses.length - 1]!).toBeLessThan(losses[0]!);
    model.dispose();
  }, 150_000);

  it('without freezing every weight trains; an unrelated graph is refused', async () => {
    const imp = await importHfFolder(fixture);
    const { model } = compile(imp.doc, { seed: 2 });
    const r = applyPretrained(model, imp.doc, imp.weights);
    expect(r.replaced).toEqual([]);
    expect(r.loaded).toBe(model.weights.length);
    expect(r.trainableParams).toBe(130_634);
    model.dispose();
    const { loadGraphDoc } = await import('../graph/load.js');
    const { readFileSync } = await import('node:fs');
    // The byte MLM's 64-wide weights against the 32-wide imported classifier.
    const other = loadGraphDoc(readFileSync(join(__dirname, '..', '..', 'templates', 'bytes-mlm-tiny.json'), 'utf8'));
    const otherModel = compile(other).model;
    const unrelated = namedWeights(otherModel);
    otherModel.dispose();
    const m2 = compile(imp.doc).model;
    expect(() => applyPretrained(m2, imp.doc, unrelated, { source: 'the byte MLM' })).toThrow(FineTuneError);
    expect(() => applyPretrained(m2, imp.doc, unrelated, { source: 'the byte MLM' })).toThrow(
      /parameters match the byte MLM by name and shape|none of the model's weights match the byte MLM/,
    );
    m2.dispose();
  });
});
