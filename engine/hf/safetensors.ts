/**
 * safetensors reader / writer with every structural check done before any tensor is trusted
 * (issue 12, "Formats, safely"). Browser-safe: no node:* imports.
 *
 * Layout: u64 little-endian header length N, N bytes of UTF-8 JSON, then the raw little-endian
 * tensor data. Each header entry is {"dtype", "shape", "data_offsets": [begin, end]} with offsets
 * relative to the end of the header; "__metadata__" is a string → string map.
 *
 * Refused (SafetensorsError naming the file and key): a file shorter than 8 bytes, a header over
 * 100 MB or past the end of the file, JSON that is not an object, an unknown dtype, a shape that
 * is not a list of non-negative integers, offsets that are not integers, out of order (begin >
 * end), past the end of the data, of the wrong length for dtype × shape, or overlapping another
 * tensor's bytes.
 */
import { fromUtf8, utf8 } from '../export/utf8.js';
import { bf16ToF32, f16ToF32, f32ToBf16, f32ToF16 } from '../data/float16.js';

export class SafetensorsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SafetensorsError';
  }
}

export type HfDtype = 'F32' | 'F16' | 'BF16' | 'I64';
/** A decoded tensor: F32/F16/BF16 as Float32Array (widened), I64 as BigInt64Array. */
export interface HfTensor {
  dtype: HfDtype;
  shape: number[];
  data: Float32Array | BigInt64Array;
}
/** One header entry with absolute byte offsets in the file. */
export interface SafetensorsEntry {
  key: string;
  dtype: HfDtype;
  shape: number[];
  begin: number;
  end: number;
}

/** The largest header accepted (the safetensors library's own limit). */
export const MAX_HEADER_BYTES = 100 * 1000 * 1000;

const DTYPE_BYTES: Record<HfDtype, number> = { F32: 4, F16: 2, BF16: 2, I64: 8 };
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const KNOWN_UNSUPPORTED = new Set(['F64', 'I32', 'I16', 'I8', 'U8', 'U16', 'U32', 'U64', 'BOOL', 'F8_E4M3', 'F8_E5M2']);

const isDtype = (d: unknown): d is HfDtype =>
  typeof d === 'string' && Object.prototype.hasOwnProperty.call(DTYPE_BYTES, d);

export function dtypeBytes(d: HfDtype): number {
  return DTYPE_BYTES[d];
}

/** Number of elements of a shape ([] = scalar = 1). */
export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Parse and validate the header. `head` holds at least the first 8 + N bytes of the file (the
 * whole file is fine); `fileSize` is the full file length, against which every offset is checked.
 */
export function parseSafetensorsHeader(
  head: Uint8Array,
  fileSize: number,
  fileName = 'the safetensors file',
): { entries: SafetensorsEntry[]; metadata: Record<string, string>; dataStart: number } {
  const what = fileName;
  if (fileSize < 8 || head.length < 8)
    throw new SafetensorsError(
      `${what} is too short to be a safetensors file (${fileSize} bytes; the header length alone takes 8)`,
    );
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const n64 = view.getBigUint64(0, true);
  if (n64 > BigInt(MAX_HEADER_BYTES))
    throw new SafetensorsError(
      `${what}: the header claims ${n64} bytes, over the 100 MB limit; this is not a safetensors file or it is corrupt`,
    );
  const n = Number(n64);
  if (8 + n > fileSize)
    throw new SafetensorsError(
      `${what} is truncated: its header claims ${n} bytes but the file has only ${fileSize - 8} after the length`,
    );
  if (head.length < 8 + n)
    throw new SafetensorsError(`${what}: only ${head.length} bytes were given to read a header of ${n} bytes`);
  const raw = head.subarray(8, 8 + n);
  let text: string;
  try {
    text = fromUtf8(raw);
  } catch {
    throw new SafetensorsError(`${what}: the header is not valid UTF-8`);
  }
  // Strict UTF-8: the text must re-encode to exactly the same bytes (no truncated/overlong sequences).
  const back = utf8(text);
  if (back.length !== raw.length || back.some((b, i) => b !== raw[i]))
    throw new SafetensorsError(`${what}: the header is not valid UTF-8`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new SafetensorsError(`${what}: the header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new SafetensorsError(`${what}: the header must be a JSON object of tensors`);
  const dataStart = 8 + n;
  const dataSize = fileSize - dataStart;
  const entries: SafetensorsEntry[] = [];
  let metadata: Record<string, string> = {};
  for (const [key, info] of Object.entries(json as Record<string, unknown>)) {
    if (key === '__metadata__') {
      if (typeof info !== 'object' || info === null || Array.isArray(info))
        throw new SafetensorsError(`${what}: "__metadata__" must be an object of strings`);
      const md: Record<string, string> = {};
      for (const [k, v] of Object.entries(info as Record<string, unknown>)) {
        if (typeof v !== 'string') throw new SafetensorsError(`${what}: "__metadata__.${k}" must be a string`);
        md[k] = v;
      }
      metadata = md;
      continue;
    }
    const at = `${what}: tensor "${key}"`;
    if (typeof info !== 'object' || info === null || Array.isArray(info))
      throw new SafetensorsError(`${at} is not an object with dtype, shape and data_offsets`);
    const { dtype, shape, data_offsets: offs } = info as Record<string, unknown>;
    if (!isDtype(dtype)) {
      const known = typeof dtype === 'string' && KNOWN_UNSUPPORTED.has(dtype);
      throw new SafetensorsError(
        `${at} has dtype ${JSON.stringify(dtype)}; ${known ? 'that dtype is not supported: ' : ''}only F32, F16, BF16 and I64 can be read`,
      );
    }
    if (
      !Array.isArray(shape) ||
      shape.length > 16 ||
      !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)
    ) {
      throw new SafetensorsError(
        `${at} has shape ${JSON.stringify(shape)}; a shape must be a list of at most 16 non-negative integers`,
      );
    }
    if (
      !Array.isArray(offs) ||
      offs.length !== 2 ||
      !offs.every((o) => Number.isSafeInteger(o) && (o as number) >= 0)
    ) {
      throw new SafetensorsError(
        `${at} has data_offsets ${JSON.stringify(offs)}; expected [begin, end] as non-negative integers`,
      );
    }
    const [b, e] = offs as [number, number];
    if (b > e) throw new SafetensorsError(`${at} has data_offsets [${b}, ${e}] with begin after end`);
    if (e > dataSize)
      throw new SafetensorsError(
        `${at} has data_offsets [${b}, ${e}] past the end of the data (${dataSize} bytes): the file is truncated or corrupt`,
      );
    const count = numel(shape as number[]);
    const need = count * DTYPE_BYTES[dtype];
    if (e - b !== need)
      throw new SafetensorsError(
        `${at} has ${e - b} bytes but dtype ${dtype} × shape [${(shape as number[]).join(', ')}] needs ${need}`,
      );
    entries.push({ key, dtype, shape: [...(shape as number[])], begin: dataStart + b, end: dataStart + e });
  }
  // Overlaps: sort by begin and check neighbours (empty tensors overlap nothing).
  const sorted = entries.filter((x) => x.end > x.begin).sort((x, y) => x.begin - y.begin);
  for (let i = 1; i < sorted.length; i++) {
    const p = sorted[i - 1]!;
    const c = sorted[i]!;
    if (c.begin < p.end) {
      throw new SafetensorsError(
        `${what}: tensors "${p.key}" and "${c.key}" overlap (bytes ${p.begin - dataStart}–${p.end - dataStart} and ${c.begin - dataStart}–${c.end - dataStart} of the data)`,
      );
    }
  }
  return { entries, metadata, dataStart };
}

/**
 * Decode one tensor. `bytes` is either the whole file (entry offsets are absolute) or exactly the
 * entry's own bytes (length end − begin), as a streaming reader would pass.
 */
export function decodeTensor(entry: SafetensorsEntry, bytes: Uint8Array): HfTensor {
  const len = entry.end - entry.begin;
  let src: Uint8Array;
  if (bytes.length === len) src = bytes;
  else if (entry.end <= bytes.length) src = bytes.subarray(entry.begin, entry.end);
  else
    throw new SafetensorsError(
      `tensor "${entry.key}": bytes ${entry.begin}–${entry.end} are not in the ${bytes.length} bytes given (file truncated?)`,
    );
  const count = numel(entry.shape);
  if (len !== count * DTYPE_BYTES[entry.dtype])
    throw new SafetensorsError(
      `tensor "${entry.key}": ${len} bytes do not hold ${entry.dtype} × [${entry.shape.join(', ')}]`,
    );
  const dv = new DataView(src.buffer, src.byteOffset, src.byteLength);
  if (entry.dtype === 'F32') {
    const data = new Float32Array(count);
    // Little-endian hosts (all current JS engines): one memcpy instead of a loop.
    if (LITTLE_ENDIAN) new Uint8Array(data.buffer).set(src);
    else for (let i = 0; i < count; i++) data[i] = dv.getFloat32(4 * i, true);
    return { dtype: 'F32', shape: [...entry.shape], data };
  }
  if (entry.dtype === 'I64') {
    const data = new BigInt64Array(count);
    if (LITTLE_ENDIAN) new Uint8Array(data.buffer).set(src);
    else for (let i = 0; i < count; i++) data[i] = dv.getBigInt64(8 * i, true);
    return { dtype: 'I64', shape: [...entry.shape], data };
  }
  const data = new Float32Array(count);
  if (entry.dtype === 'BF16') for (let i = 0; i < count; i++) data[i] = bf16ToF32(dv.getUint16(2 * i, true));
  else for (let i = 0; i < count; i++) data[i] = f16ToF32(dv.getUint16(2 * i, true));
  return { dtype: entry.dtype, shape: [...entry.shape], data };
}

/** Read a whole safetensors file (header checked first), tensors in header order. */
export function readSafetensors(bytes: Uint8Array, fileName?: string): Map<string, HfTensor> {
  const { entries } = parseSafetensorsHeader(bytes, bytes.length, fileName);
  const out = new Map<string, HfTensor>();
  for (const e of entries) out.set(e.key, decodeTensor(e, bytes));
  return out;
}

/**
 * Write tensors as safetensors in the map's order, contiguous, header space-padded to a multiple
 * of 8 (as the safetensors library writes). F16/BF16 tensors (given as Float32Array) are rounded.
 */
export function writeSafetensors(tensors: Map<string, HfTensor>, metadata?: Record<string, string>): Uint8Array {
  // A null-prototype object: a tensor named "__proto__" is an own key like any other, not the prototype.
  const header: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  if (metadata && Object.keys(metadata).length) header.__metadata__ = { ...metadata };
  let offset = 0;
  for (const [key, t] of tensors) {
    if (key === '__metadata__') throw new SafetensorsError('a tensor may not be called "__metadata__"');
    if (!isDtype(t.dtype)) throw new SafetensorsError(`tensor "${key}": dtype ${String(t.dtype)} cannot be written`);
    const count = numel(t.shape);
    if (count !== t.data.length)
      throw new SafetensorsError(
        `tensor "${key}": shape [${t.shape.join(', ')}] does not hold ${t.data.length} values`,
      );
    if ((t.dtype === 'I64') !== t.data instanceof BigInt64Array)
      throw new SafetensorsError(
        `tensor "${key}": dtype ${t.dtype} needs ${t.dtype === 'I64' ? 'a BigInt64Array' : 'a Float32Array'}`,
      );
    const size = count * DTYPE_BYTES[t.dtype];
    header[key] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + size] };
    offset += size;
  }
  let json = utf8(JSON.stringify(header));
  const pad = (8 - (json.length % 8)) % 8;
  if (pad) {
    const padded = new Uint8Array(json.length + pad).fill(0x20);
    padded.set(json);
    json = padded;
  }
  const out = new Uint8Array(8 + json.length + offset);
  const dv = new DataView(out.buffer);
  dv.setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let p = 8 + json.length;
  for (const t of tensors.values()) {
    const n = t.data.length;
    if ((t.dtype === 'F32' || t.dtype === 'I64') && LITTLE_ENDIAN)
      out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), p);
    else if (t.dtype === 'F32')
      for (let i = 0; i < n; i++) dv.setFloat32(p + 4 * i, (t.data as Float32Array)[i]!, true);
    else if (t.dtype === 'I64')
      for (let i = 0; i < n; i++) dv.setBigInt64(p + 8 * i, (t.data as BigInt64Array)[i]!, true);
    else if (t.dtype === 'BF16')
      for (let i = 0; i < n; i++) dv.setUint16(p + 2 * i, f32ToBf16((t.data as Float32Array)[i]!), true);
    else for (let i = 0; i < n; i++) dv.setUint16(p + 2 * i, f32ToF16((t.data as Float32Array)[i]!), true);
    p += n * DTYPE_BYTES[t.dtype];
  }
  return out;
}
