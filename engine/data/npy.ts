/**
 * NumPy .npy (format versions 1–3) and .npz (a zip of .npy members, stored or deflated).
 * Numeric dtypes only (bool, int8…int64, uint8…uint64, float16/32/64), either byte order,
 * C order. Pickled object arrays are refused: loading them would run arbitrary code in Python
 * and cannot be read safely here.
 */
import { DataError } from './errors.js';
import { platformInflateRaw, type InflateRaw } from './platform.js';
import { readZip } from './zip.js';
import { f16ToF32 } from './float16.js';

export interface NpyArray {
  shape: number[];
  /** The numpy dtype string as written, e.g. "<f4". */
  dtype: string;
  /** Values as float32 (float64 and 64-bit integers are narrowed). */
  data: Float32Array;
  /** True when every value is an integer (labels). */
  integral: boolean;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

function asciiOf(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]!);
  return s;
}

export function parseNpyHeader(header: string, file?: string): { dtype: string; fortran: boolean; shape: number[] } {
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header);
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header);
  const shape = /'shape'\s*:\s*\(([^)]*)\)/.exec(header);
  if (!descr) {
    if (/'descr'\s*:\s*\[/.test(header))
      throw new DataError(
        'the array has a structured (record) dtype; save plain numeric arrays (e.g. one array per field)',
        { file },
      );
    throw new DataError(`the .npy header has no dtype ('descr'): ${header.trim().slice(0, 120)}`, { file });
  }
  if (!fortran || !shape) throw new DataError(`the .npy header is malformed: ${header.trim().slice(0, 120)}`, { file });
  const dims = shape[1]!
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => {
      const v = Number(s.replace(/L$/, ''));
      if (!Number.isInteger(v) || v < 0)
        throw new DataError(`the .npy shape (${shape[1]}) is not a list of sizes`, { file });
      return v;
    });
  return { dtype: descr[1]!, fortran: fortran[1] === 'True', shape: dims };
}

export function parseNpy(bytes: Uint8Array, file?: string): NpyArray {
  if (bytes.length < 10 || !MAGIC.every((b, i) => bytes[i] === b))
    throw new DataError('not a NumPy .npy file (the magic bytes \\x93NUMPY are missing)', { file });
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let headerStart: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new DataError('the .npy file is truncated in its header', { file });
    headerLen = view.getUint32(8, true);
    headerStart = 12;
  } else throw new DataError(`unsupported .npy format version ${major}.${bytes[7]} (1, 2 and 3 are read)`, { file });
  if (headerStart + headerLen > bytes.length) throw new DataError('the .npy file is truncated in its header', { file });
  const header = asciiOf(bytes.subarray(headerStart, headerStart + headerLen));
  const { dtype, fortran, shape } = parseNpyHeader(header, file);
  if (fortran && shape.length > 1)
    throw new DataError(
      'the array is in Fortran (column-major) order; save it with np.save(path, np.ascontiguousarray(a))',
      { file },
    );
  const m = /^([<>|=]?)([biuf])(\d+)$/.exec(dtype);
  if (!m) {
    const why = dtype.includes('O')
      ? 'object arrays (pickled Python objects) cannot be read safely'
      : dtype.match(/[US]/)
        ? 'text arrays cannot be features; map them to numbers first'
        : 'not a numeric dtype';
    throw new DataError(`dtype "${dtype}" is not supported: ${why}`, { file });
  }
  const little = m[1] !== '>';
  const kind = m[2]!;
  const size = Number(m[3]);
  const count = shape.reduce((a, b) => a * b, 1);
  const dataStart = headerStart + headerLen;
  const need = count * size;
  if (bytes.length - dataStart < need)
    throw new DataError(
      `the .npy file is truncated: shape (${shape.join(', ')}) of ${dtype} needs ${need} bytes of data but ${bytes.length - dataStart} are there`,
      { file },
    );
  const out = new Float32Array(count);
  let integral = kind !== 'f';
  let read: (off: number) => number;
  switch (`${kind}${size}`) {
    case 'b1':
    case 'u1':
      read = (o) => view.getUint8(o);
      break;
    case 'i1':
      read = (o) => view.getInt8(o);
      break;
    case 'u2':
      read = (o) => view.getUint16(o, little);
      break;
    case 'i2':
      read = (o) => view.getInt16(o, little);
      break;
    case 'u4':
      read = (o) => view.getUint32(o, little);
      break;
    case 'i4':
      read = (o) => view.getInt32(o, little);
      break;
    case 'u8':
      read = (o) => Number(view.getBigUint64(o, little));
      break;
    case 'i8':
      read = (o) => Number(view.getBigInt64(o, little));
      break;
    case 'f2':
      read = (o) => f16ToF32(view.getUint16(o, little));
      break;
    case 'f4':
      read = (o) => view.getFloat32(o, little);
      break;
    case 'f8':
      read = (o) => view.getFloat64(o, little);
      break;
    default:
      throw new DataError(`dtype "${dtype}" is not supported (numeric dtypes of 1, 2, 4 or 8 bytes are)`, { file });
  }
  let fastIntegral = kind === 'f';
  for (let i = 0; i < count; i++) {
    const v = read(dataStart + i * size);
    out[i] = v;
    if (fastIntegral && !Number.isInteger(v)) fastIntegral = false;
  }
  if (kind === 'f') integral = fastIntegral;
  return { shape, dtype, data: out, integral };
}

/** Index of the first non-finite value, or -1. */
export function firstNonFinite(a: Float32Array): number {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]!)) return i;
  return -1;
}

/** Multi-index of a flat offset, for messages: "[12, 3]". */
export function indexOf(flat: number, shape: number[]): string {
  const idx: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    idx.unshift(flat % shape[d]!);
    flat = Math.floor(flat / shape[d]!);
  }
  return `[${idx.join(', ')}]`;
}

/** Every .npy member of an .npz archive, by name without the ".npy" suffix. */
export async function parseNpz(
  bytes: Uint8Array,
  opts: { file?: string; inflateRaw?: InflateRaw; maxOutputBytes?: number } = {},
): Promise<Map<string, NpyArray>> {
  const inflate = opts.inflateRaw ?? platformInflateRaw();
  const members = await readZip(bytes, { file: opts.file, inflateRaw: inflate, maxOutputBytes: opts.maxOutputBytes });
  const out = new Map<string, NpyArray>();
  for (const [name, data] of members) {
    if (!name.endsWith('.npy')) continue;
    out.set(name.slice(0, -4), parseNpy(data, `${opts.file ?? 'archive'} › ${name}`));
  }
  if (out.size === 0) throw new DataError('the archive holds no .npy arrays', { file: opts.file });
  return out;
}
