/**
 * The Try panel's inputs turned into model values the way training data is (tfjs-free, so it
 * is unit-tested): pad pixels and image files go through the engine's `imageToInput` (channels,
 * antialiased resize) and the image folders' `normalizeInPlace`; table rows through the CSV
 * loader's `parseNumberCell` and `applyNormalization`; text through the Text bytes ids of
 * engine/data/text (byte + 6, MASK 3, PAD 0). Also the output side: softmax and top-k.
 */
import { loadImage, normalizeInPlace, type ImageAccess } from '../../engine/data/images';
import { parseNpy } from '../../engine/data/npy';
import { parseNumberCell } from '../../engine/data/csv';
import { imageToInput } from '../../engine/data/resize';
import { applyNormalization, type Normalization } from '../../engine/data/tabular';
import { BYTE_OFFSET, MASK_ID, PAD_ID } from '../../engine/data/text';
import type { ExampleCodec } from '../../engine/data/fileFolder';
import { decodeWithCodec } from '../../engine/data/inputCodecs';

/** An input the user made could not be used: the message says which field/file and why. */
export class TryInputError extends Error {
  override name = 'TryInputError';
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function normalised(x: Float32Array, shape: number[], norm: Normalization | null): Float32Array {
  if (!norm || norm.kind === 'none') return x;
  if (shape.length === 3) {
    normalizeInPlace(x, norm);
    return x;
  }
  return applyNormalization(x, shape, norm);
}

/**
 * The drawing pad (RGBA, any resolution) → [H, W, C] values: the same resize and channel
 * conversion an image file gets in training, then the training data's normalisation.
 */
export function pixelsToInput(
  rgba: Uint8ClampedArray | Uint8Array,
  width: number,
  height: number,
  shape: number[],
  norm: Normalization | null,
): Float32Array {
  if (shape.length !== 3)
    throw new TryInputError(`the drawing pad draws images, but this input takes shape [${shape.join(', ')}]`);
  if (rgba.length !== width * height * 4)
    throw new TryInputError(`the pad sent ${rgba.length} bytes for ${width}×${height} RGBA pixels`);
  const data = rgba instanceof Uint8Array ? rgba : new Uint8Array(rgba.buffer, rgba.byteOffset, rgba.byteLength);
  const x = imageToInput({ width, height, channels: 4, data }, shape[0]!, shape[1]!, shape[2]!);
  return normalised(x, shape, norm);
}

/** An image file through the image folders' own loader (read → decode → resize), then normalised. */
export async function imageFileToInput(
  name: string,
  access: ImageAccess,
  shape: number[],
  norm: Normalization | null,
): Promise<Float32Array> {
  if (shape.length !== 3)
    throw new TryInputError(
      `${name}: this model's input takes shape [${shape.join(', ')}], not an image; choose a .npy array of that shape`,
    );
  try {
    const x = await loadImage(access, name, { height: shape[0]!, width: shape[1]!, channels: shape[2]! });
    return normalised(x, shape, norm);
  } catch (err) {
    // DataError names the file already ("photo.png: cannot decode the image: …").
    throw new TryInputError((err as Error).message);
  }
}

/**
 * A .npy array of the input's shape (a leading batch axis of 1 is allowed), normalised as the
 * training arrays were.
 */
export function npyToInput(name: string, bytes: Uint8Array, shape: number[], norm: Normalization | null): Float32Array {
  let arr;
  try {
    arr = parseNpy(bytes, name);
  } catch (err) {
    throw new TryInputError((err as Error).message);
  }
  const got = arr.shape[0] === 1 && arr.shape.length === shape.length + 1 ? arr.shape.slice(1) : arr.shape;
  if (got.join('x') !== shape.join('x')) {
    throw new TryInputError(
      `${name}: the array has shape [${arr.shape.join(', ')}] but this model's input takes [${shape.join(', ')}] (optionally with a leading 1)`,
    );
  }
  return normalised(Float32Array.from(arr.data), shape, norm);
}

export { fileCodecFor } from '../../engine/data/inputCodecs';

/** A file through its input's codec (evaluation draw: no augmentation), checked against the input's shape. */
export function codecFileToInput(codec: ExampleCodec, name: string, bytes: Uint8Array, shape: number[]): Float32Array {
  try {
    return decodeWithCodec(codec, name, bytes, shape);
  } catch (err) {
    throw new TryInputError((err as Error).message);
  }
}

/** One table row as typed (one string per feature) → features, parsed and normalised like the CSV. */
export function rowToInput(
  values: string[],
  featureNames: string[],
  shape: number[],
  norm: Normalization | null,
): Float32Array {
  const n = size(shape);
  if (values.length !== n)
    throw new TryInputError(`the row has ${values.length} values but the model takes ${n} features`);
  const x = new Float32Array(n);
  values.forEach((raw, i) => {
    const cell = parseNumberCell(raw);
    const name = featureNames[i] ?? `feature ${i + 1}`;
    if (!cell.ok) throw new TryInputError(`the field “${name}” ${cell.problem}; type a number`);
    x[i] = cell.value;
  });
  return normalised(x, shape, norm);
}

/**
 * Text → Text bytes ids for a window of `seqLen`: UTF-8 bytes + 6, padded with PAD. A "_" and
 * every byte of a character whose index is in `maskedChars` become MASK. Too long a text is refused.
 * `hf`: Hugging Face's Perceiver tokenizer layout ([CLS] bytes [SEP] pad, as engine/hf/tokenizer
 * encodes), for imported PerceiverForMaskedLM models; `offset` is then 1 (the [CLS]).
 */
export function textToTokens(
  text: string,
  maskedChars: readonly number[],
  seqLen: number,
  opts: { hf?: boolean } = {},
): { ids: Int32Array; masked: number[]; bytes: number; offset: number } {
  const enc = new TextEncoder();
  const marks = new Set(maskedChars);
  const ids = new Int32Array(seqLen).fill(PAD_ID);
  const masked: number[] = [];
  const offset = opts.hf ? 1 : 0;
  const room = seqLen - (opts.hf ? 2 : 0);
  if (opts.hf) ids[0] = HF_CLS;
  let at = 0;
  let ci = 0;
  for (const ch of text) {
    const b = enc.encode(ch);
    if (at + b.length > room)
      throw new TryInputError(
        `the text is longer than the model's ${room} bytes (${opts.hf ? `${seqLen} tokens less [CLS] and [SEP]` : 'Text bytes maxLength'}); shorten it`,
      );
    const hide = marks.has(ci) || ch === '_';
    for (const v of b) {
      if (hide) masked.push(offset + at);
      ids[offset + at++] = hide ? MASK_ID : v + BYTE_OFFSET;
    }
    ci++;
  }
  if (opts.hf) ids[offset + at] = HF_SEP;
  return { ids, masked, bytes: at, offset };
}

/** Softmax of one row of logits (max-shifted; stable for large logits). */
export function softmax(logits: ArrayLike<number>, offset = 0, n = logits.length - offset): Float32Array {
  let m = -Infinity;
  for (let i = 0; i < n; i++) m = Math.max(m, logits[offset + i]!);
  const out = new Float32Array(n);
  let s = 0;
  for (let i = 0; i < n; i++) s += out[i] = Math.exp(logits[offset + i]! - m);
  for (let i = 0; i < n; i++) out[i]! /= s;
  return out;
}

/** The k most probable entries, most probable first (ties: lower index first). */
export function topK(p: ArrayLike<number>, k: number): { index: number; p: number }[] {
  const idx = Array.from({ length: p.length }, (_, i) => i);
  idx.sort((a, b) => p[b]! - p[a]! || a - b);
  return idx.slice(0, Math.max(0, Math.min(k, p.length))).map((index) => ({ index, p: p[index]! }));
}

const SPECIAL = ['⟨pad⟩', '⟨bos⟩', '⟨eos⟩', '⟨mask⟩', '⟨cls⟩', '⟨sep⟩'];
/** Hugging Face's Perceiver tokenizer: [CLS] 4 first, [SEP] 5 after the bytes (engine/hf/tokenizer PERCEIVER_SPECIAL). */
const HF_CLS = 4;
const HF_SEP = 5;

/** A Text bytes id as shown: the byte's character, "\n" escapes, "space", or the special token's name. */
export function tokenText(id: number): string {
  if (id < BYTE_OFFSET) return SPECIAL[id] ?? `⟨${id}⟩`;
  const b = id - BYTE_OFFSET;
  if (b === 10) return '\\n';
  if (b === 9) return '\\t';
  if (b === 32) return 'space';
  if (b >= 32 && b < 127) return String.fromCharCode(b);
  return `0x${b.toString(16).padStart(2, '0')}`;
}

/** The text with every masked position replaced by its most probable byte (special ids dropped). */
export function filledText(ids: Int32Array, best: Map<number, number>, length: number): string {
  const out: number[] = [];
  for (let i = 0; i < length; i++) {
    const id = best.get(i) ?? ids[i]!;
    if (id >= BYTE_OFFSET) out.push(id - BYTE_OFFSET);
  }
  return new TextDecoder('utf-8', { fatal: false }).decode(Uint8Array.from(out));
}
