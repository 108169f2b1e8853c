/**
 * Multimodal examples in one `.npz`: an array per model input, bound by name to the graph's
 * input nodes (the array `image` feeds the input node `image`), each [N, ...the input's shape],
 * plus the heads' targets:
 *
 *   - a classifier reads the array named after the head, else `y`, `label` or `labels`: [N]
 *     integer class indices 0…K−1;
 *   - a regression head reads the array named after the head ([N, ...its output]), else — an
 *     autoencoder's reconstruction head — the array of the input it reconstructs;
 *   - a One-hot label input without an array of its own is fed the class labels one-hot.
 *
 * Browser-safe: the caller reads and inflates the archive (parseNpz). Every refusal names the
 * archive, the array or the node, and what to change.
 */
import type { Batch, DataSplit, Dataset, TargetSpec } from './dataset.js';
import { splitIndices } from './dataset.js';
import { DataError } from './errors.js';
import type { ModalityInput } from './multimodal.js';
import { firstNonFinite, indexOf, type NpyArray } from './npy.js';
import { permutation } from './random.js';

/** A head as the loader needs it: its loss, its output shape, and the input it reconstructs (if traced). */
export interface NpzHead {
  nodeId: string;
  loss: 'classification' | 'regression';
  outputShape: number[];
  /** Index of the model input an autoencoder head reconstructs (engine/train/headTargets.ts). */
  reconstructs?: number;
}

const LABEL_NAMES = ['y', 'label', 'labels'];
const prod = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
const shapeText = (s: readonly number[]): string => `[${s.join(', ')}]`;

function find(arrays: Map<string, NpyArray>, name: string): [string, NpyArray] | undefined {
  if (arrays.has(name)) return [name, arrays.get(name)!];
  const lower = name.toLowerCase();
  for (const [k, v] of arrays) if (k.toLowerCase() === lower) return [k, v];
  return undefined;
}

interface Column {
  /** Values per example. */
  size: number;
  data: Float32Array | Int32Array;
}

class NpzSplit implements DataSplit {
  constructor(
    private readonly inputs: Column[],
    private readonly targets: Column[],
    private readonly rows: Uint32Array,
  ) {}
  get size(): number {
    return this.rows.length;
  }
  private take(c: Column, rows: ArrayLike<number>): Float32Array | Int32Array {
    const out =
      c.data instanceof Int32Array ? new Int32Array(rows.length * c.size) : new Float32Array(rows.length * c.size);
    for (let r = 0; r < rows.length; r++)
      out.set(c.data.subarray(rows[r]! * c.size, (rows[r]! + 1) * c.size), r * c.size);
    return out;
  }
  async *batches(
    batchSize: number,
    opts: { shuffle?: boolean; seed?: number; epoch?: number } = {},
  ): AsyncIterable<Batch> {
    const n = this.rows.length;
    const order = opts.shuffle ? permutation(n, ((opts.seed ?? 0) * 1000003 + (opts.epoch ?? 0)) >>> 0) : undefined;
    for (let s = 0; s < n; s += batchSize) {
      const m = Math.min(batchSize, n - s);
      const rows = Array.from({ length: m }, (_, r) => this.rows[order ? order[s + r]! : s + r]!);
      const xs = this.inputs.map((c) => this.take(c, rows) as Float32Array);
      const ys = this.targets.map((c) => this.take(c, rows));
      yield {
        x: xs[0]!,
        moreInputs: xs.length > 1 ? xs.slice(1) : undefined,
        y: ys[0]!,
        moreTargets: ys.length > 1 ? ys.slice(1).map((y) => ({ y })) : undefined,
        n: m,
      };
    }
  }
  async example(i: number): Promise<{ x: Float32Array; y: number }> {
    const row = [this.rows[i]!];
    const t = this.targets[0]!;
    return {
      x: this.take(this.inputs[0]!, row) as Float32Array,
      y: t.data instanceof Int32Array ? t.data[row[0]!]! : 0,
    };
  }
}

/** The arrays of an .npz → a dataset feeding every input (model order) and every head (head order). */
export function multimodalNpzDataset(
  file: string,
  arrays: Map<string, NpyArray>,
  inputs: ModalityInput[],
  heads: NpzHead[],
  opts: { validationFraction?: number; testFraction?: number; seed?: number } = {},
): Dataset {
  const names = [...arrays.keys()].join(', ');
  let n: number | undefined;
  let nFrom = '';
  const rowsOf = (key: string, a: NpyArray): number => {
    const rows = a.shape.length > 0 ? a.shape[0]! : 1;
    if (n === undefined) {
      n = rows;
      nFrom = key;
    } else if (rows !== n) {
      throw new DataError(
        `the array "${key}" has ${rows} examples (first axis) but "${nFrom}" has ${n}; every array holds one row per example`,
        { file },
      );
    }
    return rows;
  };
  const values = (key: string, a: NpyArray, shape: number[], forWhat: string): Column => {
    rowsOf(key, a);
    const per = prod(a.shape.slice(1));
    if (per !== prod(shape))
      throw new DataError(
        `the array "${key}" is ${shapeText(a.shape)} (${per} values per example) but ${forWhat} takes ${shapeText(shape)} (${prod(shape)}) per example; save it as [N, ${shape.join(', ')}]`,
        { file },
      );
    const bad = firstNonFinite(a.data);
    if (bad >= 0)
      throw new DataError(
        `the array "${key}" holds ${a.data[bad]} at ${indexOf(bad, a.shape)}; replace or drop non-finite values`,
        { file },
      );
    return { size: per, data: a.data };
  };

  // The class labels, when a head or a One-hot label input needs them.
  let labels: { key: string; data: Int32Array; classes: number } | undefined;
  const classLabels = (): NonNullable<typeof labels> => {
    if (labels) return labels;
    const hit = LABEL_NAMES.map((k) => find(arrays, k)).find((x) => x);
    if (!hit)
      throw new DataError(
        `no class labels: add an array "y" (or "label"/"labels") of [N] class indices 0…K−1 (arrays present: ${names})`,
        { file },
      );
    labels = classArray(hit[0], hit[1]);
    return labels;
  };
  const classArray = (key: string, a: NpyArray): NonNullable<typeof labels> => {
    rowsOf(key, a);
    if (prod(a.shape.slice(1)) !== 1)
      throw new DataError(`the class array "${key}" is ${shapeText(a.shape)}; it must be [N] class indices`, { file });
    const data = new Int32Array(a.data.length);
    let max = 0;
    for (let i = 0; i < a.data.length; i++) {
      const v = a.data[i]!;
      if (!Number.isInteger(v) || v < 0)
        throw new DataError(`the class array "${key}" holds ${v} at row ${i}; classes are integers 0…K−1`, { file });
      data[i] = v;
      if (v > max) max = v;
    }
    return { key, data, classes: max + 1 };
  };

  const inputCols = inputs.map((inp): Column => {
    const hit = find(arrays, inp.id);
    if (hit) return values(hit[0], hit[1], inp.shape, `the input node "${inp.id}"`);
    if (inp.kind === 'OneHotLabel') {
      const l = classLabels();
      const k = prod(inp.shape);
      if (l.classes > k)
        throw new DataError(
          `the labels "${l.key}" hold ${l.classes} classes but the input node "${inp.id}" holds ${k}; raise its numClasses`,
          { file },
        );
      const data = new Float32Array(l.data.length * k);
      l.data.forEach((c, r) => (data[r * k + c] = 1));
      return { size: k, data };
    }
    throw new DataError(
      `no array "${inp.id}" for the input node "${inp.id}" (arrays present: ${names}); name each array after the input it feeds`,
      { file },
    );
  });
  let numClasses = 0;
  const targetSpecs: TargetSpec[] = [];
  const targetCols = heads.map((h): Column => {
    const hit = find(arrays, h.nodeId);
    if (h.loss === 'classification') {
      const l = hit ? classArray(hit[0], hit[1]) : classLabels();
      numClasses = Math.max(numClasses, l.classes);
      targetSpecs.push({ kind: 'classes' });
      return { size: 1, data: l.data };
    }
    targetSpecs.push({ kind: 'values', shape: [...h.outputShape] });
    if (hit) return values(hit[0], hit[1], h.outputShape, `the head "${h.nodeId}"`);
    if (h.reconstructs !== undefined && inputCols[h.reconstructs]) {
      const c = inputCols[h.reconstructs]!;
      if (c.size !== prod(h.outputShape))
        throw new DataError(
          `the head "${h.nodeId}" reconstructs the input "${inputs[h.reconstructs]!.id}" (${c.size} values) but predicts ${shapeText(h.outputShape)}; make its output match the input`,
          { file },
        );
      return c;
    }
    throw new DataError(
      `no targets for the regression head "${h.nodeId}": add an array "${h.nodeId}" of [N, ${h.outputShape.join(', ')}] (arrays present: ${names})`,
      { file },
    );
  });
  if (n === undefined || n === 0) throw new DataError('the archive holds no examples', { file });
  const s = splitIndices(n, opts.validationFraction ?? 0.1, opts.testFraction ?? 0.2, opts.seed ?? 1);
  if (s.train.length === 0)
    throw new DataError(`${n} examples leave nothing to train on after the validation and test fractions`, { file });
  const onlyClasses = targetSpecs.every((t) => t.kind === 'classes');
  const mk = (rows: Uint32Array) => new NpzSplit(inputCols, targetCols, rows);
  return {
    name: file,
    inputShape: [...inputs[0]!.shape],
    moreInputShapes: inputs.length > 1 ? inputs.slice(1).map((i) => [...i.shape]) : undefined,
    numClasses,
    classNames: Array.from({ length: numClasses }, (_, i) => String(i)),
    train: mk(s.train),
    validation: mk(s.validation),
    test: mk(s.test),
    skipped: { count: 0, reasons: [] },
    ...(onlyClasses && targetSpecs.length === 1 ? {} : { targets: targetSpecs }),
  };
}
