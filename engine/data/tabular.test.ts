import { describe, expect, it } from 'vitest';
import { arrayDataset, fitNormalization, type TabularData } from './tabular.js';
import { newSkipped } from './errors.js';

function table(n: number): TabularData {
  const features = new Float32Array(n * 2);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    features[i * 2] = i;
    features[i * 2 + 1] = 5;
    labels[i] = i % 2;
  }
  return {
    features,
    labels,
    n,
    featureShape: [2],
    featureNames: ['i', 'const'],
    targetName: 'y',
    classNames: ['a', 'b'],
    skipped: newSkipped(),
  };
}

async function all(split: { batches(b: number): AsyncIterable<{ x: Float32Array; n: number }> }): Promise<number[]> {
  const out: number[] = [];
  for await (const b of split.batches(7)) out.push(...b.x);
  return out;
}

describe('arrayDataset', () => {
  it('splits with a seed: disjoint, complete, repeatable, different for another seed', async () => {
    const d1 = arrayDataset('t', table(100), { validationFraction: 0.1, testFraction: 0.2, seed: 3 });
    const d2 = arrayDataset('t', table(100), { validationFraction: 0.1, testFraction: 0.2, seed: 3 });
    const d3 = arrayDataset('t', table(100), { validationFraction: 0.1, testFraction: 0.2, seed: 4 });
    expect([d1.train.size, d1.validation.size, d1.test.size]).toEqual([70, 10, 20]);
    const ids = async (d: typeof d1) => [
      (await all(d.train)).filter((_, i) => i % 2 === 0),
      (await all(d.validation)).filter((_, i) => i % 2 === 0),
      (await all(d.test)).filter((_, i) => i % 2 === 0),
    ];
    const [tr, va, te] = await ids(d1);
    expect(new Set([...tr!, ...va!, ...te!]).size).toBe(100);
    expect(await ids(d2)).toEqual([tr, va, te]);
    expect((await ids(d3))[2]).not.toEqual(te);
  });
  it('fits min-max and standardisation on the train split only', async () => {
    const t = table(100);
    const d = arrayDataset('t', t, { normalize: 'minmax', seed: 1 });
    const train = await all(d.train);
    const trainCol = train.filter((_, i) => i % 2 === 0);
    expect(Math.min(...trainCol)).toBeCloseTo(0, 6);
    expect(Math.max(...trainCol)).toBeCloseTo(1, 6);
    // A constant feature maps to 0, not NaN.
    expect(train.filter((_, i) => i % 2 === 1).every((v) => v === 0)).toBe(true);
    const s = arrayDataset('t', t, { normalize: 'standardize', seed: 1 });
    const col = (await all(s.train)).filter((_, i) => i % 2 === 0);
    const mean = col.reduce((a, b) => a + b, 0) / col.length;
    const std = Math.sqrt(col.reduce((a, b) => a + (b - mean) ** 2, 0) / col.length);
    expect(mean).toBeCloseTo(0, 5);
    expect(std).toBeCloseTo(1, 4);
    // Test rows are transformed with the train statistics, not their own.
    const rows = new Uint32Array([0, 1]);
    expect(fitNormalization(t.features, [2], rows, 'minmax')).toEqual({
      kind: 'minmax',
      offset: [0, 5],
      scale: [1, 1],
    });
  });
  it('refuses a split that leaves nothing to train on', () => {
    expect(() => arrayDataset('tiny', table(2), { validationFraction: 0.5, testFraction: 0.5 })).toThrow(
      /nothing to train on/,
    );
  });
});
