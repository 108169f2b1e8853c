/**
 * Byte formats the exports write without native help: ZIP archives (for .npz and PyTorch's
 * zip-based .pt), NumPy .npy arrays, and tfjs weight manifests. Pure: compression, when wanted,
 * is passed in by the Node side (node:zlib's deflateRawSync).
 */
import { utf8 } from './utf8.js';
import { WeightsError, type NamedArrays } from './weights.js';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export interface ZipEntry {
  name: string;
  data: Uint8Array;
}

export interface ZipOptions {
  /** Raw DEFLATE (method 8); entries are stored (method 0) without it. */
  deflateRaw?: (data: Uint8Array) => Uint8Array;
  /** Align stored entries' data to this many bytes (PyTorch aligns to 64 so tensors can be mmapped). */
  align?: number;
}

/** A ZIP archive (no ZIP64: each entry and the whole archive below 4 GiB). */
export function zip(entries: readonly ZipEntry[], opts: ZipOptions = {}): Uint8Array {
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = utf8(e.name);
    const crc = crc32(e.data);
    const compressed = opts.deflateRaw ? opts.deflateRaw(e.data) : e.data;
    const method = opts.deflateRaw ? 8 : 0;
    let extraLen = 0;
    if (opts.align && !opts.deflateRaw) {
      const dataStart = offset + 30 + name.length + 4;
      extraLen = 4 + ((opts.align - (dataStart % opts.align)) % opts.align);
    }
    if (offset + 30 + name.length + extraLen + compressed.length > 0xffffffff)
      throw new WeightsError('The archive would exceed 4 GiB (ZIP64 is not supported)');
    const local = new Uint8Array(30 + name.length + extraLen);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true);
    lv.setUint16(6, 0, true);
    lv.setUint16(8, method, true);
    lv.setUint32(14, crc, true);
    lv.setUint32(18, compressed.length, true);
    lv.setUint32(22, e.data.length, true);
    lv.setUint16(26, name.length, true);
    lv.setUint16(28, extraLen, true);
    local.set(name, 30);
    if (extraLen) {
      // A private "padding" extra field (id 0x4650), as PyTorch's writer uses.
      lv.setUint16(30 + name.length, 0x4650, true);
      lv.setUint16(32 + name.length, extraLen - 4, true);
    }
    const cd = new Uint8Array(46 + name.length);
    const cv = new DataView(cd.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 20, true);
    cv.setUint16(6, 20, true);
    cv.setUint16(10, method, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, compressed.length, true);
    cv.setUint32(24, e.data.length, true);
    cv.setUint16(28, name.length, true);
    cv.setUint32(42, offset, true);
    cd.set(name, 46);
    parts.push(local, compressed);
    central.push(cd);
    offset += local.length + compressed.length;
  }
  const cdSize = central.reduce((a, c) => a + c.length, 0);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, entries.length, true);
  ev.setUint16(10, entries.length, true);
  ev.setUint32(12, cdSize, true);
  ev.setUint32(16, offset, true);
  return concat([...parts, ...central, end]);
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let p = 0;
  for (const part of parts) {
    out.set(part, p);
    p += part.length;
  }
  return out;
}

export type NpyArray = { shape: readonly number[]; data: Float32Array | Uint8Array | Int32Array };

/** A NumPy .npy (format 1.0, little-endian, C order). */
export function npy(a: NpyArray): Uint8Array {
  const descr = a.data instanceof Float32Array ? '<f4' : a.data instanceof Int32Array ? '<i4' : '|u1';
  const shape = a.shape.length === 1 ? `(${a.shape[0]},)` : `(${a.shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const head = new Uint8Array(10 + header.length);
  head.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(head.buffer).setUint16(8, header.length, true);
  head.set(utf8(header), 10);
  return concat([head, new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength)]);
}

/** A NumPy .npz: one .npy per key. */
export function npz(arrays: Record<string, NpyArray>, opts: ZipOptions = {}): Uint8Array {
  return zip(
    Object.entries(arrays).map(([k, a]) => ({ name: `${k}.npy`, data: npy(a) })),
    { deflateRaw: opts.deflateRaw },
  );
}

// ---------------------------------------------------------------------------------------------
/** The parts of a tfjs model.json that locate the weights. */
export interface TfjsModelJson {
  modelTopology?: unknown;
  weightsManifest: { paths: string[]; weights: { name: string; shape: number[]; dtype: string }[] }[];
}

/**
 * Weights from tfjs artifacts: model.json plus its weight files, read by the caller
 * (`readFile(path)` returns the bytes of a path listed in the manifest).
 */
export function tfjsWeightsFromArtifacts(
  modelJson: unknown,
  readFile: (path: string) => Uint8Array,
  what = 'model.json',
): NamedArrays {
  const m = modelJson as TfjsModelJson;
  if (!m || !Array.isArray(m.weightsManifest))
    throw new WeightsError(`${what} has no weightsManifest; is it a tfjs Layers model saved by Perceiver Studio?`);
  const out: NamedArrays = new Map();
  for (const group of m.weightsManifest) {
    const bytes = concat(group.paths.map((p) => readFile(p)));
    let offset = 0;
    for (const w of group.weights) {
      if (w.dtype !== 'float32')
        throw new WeightsError(`${what}: weight "${w.name}" is ${w.dtype}; only float32 weights are supported`);
      const n = w.shape.reduce((a, b) => a * b, 1);
      if (offset + 4 * n > bytes.length)
        throw new WeightsError(`${what}: the weight files end before "${w.name}" (truncated weights.bin?)`);
      const data = new Float32Array(n);
      new Uint8Array(data.buffer).set(bytes.subarray(offset, offset + 4 * n));
      out.set(w.name, { shape: [...w.shape], data });
      offset += 4 * n;
    }
    if (offset !== bytes.length)
      throw new WeightsError(
        `${what}: the weight files hold ${bytes.length} bytes but the manifest describes ${offset}`,
      );
  }
  return out;
}
