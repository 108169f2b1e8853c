/**
 * A minimal zip reader for .npz archives: central directory (with zip64 sizes and offsets, which
 * numpy writes), stored (0) and deflated (8) members. Inflation is injected so this file stays
 * free of Node: DecompressionStream in browsers and workers, node:zlib in the CLI.
 */
import { DataError } from './errors.js';
import { InflateLimitError, type InflateRaw } from './platform.js';

/**
 * The most an archive's deflated members may expand to in memory (together) unless the caller says
 * otherwise: the same as the largest file read whole. Checked on the declared sizes before
 * anything is inflated, and each member is inflated with its own declared size as the limit.
 */
export const MAX_ZIP_OUTPUT = 2 * 1024 ** 3;

const EOCD = 0x06054b50;
const ZIP64_EOCD = 0x06064b50;
const ZIP64_LOCATOR = 0x07064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

interface Entry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localOffset: number;
  flags: number;
}

function decodeName(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]!);
  try {
    return decodeURIComponent(escape(s));
  } catch {
    return s;
  }
}

export async function readZip(
  bytes: Uint8Array,
  opts: { file?: string; inflateRaw?: InflateRaw; maxEntries?: number; maxOutputBytes?: number } = {},
): Promise<Map<string, Uint8Array>> {
  const file = opts.file;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (problem: string): never => {
    throw new DataError(problem, { file });
  };
  // The end-of-central-directory record is in the last 65,557 bytes (22 + max comment).
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 65557); i--) {
    if (view.getUint32(i, true) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) fail('not a zip/.npz archive (no end-of-central-directory record); it may be truncated');
  let count = view.getUint16(eocd + 10, true);
  let cdSize = view.getUint32(eocd + 12, true);
  let cdOffset = view.getUint32(eocd + 16, true);
  if (
    (count === 0xffff || cdOffset === 0xffffffff || cdSize === 0xffffffff) &&
    eocd >= 20 &&
    view.getUint32(eocd - 20, true) === ZIP64_LOCATOR
  ) {
    const z64 = Number(view.getBigUint64(eocd - 12, true));
    if (z64 + 56 > bytes.length || view.getUint32(z64, true) !== ZIP64_EOCD) fail('the zip64 directory is damaged');
    count = Number(view.getBigUint64(z64 + 32, true));
    cdSize = Number(view.getBigUint64(z64 + 40, true));
    cdOffset = Number(view.getBigUint64(z64 + 48, true));
  }
  if (cdOffset + cdSize > bytes.length)
    fail('the zip directory points past the end of the file; the archive is truncated');
  if (count > (opts.maxEntries ?? 10000)) fail(`the archive lists ${count} members; more than this reader accepts`);
  const entries: Entry[] = [];
  let p = cdOffset;
  for (let k = 0; k < count; k++) {
    if (p + 46 > bytes.length || view.getUint32(p, true) !== CENTRAL) fail(`zip directory entry ${k + 1} is damaged`);
    const flags = view.getUint16(p + 8, true);
    const method = view.getUint16(p + 10, true);
    let compressedSize = view.getUint32(p + 20, true);
    let size = view.getUint32(p + 24, true);
    const nameLen = view.getUint16(p + 28, true);
    const extraLen = view.getUint16(p + 30, true);
    const commentLen = view.getUint16(p + 32, true);
    let localOffset = view.getUint32(p + 42, true);
    if (p + 46 + nameLen + extraLen + commentLen > bytes.length)
      fail(`zip directory entry ${k + 1} runs past the end of the file; the archive is damaged`);
    const name = decodeName(bytes.subarray(p + 46, p + 46 + nameLen));
    // zip64 extra field (id 1): the 0xFFFFFFFF fields, in the order size, compressed, offset.
    let e = p + 46 + nameLen;
    const extraEnd = e + extraLen;
    while (e + 4 <= extraEnd) {
      const id = view.getUint16(e, true);
      const len = view.getUint16(e + 2, true);
      if (e + 4 + len > extraEnd) fail(`zip directory entry ${k + 1} has a damaged extra field`);
      if (id === 1) {
        let q = e + 4;
        const u64 = () => {
          if (q + 8 > e + 4 + len) fail(`zip directory entry ${k + 1} has a damaged zip64 field`);
          const v = Number(view.getBigUint64(q, true));
          q += 8;
          return v;
        };
        if (size === 0xffffffff) size = u64();
        if (compressedSize === 0xffffffff) compressedSize = u64();
        if (localOffset === 0xffffffff) localOffset = u64();
      }
      e += 4 + len;
    }
    entries.push({ name, method, compressedSize, size, localOffset, flags });
    p = extraEnd + commentLen;
  }
  const maxOut = opts.maxOutputBytes ?? MAX_ZIP_OUTPUT;
  const mb = (n: number) => `${(n / 1024 ** 2).toFixed(n < 1024 ** 2 ? 3 : 0)} MB`;
  let declared = 0;
  for (const en of entries) {
    if (en.name.endsWith('/')) continue;
    // Stored members are views of the archive's own bytes: only inflated ones take new memory.
    if (en.method === 8) declared += en.size;
    if (en.method === 0 && en.compressedSize !== en.size)
      fail(
        `member "${en.name}" is stored uncompressed but its directory gives two sizes (${en.compressedSize} and ${en.size}); the archive is damaged`,
      );
  }
  if (declared > maxOut) {
    fail(
      `the archive's members add up to ${mb(declared)} once decompressed, over the ${mb(maxOut)} this loader holds in memory; split the arrays over several files`,
    );
  }
  const out = new Map<string, Uint8Array>();
  for (const en of entries) {
    if (en.name.endsWith('/')) continue;
    const where = `member "${en.name}"`;
    if (en.flags & 1) fail(`${where} is encrypted`);
    const lo = en.localOffset;
    if (lo + 30 > bytes.length || view.getUint32(lo, true) !== LOCAL) fail(`${where}: its local header is damaged`);
    const start = lo + 30 + view.getUint16(lo + 26, true) + view.getUint16(lo + 28, true);
    if (start + en.compressedSize > bytes.length) fail(`${where} runs past the end of the archive; it is truncated`);
    const raw = bytes.subarray(start, start + en.compressedSize);
    let data: Uint8Array;
    if (en.method === 0) data = raw;
    else if (en.method === 8) {
      if (!opts.inflateRaw)
        fail(`${where} is compressed and this environment cannot inflate it; save with np.savez (uncompressed)`);
      try {
        // The declared size is the limit: a member that inflates past it is stopped right there.
        data = await opts.inflateRaw!(raw, en.size);
      } catch (err) {
        if (err instanceof InflateLimitError) {
          throw new DataError(
            `${where} decompresses to more than the ${en.size} bytes its directory declares; the archive is damaged or built to exhaust memory, so it was not read`,
            { file },
          );
        }
        throw new DataError(`${where} could not be decompressed (${(err as Error).message})`, { file });
      }
    } else
      throw new DataError(`${where} uses compression method ${en.method}; only stored and deflated members are read`, {
        file,
      });
    if (data.length !== en.size)
      fail(`${where} decompressed to ${data.length} bytes but the directory says ${en.size}`);
    out.set(en.name, data);
  }
  return out;
}
