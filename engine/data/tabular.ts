/**
 * In-memory examples (CSV, JSON, NumPy) → a Dataset: class mapping, a seeded
 * train/validation/test split, and normalisation whose statistics come from the train split only
 * (statistics from validation or test rows would leak them into training).
 */
import { ArraySplit, splitIndices, type Dataset } from './dataset.js';
import { DataError, type Skipped } from './errors.js';

/** Examples held in memory, as every array loader returns them. */
export interface TabularData {
  /** Row-major [n, ...featureShape]. */
  features: Float32Array;
  labels: Int32Array;
  n: number;
  featureShape: number[];
  /** One name per feature for tables (rank-1 features); empty otherwise. */
  featureNames: string[];
  targetName: string;
  /** classNames[k] is the original target value of class k (the kept mapping). */
  classNames: string[];
  skipped: Skipped;
  /** Real-valued targets [n, ...valueShape] (regression); labels are then unused zeros. */
  values?: Float32Array;
  valueShape?: number[];
}

/** Whether a loader reads the target as classes (default) or as real values (regression heads). */
export type TargetKind = 'classes' | 'values';

export type NormalizeKind = 'none' | 'minmax' | 'standardize';

export interface Normalization {
  kind: NormalizeKind;
  /** x' = (x − offset[c]) · scale[c], c = feature (tables) or last-axis channel (images, arrays). */
  offset: number[];
  scale: number[];
}

/** A class per distinct target value. Integers sort numerically; other values as text. */
export function classesFromTargets(
  targets: string[],
  where: { file?: string; column: string; lines?: number[]; elementName?: (i: number) => string },
): { labels: Int32Array; classNames: string[] } {
  const locate = (i: number) =>
    where.lines ? `line ${where.lines[i]}` : where.elementName ? where.elementName(i) : `row ${i + 1}`;
  if (targets.length === 0) {
    throw new DataError('it holds no examples (0 rows); a classifier needs examples of at least two classes', {
      file: where.file,
    });
  }
  const allNumeric = targets.every((t) => /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t));
  if (allNumeric) {
    const bad = targets.findIndex((t) => !Number.isInteger(Number(t)));
    if (bad >= 0) {
      throw new DataError(
        `the target "${where.column}" has ${targets[bad]} at ${locate(bad)}; targets must be classes (integers or names) — regression targets are not supported`,
        { file: where.file },
      );
    }
  }
  const distinct = [...new Set(allNumeric ? targets.map((t) => String(Number(t))) : targets)];
  if (allNumeric) distinct.sort((a, b) => Number(a) - Number(b));
  else distinct.sort();
  if (distinct.length < 2) {
    throw new DataError(
      `the target "${where.column}" has only one class (${distinct[0]}); a classifier needs at least two`,
      { file: where.file },
    );
  }
  if (distinct.length > 20 && distinct.length > targets.length / 2) {
    throw new DataError(
      `the target "${where.column}" has ${distinct.length} distinct values in ${targets.length} rows; it looks like an id or a measurement, not a class — choose the class column with --target`,
      { file: where.file },
    );
  }
  const index = new Map(distinct.map((v, i) => [v, i]));
  const labels = new Int32Array(targets.length);
  targets.forEach((t, i) => (labels[i] = index.get(allNumeric ? String(Number(t)) : t)!));
  return { labels, classNames: distinct };
}

/** Statistics over the train rows only, per channel (last axis). */
export function fitNormalization(
  x: Float32Array,
  featureShape: number[],
  rows: Uint32Array,
  kind: NormalizeKind,
): Normalization {
  const size = featureShape.reduce((a, b) => a * b, 1);
  const channels = featureShape.length ? featureShape[featureShape.length - 1]! : 1;
  if (kind === 'none')
    return { kind, offset: new Array<number>(channels).fill(0), scale: new Array<number>(channels).fill(1) };
  const min = new Float64Array(channels).fill(Infinity);
  const max = new Float64Array(channels).fill(-Infinity);
  const sum = new Float64Array(channels);
  const sumSq = new Float64Array(channels);
  const count = new Float64Array(channels);
  for (const r of rows) {
    const off = r * size;
    for (let k = 0; k < size; k++) {
      const c = k % channels;
      const v = x[off + k]!;
      if (v < min[c]!) min[c] = v;
      if (v > max[c]!) max[c] = v;
      sum[c] += v;
      sumSq[c] += v * v;
      count[c]++;
    }
  }
  const offset: number[] = [];
  const scale: number[] = [];
  for (let c = 0; c < channels; c++) {
    if (kind === 'minmax') {
      const range = max[c]! - min[c]!;
      offset.push(Number.isFinite(min[c]!) ? min[c]! : 0);
      // A constant feature maps to 0 rather than dividing by zero.
      scale.push(range > 0 ? 1 / range : 1);
    } else {
      const mean = count[c]! ? sum[c]! / count[c]! : 0;
      const variance = count[c]! ? Math.max(0, sumSq[c]! / count[c]! - mean * mean) : 0;
      const std = Math.sqrt(variance);
      offset.push(mean);
      scale.push(std > 1e-12 ? 1 / std : 1);
    }
  }
  return { kind, offset, scale };
}

/** A normalised copy (the caller's array is left as it was). */
export function applyNormalization(x: Float32Array, featureShape: number[], norm: Normalization): Float32Array {
  if (norm.kind === 'none') return x;
  const channels = norm.offset.length;
  const out = new Float32Array(x.length);
  void featureShape;
  for (let i = 0; i < x.length; i++) {
    const c = i % channels;
    out[i] = (x[i]! - norm.offset[c]!) * norm.scale[c]!;
  }
  return out;
}

export interface SplitOptions {
  validationFraction?: number;
  testFraction?: number;
  seed?: number;
  normalize?: NormalizeKind;
}

export interface ArrayDataset extends Dataset {
  normalization: Normalization;
  featureNames: string[];
  targetName: string;
}

export function arrayDataset(name: string, t: TabularData, opts: SplitOptions = {}): ArrayDataset {
  const s = splitIndices(t.n, opts.validationFraction ?? 0.1, opts.testFraction ?? 0.2, opts.seed ?? 1);
  if (s.train.length === 0)
    throw new DataError(
      `${t.n} example${t.n === 1 ? '' : 's'} leave nothing to train on after the validation and test fractions; add data or lower the fractions`,
      { file: name },
    );
  const norm = fitNormalization(t.features, t.featureShape, s.train, opts.normalize ?? 'none');
  const x = applyNormalization(t.features, t.featureShape, norm);
  const valueShape = t.valueShape ?? [1];
  const mk = (idx: Uint32Array) =>
    t.values
      ? new ArraySplit(
          x,
          t.values,
          idx,
          t.featureShape,
          1,
          valueShape.reduce((a, b) => a * b, 1),
        )
      : new ArraySplit(x, t.labels, idx, t.featureShape);
  return {
    name,
    inputShape: [...t.featureShape],
    numClasses: t.values ? 0 : t.classNames.length,
    classNames: t.values ? [] : t.classNames,
    targets: t.values ? [{ kind: 'values', shape: [...valueShape] }] : undefined,
    train: mk(s.train),
    validation: mk(s.validation),
    test: mk(s.test),
    skipped: t.skipped,
    normalization: norm,
    featureNames: t.featureNames,
    targetName: t.targetName,
  };
}
