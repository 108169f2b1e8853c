/**
 * Text files as bytes, for masked-byte models (Perceiver IO's byte-level language modelling):
 * a file is cut into fixed-length windows of UTF-8 bytes; masking picks positions to hide and
 * keeps the true bytes as per-position targets.
 *
 * Token ids follow the Text bytes node and DeepMind's bytes tokenizer (docs/ARCHITECTURE.md §B.3): PAD 0,
 * BOS 1, EOS 2, MASK 3, CLS 4, SEP 5, and byte b ↦ b + 6 — 262 ids. The node's padding mask
 * is `id ≠ 0`, so padding must be 0.
 */
import { splitIndices, type Batch, type Dataset, type DataSplit } from './dataset.js';
import { DataError, newSkipped } from './errors.js';
import { mulberry32, permutation } from './random.js';

export const PAD_ID = 0;
export const MASK_ID = 3;
/** Byte b has id b + BYTE_OFFSET. */
export const BYTE_OFFSET = 6;
/** 256 bytes + 6 special ids. */
export const BYTE_VOCAB = 262;

export interface TextBytes {
  name: string;
  bytes: Uint8Array;
  seqLen: number;
  /** Windows of seqLen bytes (the last one padded). */
  windows: number;
}

export function textBytes(bytes: Uint8Array, opts: { file?: string; seqLen: number }): TextBytes {
  if (!Number.isInteger(opts.seqLen) || opts.seqLen < 2)
    throw new DataError(`the sequence length must be an integer ≥ 2 (got ${opts.seqLen})`, { file: opts.file });
  if (bytes.length === 0) throw new DataError('the text file is empty', { file: opts.file });
  return { name: opts.file ?? 'text', bytes, seqLen: opts.seqLen, windows: Math.ceil(bytes.length / opts.seqLen) };
}

/** Window i as token ids, padded with PAD_ID past the end of the file. */
export function textWindow(t: TextBytes, i: number): Int32Array {
  if (i < 0 || i >= t.windows) throw new RangeError(`window ${i} is outside 0…${t.windows - 1}`);
  const out = new Int32Array(t.seqLen).fill(PAD_ID);
  const start = i * t.seqLen;
  const end = Math.min(t.bytes.length, start + t.seqLen);
  for (let k = start; k < end; k++) out[k - start] = t.bytes[k]! + BYTE_OFFSET;
  return out;
}

/**
 * Hide a fraction of the (non-pad) positions: inputs get MASK_ID there, targets keep the true
 * id, weights are 1 at masked positions and 0 elsewhere (the loss only counts hidden bytes).
 * A window with any bytes hides at least one, so no example is silently loss-free.
 */
export function maskWindow(
  tokens: Int32Array,
  rate: number,
  seed: number,
): { inputs: Int32Array; targets: Int32Array; weights: Float32Array } {
  const rand = mulberry32(seed);
  const inputs = tokens.slice();
  const weights = new Float32Array(tokens.length);
  let hidden = 0;
  let real = 0;
  for (let k = 0; k < tokens.length; k++) {
    if (tokens[k] === PAD_ID) continue;
    real++;
    if (rand() < rate) {
      inputs[k] = MASK_ID;
      weights[k] = 1;
      hidden++;
    }
  }
  if (hidden === 0 && real > 0) {
    let k = Math.floor(rand() * real);
    for (let p = 0; p < tokens.length; p++) {
      if (tokens[p] === PAD_ID) continue;
      if (k-- === 0) {
        inputs[p] = MASK_ID;
        weights[p] = 1;
        break;
      }
    }
  }
  return { inputs, targets: tokens.slice(), weights };
}

/** Seed of one window's mask: a fresh mask per epoch in training, a fixed one for evaluation. */
const maskSeed = (seed: number, epoch: number, window: number): number =>
  (Math.imul(seed + 1, 0x9e3779b1) ^ Math.imul(epoch + 1, 0x85ebca6b) ^ Math.imul(window + 1, 0xc2b2ae35)) >>> 0;

/** A split of windows; `remask`: a new mask every epoch (training), else one fixed mask. */
export class TextSplit implements DataSplit {
  constructor(
    private readonly text: TextBytes,
    private readonly indices: Uint32Array,
    private readonly maskRate: number,
    private readonly seed: number,
    private readonly remask: boolean,
  ) {}
  get size(): number {
    return this.indices.length;
  }
  private masked(src: number, epoch: number) {
    return maskWindow(textWindow(this.text, src), this.maskRate, maskSeed(this.seed, this.remask ? epoch : -1, src));
  }
  async *batches(
    batchSize: number,
    opts: { shuffle?: boolean; seed?: number; epoch?: number } = {},
  ): AsyncIterable<Batch> {
    const n = this.indices.length;
    const L = this.text.seqLen;
    const order = opts.shuffle ? permutation(n, ((opts.seed ?? 0) * 1000003 + (opts.epoch ?? 0)) >>> 0) : undefined;
    for (let start = 0; start < n; start += batchSize) {
      const m = Math.min(batchSize, n - start);
      const x = new Float32Array(m * L);
      const y = new Int32Array(m * L);
      const mask = new Float32Array(m * L);
      for (let r = 0; r < m; r++) {
        const w = this.masked(this.indices[order ? order[start + r]! : start + r]!, opts.epoch ?? 0);
        x.set(w.inputs, r * L);
        y.set(w.targets, r * L);
        mask.set(w.weights, r * L);
      }
      yield { x, y, mask, n: m };
    }
  }
  async example(i: number): Promise<{ x: Float32Array; y: number }> {
    return { x: Float32Array.from(this.masked(this.indices[i]!, 0).inputs), y: 0 };
  }
  /** The window's text with hidden bytes shown as "_" (previews). */
  maskedText(i: number): string {
    const w = this.masked(this.indices[i]!, 0);
    let s = '';
    for (let k = 0; k < w.inputs.length; k++) {
      const id = w.inputs[k]!;
      if (id === PAD_ID) break;
      s += id === MASK_ID ? '_' : id >= BYTE_OFFSET ? String.fromCharCode(id - BYTE_OFFSET) : '';
    }
    return s;
  }
}

export interface TextDatasetOptions {
  file?: string;
  /** Bytes per example: the Text bytes node's maxLength. */
  seqLen: number;
  /** Fraction of bytes hidden per window (BERT and the Perceiver IO MLM: 0.15). */
  maskRate?: number;
  validationFraction?: number;
  testFraction?: number;
  seed?: number;
}

export interface TextDataset extends Dataset {
  text: TextBytes;
  maskRate: number;
  train: TextSplit;
  validation: TextSplit;
  test: TextSplit;
}

/** A text file as masked-byte examples: windows split train/validation/test with a seed. */
export function textDataset(bytes: Uint8Array, opts: TextDatasetOptions): TextDataset {
  const t = textBytes(bytes, opts);
  const rate = opts.maskRate ?? 0.15;
  if (!(rate > 0 && rate < 1))
    throw new DataError(`the mask rate must be between 0 and 1 (got ${rate})`, { file: opts.file });
  const seed = opts.seed ?? 1;
  const s = splitIndices(t.windows, opts.validationFraction ?? 0.1, opts.testFraction ?? 0.2, seed);
  if (s.train.length === 0) {
    throw new DataError(
      `${bytes.length} bytes make ${t.windows} window${t.windows === 1 ? '' : 's'} of ${t.seqLen}, which leave nothing to train on after the validation and test fractions; use a longer text or lower the fractions`,
      { file: opts.file },
    );
  }
  const mk = (idx: Uint32Array, remask: boolean) => new TextSplit(t, idx, rate, seed, remask);
  return {
    name: t.name,
    inputShape: [t.seqLen],
    numClasses: BYTE_VOCAB,
    classNames: [],
    train: mk(s.train, true),
    validation: mk(s.validation, false),
    test: mk(s.test, false),
    skipped: newSkipped(),
    targets: [{ kind: 'tokens', shape: [t.seqLen], classes: BYTE_VOCAB, masked: true }],
    text: t,
    maskRate: rate,
  };
}

const TEXT_EXTENSIONS = new Set(['txt', 'text', 'md', 'markdown', 'rst', 'log', 'html', 'htm', 'xml', 'tex']);

/** True for file names read as text bytes (masked-byte models). */
export function isTextFileName(name: string): boolean {
  const ext = /\.([A-Za-z0-9]+)$/.exec(name)?.[1]?.toLowerCase();
  return ext !== undefined && TEXT_EXTENSIONS.has(ext);
}
