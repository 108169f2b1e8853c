/**
 * Node side of data files: read bytes from disk and hand them to the pure parsers in
 * engine/data; .npz members are inflated with node:zlib.
 */
import { inflateRawSync } from 'node:zlib';
import { parseDataFile, type DataFileOptions } from '../data/load.js';
import { DataError } from '../data/errors.js';
import { InflateLimitError } from '../data/platform.js';
import type { TabularData } from '../data/tabular.js';
import { FileLimitError, readFileBounded, readFileBoundedAsync } from './boundedRead.js';

/** node:zlib with an output limit: inflation stops at `maxOutput` bytes (a lying or hostile zip member). */
export const nodeInflateRaw = async (b: Uint8Array, maxOutput?: number): Promise<Uint8Array> => {
  if (maxOutput === undefined) return new Uint8Array(inflateRawSync(b));
  try {
    const out = inflateRawSync(b, { maxOutputLength: Math.max(1, Math.min(maxOutput, 2 ** 31 - 1)) });
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new InflateLimitError(maxOutput);
    throw err;
  }
};

/** Files bigger than this are refused here: in-memory formats are read whole. */
export const MAX_IN_MEMORY_FILE = 2 * 1024 ** 3;

export async function readDataFile(path: string, opts: DataFileOptions = {}): Promise<TabularData> {
  let bytes: Uint8Array;
  try {
    // Bounded: stat says 0 bytes for /dev/zero, a FIFO or /proc files; the read stops at the limit.
    bytes = new Uint8Array(readFileBounded(path, MAX_IN_MEMORY_FILE, 'file'));
  } catch (err) {
    if (err instanceof FileLimitError) {
      throw new DataError(
        /limit/.test(err.reason)
          ? `${err.reason}; CSV/JSON/NumPy files are read whole — split it or use an image folder, which streams`
          : err.reason,
        { file: path },
      );
    }
    const code = (err as NodeJS.ErrnoException).code;
    throw new DataError(code === 'ENOENT' ? 'no such file' : `cannot read it (${code ?? (err as Error).message})`, {
      file: path,
    });
  }
  return parseDataFile(path, bytes, { inflateRaw: nodeInflateRaw, ...opts });
}

/** One file of an image or audio folder: at most this big. */
export const MAX_FOLDER_FILE = 256 * 1024 ** 2;

/** Read one file of a data folder (regular files only, at most MAX_FOLDER_FILE), naming it when refused. */
export async function readFolderFile(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFileBoundedAsync(path, MAX_FOLDER_FILE, 'file'));
  } catch (err) {
    if (err instanceof FileLimitError) throw new DataError(err.reason, { file: path });
    throw err;
  }
}
