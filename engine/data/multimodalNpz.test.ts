/** The multimodal .npz loader over arbitrary arrays: a dataset or a DataError naming the archive, never another failure. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DataError } from './errors.js';
import { multimodalNpzDataset, type NpzHead } from './multimodalNpz.js';
import type { NpyArray } from './npy.js';
import type { ModalityInput } from './multimodal.js';

const INPUTS: ModalityInput[] = [
  { id: 'image', kind: 'ImageInput', params: {}, shape: [2, 2, 1] },
  { id: 'audio', kind: 'AudioInput', params: {}, shape: [3] },
  { id: 'label', kind: 'OneHotLabel', params: {}, shape: [3] },
];
const HEADS: NpzHead[] = [
  { nodeId: 'audioOut', loss: 'regression', outputShape: [3], reconstructs: 1 },
  { nodeId: 'labelOut', loss: 'classification', outputShape: [3] },
];

const arrayArb = fc.record({
  name: fc.constantFrom('image', 'audio', 'y', 'label', 'labels', 'audioOut', 'labelOut', 'Image', 'other'),
  shape: fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 0, maxLength: 4 }),
  values: fc.constantFrom('ints', 'floats', 'negative', 'nan'),
});

function make(spec: { name: string; shape: number[]; values: string }): [string, NpyArray] {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const data = Float32Array.from({ length: n }, (_, i) =>
    spec.values === 'ints' ? i % 3 : spec.values === 'negative' ? -1 : spec.values === 'nan' ? NaN : i / 7,
  );
  return [spec.name, { shape: spec.shape, dtype: '<f4', data, integral: spec.values === 'ints' }];
}

describe('multimodal .npz loader (fuzzed arrays)', () => {
  it("gives a dataset whose batches have the inputs' sizes, or a DataError naming the archive", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(arrayArb, { minLength: 0, maxLength: 6 }), async (specs) => {
        const arrays = new Map(specs.map(make));
        let ds;
        try {
          ds = multimodalNpzDataset('f.npz', arrays, INPUTS, HEADS, { validationFraction: 0, testFraction: 0 });
        } catch (err) {
          expect(err).toBeInstanceOf(DataError);
          expect((err as Error).message.startsWith('f.npz: ')).toBe(true);
          return;
        }
        // Non-finite values never reach training.
        const used = ['image', 'audio'].map(
          (k) => arrays.get(k) ?? [...arrays].find(([n]) => n.toLowerCase() === k)?.[1],
        );
        for (const u of used) expect(u && u.data.some((v) => Number.isNaN(v))).toBeFalsy();
        for await (const b of ds.train.batches(2)) {
          expect(b.x.length).toBe(b.n * 4);
          expect(b.moreInputs!.map((x) => x.length)).toEqual([b.n * 3, b.n * 3]);
          expect(b.y.length).toBe(b.n * 3);
          const classes = b.moreTargets![0]!.y;
          expect(classes.length).toBe(b.n);
          for (const c of classes) expect(Number.isInteger(c) && c >= 0).toBe(true);
        }
      }),
      { numRuns: 300, seed: 14 },
    );
  });

  it('a complete archive: classes from y, the label input one-hot', () => {
    const arrays = new Map<string, NpyArray>([
      make({ name: 'image', shape: [4, 2, 2, 1], values: 'floats' }),
      make({ name: 'audio', shape: [4, 3], values: 'floats' }),
      make({ name: 'y', shape: [4], values: 'ints' }),
    ]);
    const ds = multimodalNpzDataset('f.npz', arrays, INPUTS, HEADS, { validationFraction: 0, testFraction: 0 });
    expect(ds.numClasses).toBe(3);
    expect(ds.moreInputShapes).toEqual([[3], [3]]);
  });
});
