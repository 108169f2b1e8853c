/**
 * Run a loaded model folder (or checkpoint folder) on files: the input preparation `predict`
 * uses, kept apart from the CLI so tests and other commands share it.
 *
 * Studio-trained models: each file is one example of the model's input (several files, or the
 * rows of a CSV / the first axis of an .npy, make a batch), prepared exactly as the training data
 * was: images decoded, resized and converted to the ImageInput node's height × width × channels
 * in 0…1, then the data binding's normalisation from model-info.json; text as byte tokens
 * (byte + 6, padded with 0 to the TextBytes node's maxLength; "_" = the mask token 3); CSV rows
 * as the TabularInput's columns (the binding's target column dropped) normalised the same way;
 * .npy arrays as they are.
 */
import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { detectDelimiter, looksLikeHeader, parseCsvRecords, parseNumberCell } from '../data/csv.js';
import { parseNpy, type NpyArray } from '../data/npy.js';
import { decodeWithCodec, fileCodecFor } from '../data/inputCodecs.js';
import { imageToInput } from '../data/resize.js';
import { BYTE_OFFSET, MASK_ID, PAD_ID } from '../data/text.js';
import type { Normalization } from '../data/tabular.js';
import { analyse } from '../graph/analyse.js';
import { decodeImageBytes } from './imageFolder.js';
import type { LoadedModel } from './modelFolder.js';

export class PredictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PredictError';
  }
}

export const IMAGE_FILE = /\.(png|jpe?g)$/i;
export const TEXT_FILE = /\.(txt|md|text)$/i;

export interface PreparedInput {
  node: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  data: Float32Array | Int32Array;
  /** Where each example came from, e.g. "cat.png" or "rows.csv row 3". */
  examples: string[];
}

function readBytes(path: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new PredictError(`Cannot read ${path}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
}

function normalise(x: Float32Array, norm: Normalization | undefined): void {
  if (!norm || norm.kind === 'none') return;
  const c = norm.offset.length;
  for (let i = 0; i < x.length; i++) x[i] = (x[i]! - norm.offset[i % c]!) * norm.scale[i % c]!;
}

/** npyAsBatch, or null when the array does not have the input's shape and a codec can read it instead. */
function npyBatchOrNull(
  a: NpyArray,
  spec: { shape: number[]; dtype: 'float32' | 'int32'; nodeId: string },
  file: string,
  codecFallback: boolean,
): { data: Float32Array | Int32Array; n: number } | null {
  try {
    return npyAsBatch(a, spec, file, spec.nodeId);
  } catch (err) {
    if (codecFallback && err instanceof PredictError) return null;
    throw err;
  }
}

/** An .npy as a batch of `spec` examples: shape [N, ...spec] or exactly spec (one example). */
export function npyAsBatch(
  a: NpyArray,
  spec: { shape: number[]; dtype: 'float32' | 'int32' },
  file: string,
  name: string,
): { data: Float32Array | Int32Array; n: number } {
  const per = spec.shape.reduce((x, y) => x * y, 1);
  const same = (s: number[]) => s.length === spec.shape.length && s.every((d, i) => d === spec.shape[i]);
  let n: number;
  if (same(a.shape)) n = 1;
  else if (a.shape.length === spec.shape.length + 1 && same(a.shape.slice(1))) n = a.shape[0]!;
  else
    throw new PredictError(
      `${file} has shape [${a.shape.join(', ')}]; input "${name}" takes [${spec.shape.join(', ')}] per example (or [N, ${spec.shape.join(', ')}] for a batch)`,
    );
  if (n * per !== a.data.length)
    throw new PredictError(`${file}: ${a.data.length} values do not fill shape [${a.shape.join(', ')}]`);
  if (spec.dtype === 'int32') {
    if (!a.integral) throw new PredictError(`${file} holds non-integer values but input "${name}" takes integer ids`);
    return { data: Int32Array.from(a.data), n };
  }
  return { data: a.data, n };
}

function loadNpy(path: string): NpyArray {
  try {
    return parseNpy(readBytes(path), path);
  } catch (err) {
    if (err instanceof PredictError) throw err;
    throw new PredictError(`${path}: ${(err as Error).message}`);
  }
}

/** Text → byte tokens of length `len`; "_" becomes the mask token. */
export function textTokens(text: Uint8Array, len: number): Int32Array {
  const out = new Int32Array(len).fill(PAD_ID);
  for (let i = 0; i < Math.min(len, text.length); i++) out[i] = text[i] === 0x5f ? MASK_ID : text[i]! + BYTE_OFFSET;
  return out;
}

function csvRows(
  path: string,
  columns: number,
  target: string | undefined,
  norm: Normalization | undefined,
): { rows: Float32Array[]; names: string[] } {
  const text = new TextDecoder().decode(readBytes(path));
  const records = parseCsvRecords(text, detectDelimiter(text), path);
  if (records.length === 0) throw new PredictError(`${path} has no rows`);
  const header = looksLikeHeader(records) ? records[0]!.fields : undefined;
  const body = header ? records.slice(1) : records;
  let drop = -1;
  const width = records[0]!.fields.length;
  if (width === columns + 1) {
    // The training file's layout: the target column is dropped (named, 1-based, or the last).
    if (target && header && header.includes(target)) drop = header.indexOf(target);
    else if (target && /^\d+$/.test(target)) drop = Number(target) - 1;
    else drop = width - 1;
  } else if (width !== columns)
    throw new PredictError(
      `${path} has ${width} columns; the model takes ${columns} features (or ${columns + 1} with the target column)`,
    );
  const rows: Float32Array[] = [];
  const names: string[] = [];
  body.forEach((r, k) => {
    const fields = r.fields.filter((_, i) => i !== drop);
    if (fields.length !== columns)
      throw new PredictError(
        `${path} row ${k + 1 + (header ? 1 : 0)} has ${r.fields.length} fields, expected ${width}`,
      );
    const x = new Float32Array(columns);
    fields.forEach((f, i) => {
      const v = parseNumberCell(f);
      if (!v.ok)
        throw new PredictError(`${path} row ${k + 1 + (header ? 1 : 0)}, column ${header?.[i] ?? i + 1}: ${v.problem}`);
      x[i] = v.value;
    });
    normalise(x, norm);
    rows.push(x);
    names.push(`${basename(path)} row ${k + 1}`);
  });
  return { rows, names };
}

/**
 * Build the model's input arrays from positional files (one input: its examples) and named
 * files (`--input NODE=FILE.npy`). Returns the inputs in the model's order.
 */
export function prepareStudioInputs(loaded: LoadedModel, files: string[], named: Map<string, string>): PreparedInput[] {
  const analysis = analyse(loaded.doc);
  const specs = loaded.inputNodes.map((id) => {
    const s = analysis.inputSpecs.find((x) => x.nodeId === id);
    if (!s) throw new PredictError(`the graph has no input spec for "${id}"`);
    return s;
  });
  const names = specs.map((s) => s.nodeId);
  for (const k of named.keys())
    if (!names.includes(k))
      throw new PredictError(
        `--input ${k}=…: the model has no input "${k}"; its inputs are ${names.map((n) => `"${n}"`).join(', ')}`,
      );
  if (files.length && specs.length > 1)
    throw new PredictError(
      `the model has ${specs.length} inputs (${names.join(', ')}); give each with --input NAME=FILE.npy`,
    );
  const norm = loaded.info.normalisation;
  return specs.map((spec) => {
    const node = loaded.doc.nodes.find((n) => n.id === spec.nodeId)!;
    const fromNamed = named.get(spec.nodeId);
    const sources = fromNamed ? [fromNamed] : files;
    if (!sources.length)
      throw new PredictError(`no input for "${spec.nodeId}"; give files or --input ${spec.nodeId}=FILE.npy`);
    const per = spec.shape.reduce((a, b) => a * b, 1);
    const chunks: (Float32Array | Int32Array)[] = [];
    const examples: string[] = [];
    const codec = fileCodecFor(node);
    for (const file of sources) {
      const ext = extname(file).toLowerCase();
      // An .npy of the input's shape ([N, …] or one example) goes in as it is; for an audio or
      // point-cloud input any other .npy is one recording / cloud, read by the input's codec.
      const batch = ext === '.npy' ? npyBatchOrNull(loadNpy(file), spec, file, codec !== null) : null;
      if (batch) {
        const { data, n } = batch;
        chunks.push(data);
        for (let i = 0; i < n; i++) examples.push(n === 1 ? basename(file) : `${basename(file)}[${i}]`);
      } else if (IMAGE_FILE.test(file) && node.kind === 'ImageInput') {
        const [h, w, c] = spec.shape as [number, number, number];
        let img;
        try {
          img = decodeImageBytes(readBytes(file));
        } catch (err) {
          if (err instanceof PredictError) throw err;
          throw new PredictError(`${file}: cannot decode the image (${(err as Error).message})`);
        }
        const x = imageToInput(img, h, w, c);
        normalise(x, norm);
        chunks.push(x);
        examples.push(basename(file));
      } else if (TEXT_FILE.test(file) && node.kind === 'TextBytes') {
        chunks.push(textTokens(readBytes(file), spec.shape[0]!));
        examples.push(basename(file));
      } else if (codec?.accepts(file)) {
        // Audio clips and point clouds: the input's own codec, as training on a folder reads them.
        try {
          chunks.push(decodeWithCodec(codec, basename(file), readBytes(file), spec.shape));
        } catch (err) {
          if (err instanceof PredictError) throw err;
          throw new PredictError(`${file}: ${(err as Error).message}`);
        }
        examples.push(basename(file));
      } else if (ext === '.csv' && node.kind === 'TabularInput') {
        const { rows, names: rowNames } = csvRows(file, spec.shape[0]!, loaded.doc.data?.target, norm);
        chunks.push(...rows);
        examples.push(...rowNames);
      } else {
        const takes = codec
          ? `${codec.formats} files (${codec.what})`
          : node.kind === 'ImageInput'
            ? 'PNG/JPEG images or .npy'
            : node.kind === 'TextBytes'
              ? 'text files (.txt) or .npy'
              : node.kind === 'TabularInput'
                ? 'CSV rows or .npy'
                : '.npy arrays';
        throw new PredictError(`${file}: input "${spec.nodeId}" (${node.kind}) takes ${takes}`);
      }
    }
    const n = chunks.reduce((s, c) => s + c.length, 0) / per;
    const data = spec.dtype === 'int32' ? new Int32Array(n * per) : new Float32Array(n * per);
    let o = 0;
    for (const c of chunks) {
      data.set(c, o);
      o += c.length;
    }
    return { node: spec.nodeId, shape: [n, ...spec.shape], dtype: spec.dtype, data, examples };
  });
}

/** Run the model; outputs by output node id, as plain arrays. */
export function runModel(
  loaded: LoadedModel,
  inputs: { shape: number[]; dtype: 'float32' | 'int32'; data: Float32Array | Int32Array }[],
): Map<string, { shape: number[]; data: Float32Array }> {
  const n = new Set(inputs.map((i) => i.shape[0]));
  if (n.size > 1) throw new PredictError(`the inputs have different numbers of examples (${[...n].join(', ')})`);
  const xs = inputs.map((i) => tf.tensor(i.data, i.shape, i.dtype));
  let ys: tf.Tensor[] = [];
  try {
    ys = [loaded.model.predict(xs.length === 1 ? xs[0]! : xs)].flat() as tf.Tensor[];
    const out = new Map<string, { shape: number[]; data: Float32Array }>();
    ys.forEach((y, k) =>
      out.set(loaded.outputNodes[k] ?? `output_${k}`, {
        shape: [...y.shape],
        data: Float32Array.from(y.dataSync() as Float32Array),
      }),
    );
    return out;
  } finally {
    tf.dispose([...xs, ...ys]);
  }
}

export interface TopK {
  index: number;
  label: string;
  probability: number;
}

/** Softmax top-k of each row of [N, C] logits. */
export function topK(logits: { shape: number[]; data: Float32Array }, k: number, classNames?: string[]): TopK[][] {
  const c = logits.shape[logits.shape.length - 1]!;
  const rows = logits.data.length / c;
  const out: TopK[][] = [];
  for (let r = 0; r < rows; r++) {
    const row = logits.data.subarray(r * c, (r + 1) * c);
    let max = -Infinity;
    for (const v of row) max = Math.max(max, v);
    let sum = 0;
    const p = new Float64Array(c);
    for (let i = 0; i < c; i++) sum += p[i] = Math.exp(row[i]! - max);
    const order = [...Array(c).keys()].sort((a, b) => p[b]! - p[a]!).slice(0, k);
    out.push(order.map((i) => ({ index: i, label: classNames?.[i] ?? String(i), probability: p[i]! / sum })));
  }
  return out;
}

/** Argmax byte tokens back to text (specials shown as ·). */
export function tokensToText(ids: ArrayLike<number>): string {
  const bytes: number[] = [];
  for (let i = 0; i < ids.length; i++) bytes.push(ids[i]! >= BYTE_OFFSET ? ids[i]! - BYTE_OFFSET : 0xb7);
  return new TextDecoder('utf-8', { fatal: false }).decode(Uint8Array.from(bytes.map((b) => (b === 0xb7 ? 0x2e : b))));
}
