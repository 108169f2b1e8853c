/**
 * Node side of data files: read bytes from disk and hand them to the pure parsers in
 * engine/data; .npz members are inflated with node:zlib.
 */
import { readFileSync, statSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';
import { parseDataFile, type DataFileOptions } from '../data/load.js';
import { DataError } from '../data/errors.js';
import type { TabularData } from '../data/tabular.js';

export const nodeInflateRaw = async (b: Uint8Array): Promise<Uint8Array> => new Uint8Array(inflateRawSync(b));

/** Files bigger than this are refused here: in-memory formats are read whole. */
export const MAX_IN_MEMORY_FILE = 2 * 1024 ** 3;

export async function readDataFile(path: string, opts: DataFileOptions = {}): Promise<TabularData> {
  let bytes: Uint8Array;
  try {
    const size = statSync(path).size;
    if (size > MAX_IN_MEMORY_FILE) throw new DataError(`the file is ${(size / 1024 ** 3).toFixed(1)} GiB; CSV/JSON/NumPy files are read whole (limit 2 GiB) — split it or use an image folder, which streams`, { file: path });
    bytes = new Uint8Array(readFileSync(path));
  } catch (err) {
    if (err instanceof DataError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new DataError(code === 'ENOENT' ? 'no such file' : `cannot read it (${code ?? (err as Error).message})`, { file: path });
  }
  return parseDataFile(path, bytes, { inflateRaw: nodeInflateRaw, ...opts });
}
