/**
 * Text files as bytes, for masked-byte models (Perceiver IO's byte-level language modelling):
 * a file is cut into fixed-length windows of UTF-8 bytes; masking picks positions to hide and
 * keeps the true bytes as per-position targets.
 */
import { DataError } from './errors.js';
import { mulberry32 } from './random.js';

/** Byte values 0…255 are the vocabulary; these ids follow them. */
export const PAD_ID = 256;
export const MASK_ID = 257;
export const BYTE_VOCAB = 258;

export interface TextBytes {
  name: string;
  bytes: Uint8Array;
  seqLen: number;
  /** Windows of seqLen bytes (the last one padded). */
  windows: number;
}

export function textBytes(bytes: Uint8Array, opts: { file?: string; seqLen: number }): TextBytes {
  if (!Number.isInteger(opts.seqLen) || opts.seqLen < 2) throw new DataError(`the sequence length must be an integer ≥ 2 (got ${opts.seqLen})`, { file: opts.file });
  if (bytes.length === 0) throw new DataError('the text file is empty', { file: opts.file });
  return { name: opts.file ?? 'text', bytes, seqLen: opts.seqLen, windows: Math.ceil(bytes.length / opts.seqLen) };
}

/** Window i as token ids, padded with PAD_ID past the end of the file. */
export function textWindow(t: TextBytes, i: number): Int32Array {
  if (i < 0 || i >= t.windows) throw new RangeError(`window ${i} is outside 0…${t.windows - 1}`);
  const out = new Int32Array(t.seqLen).fill(PAD_ID);
  const start = i * t.seqLen;
  const end = Math.min(t.bytes.length, start + t.seqLen);
  for (let k = start; k < end; k++) out[k - start] = t.bytes[k]!;
  return out;
}

/**
 * Hide a fraction of the (non-pad) positions: inputs get MASK_ID there, targets keep the true
 * byte, weights are 1 at masked positions and 0 elsewhere (the loss only counts hidden bytes).
 */
export function maskWindow(tokens: Int32Array, rate: number, seed: number): { inputs: Int32Array; targets: Int32Array; weights: Float32Array } {
  const rand = mulberry32(seed);
  const inputs = tokens.slice();
  const weights = new Float32Array(tokens.length);
  for (let k = 0; k < tokens.length; k++) {
    if (tokens[k] !== PAD_ID && rand() < rate) {
      inputs[k] = MASK_ID;
      weights[k] = 1;
    }
  }
  return { inputs, targets: tokens.slice(), weights };
}
