/**
 * The dataset contract the trainer consumes. A split hands out batches; in-memory and streaming
 * sources implement the same interface, so the trainer never knows which it has.
 */
import { permutation } from './random.js';

export interface Batch {
  /** Inputs, row-major [n, ...inputShape] (token ids too: the trainer casts to the input's dtype). */
  x: Float32Array;
  /**
   * Targets of the (first) head, as the dataset's `targets` says: class indices [n] (the
   * default), class indices per position [n, ...shape] (tokens), or values [n, ...shape].
   */
  y: Int32Array | Float32Array;
  /** Token targets: 1 where a position counts in the loss (the hidden bytes of a masked LM). */
  mask?: Float32Array;
  n: number;
  /** Models with several inputs: every input after the first, in the model's input order. */
  moreInputs?: Float32Array[];
  /** Models with several heads: the targets of every head after the first, in head order. */
  moreTargets?: { y: Int32Array | Float32Array; mask?: Float32Array }[];
}

/** What a head's targets are (the head's loss must agree: engine/train/losses.ts checks). */
export type TargetSpec =
  /** One class index per example (softmax cross-entropy; accuracy, confusion matrix). */
  | { kind: 'classes' }
  /** A class index per position, e.g. bytes; `masked`: only positions with mask 1 count. */
  | { kind: 'tokens'; shape: number[]; classes: number; masked: boolean }
  /** Real values (mean squared error). */
  | { kind: 'values'; shape: number[] };

export interface DataSplit {
  readonly size: number;
  /** Batches for one epoch; shuffled with (seed, epoch) when asked. */
  batches(batchSize: number, opts?: { shuffle?: boolean; seed?: number; epoch?: number }): AsyncIterable<Batch>;
  /** Random access for previews and galleries (y: the class; 0 where targets are not classes). */
  example(i: number): Promise<{ x: Float32Array; y: number }>;
}

export interface Dataset {
  name: string;
  /** Shape of one example, without the batch axis. */
  inputShape: number[];
  numClasses: number;
  classNames: string[];
  train: DataSplit;
  validation: DataSplit;
  test: DataSplit;
  /** Rows or files skipped while loading, with reasons; shown to the user, never silent. */
  skipped: { count: number; reasons: string[] };
  /** The targets, one per head in the model's head order. Absent: one class per example. */
  targets?: TargetSpec[];
  /** Shapes of the model inputs after the first (multi-input models); absent: one input. */
  moreInputShapes?: number[][];
}

/** The dataset's targets, one per head (the default: one class per example). */
export function targetsOf(d: Pick<Dataset, 'targets'>): TargetSpec[] {
  return d.targets && d.targets.length > 0 ? d.targets : [{ kind: 'classes' }];
}

/** A split over arrays held in memory, indexed through `indices`. */
export class ArraySplit implements DataSplit {
  private readonly exampleSize: number;
  constructor(
    private readonly x: Float32Array | Uint8Array,
    /** Class per example (integer arrays), or `targetSize` values per example (Float32Array). */
    private readonly y: Int32Array | Uint8Array | Float32Array,
    private readonly indices: Uint32Array,
    inputShape: number[],
    /** Scale applied when x is stored as bytes (e.g. 1/255). */
    private readonly scale = 1,
    private readonly targetSize = 1,
  ) {
    this.exampleSize = inputShape.reduce((a, b) => a * b, 1);
  }
  get size(): number {
    return this.indices.length;
  }
  private fill(dst: Float32Array, row: number, src: number): void {
    const e = this.exampleSize;
    const off = src * e;
    if (this.scale === 1 && this.x instanceof Float32Array) dst.set(this.x.subarray(off, off + e), row * e);
    else for (let k = 0; k < e; k++) dst[row * e + k] = this.x[off + k]! * this.scale;
  }
  async *batches(
    batchSize: number,
    opts: { shuffle?: boolean; seed?: number; epoch?: number } = {},
  ): AsyncIterable<Batch> {
    const n = this.indices.length;
    const order = opts.shuffle ? permutation(n, ((opts.seed ?? 0) * 1000003 + (opts.epoch ?? 0)) >>> 0) : undefined;
    for (let start = 0; start < n; start += batchSize) {
      const m = Math.min(batchSize, n - start);
      const x = new Float32Array(m * this.exampleSize);
      const t = this.targetSize;
      const y = this.y instanceof Float32Array ? new Float32Array(m * t) : new Int32Array(m);
      for (let r = 0; r < m; r++) {
        const src = this.indices[order ? order[start + r]! : start + r]!;
        this.fill(x, r, src);
        if (y instanceof Float32Array) y.set(this.y.subarray(src * t, src * t + t), r * t);
        else y[r] = this.y[src]!;
      }
      yield { x, y, n: m };
    }
  }
  async example(i: number): Promise<{ x: Float32Array; y: number }> {
    const x = new Float32Array(this.exampleSize);
    const src = this.indices[i]!;
    this.fill(x, 0, src);
    return { x, y: this.y instanceof Float32Array ? 0 : this.y[src]! };
  }
}

/**
 * Examples a held-out split gets for a fraction f of n: round(n·f), but (when f > 0) never fewer
 * than min(30, 10% of n), so a small dataset still has a validation/test set worth reading.
 */
export function heldOutCount(n: number, fraction: number): number {
  if (!(fraction > 0)) return 0;
  return Math.min(n, Math.max(Math.round(n * fraction), Math.min(30, Math.round(n * 0.1))));
}

/** Held-out splits this small give noisy figures: the CLI and app say so. */
export const TINY_SPLIT = 30;

/** Split n examples into train/validation/test index sets with a seeded shuffle. */
export function splitIndices(
  n: number,
  validationFraction: number,
  testFraction: number,
  seed: number,
): { train: Uint32Array; validation: Uint32Array; test: Uint32Array } {
  const p = permutation(n, seed);
  const nTest = heldOutCount(n, testFraction);
  const nVal = Math.min(heldOutCount(n, validationFraction), n - nTest);
  return {
    test: p.slice(0, nTest),
    validation: p.slice(nTest, nTest + nVal),
    train: p.slice(nTest + nVal),
  };
}
