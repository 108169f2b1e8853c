/**
 * What the dataset panel shows before training: sizes, shape, class balance and a few sample
 * examples with their labels. Streaming datasets are sampled (k examples decoded), never read whole.
 */
import { targetsOf, type Dataset, type DataSplit } from './dataset.js';
import { permutation } from './random.js';

export interface DatasetPreview {
  name: string;
  inputShape: number[];
  classNames: string[];
  sizes: { train: number; validation: number; test: number };
  /** Examples per class over the train split (counted from labels; images from the listing). */
  classCounts: number[];
  /** True when classCounts come from a sample rather than every example. */
  classCountsSampled: boolean;
  samples: { x: Float32Array; label: number; className: string }[];
  /** Value range and mean over the sampled examples. */
  stats: { min: number; max: number; mean: number };
  skipped: Dataset['skipped'];
}

async function labelCounts(
  split: DataSplit,
  classes: number,
  limit: number,
): Promise<{ counts: number[]; sampled: boolean }> {
  const counts = new Array<number>(classes).fill(0);
  if (split.size <= limit) {
    for await (const b of split.batches(256)) for (const y of b.y) counts[y]!++;
    return { counts, sampled: false };
  }
  const order = permutation(split.size, 17);
  for (let i = 0; i < limit; i++) counts[(await split.example(order[i]!)).y]!++;
  return { counts, sampled: true };
}

export async function previewDataset(
  ds: Dataset & { classCounts?: number[] },
  opts: { samples?: number; countLimit?: number; seed?: number } = {},
): Promise<DatasetPreview> {
  const k = Math.min(opts.samples ?? 12, ds.train.size);
  const order = permutation(ds.train.size, opts.seed ?? 1);
  const samples: DatasetPreview['samples'] = [];
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let count = 0;
  for (let i = 0; i < k; i++) {
    const e = await ds.train.example(order[i]!);
    samples.push({ x: e.x, label: e.y, className: ds.classNames[e.y] ?? String(e.y) });
    for (const v of e.x) {
      if (v < min) min = v;
      if (v > max) max = v;
      sum += v;
      count++;
    }
  }
  // Streaming datasets already know their balance from the file listing: no decoding needed.
  // Text and regression targets have no classes to balance.
  const classes = targetsOf(ds)[0]!.kind === 'classes';
  const balance = !classes
    ? { counts: [], sampled: false }
    : ds.classCounts
      ? { counts: ds.classCounts, sampled: false }
      : await labelCounts(ds.train, ds.numClasses, opts.countLimit ?? 100_000);
  return {
    name: ds.name,
    inputShape: ds.inputShape,
    classNames: ds.classNames,
    sizes: { train: ds.train.size, validation: ds.validation.size, test: ds.test.size },
    classCounts: balance.counts,
    classCountsSampled: balance.sampled,
    samples,
    stats: { min: count ? min : NaN, max: count ? max : NaN, mean: count ? sum / count : NaN },
    skipped: ds.skipped,
  };
}
