/**
 * Export packages written by the host. The app builds the files (a PyTorch package or tfjs web
 * files, with the trained weights of its last run); the host only writes them, into a new
 * folder inside a parent it trusts: the folder the user picked in a native dialog (Electron) or
 * the documents folder's `exports/` (web host). Every relative path is checked segment by
 * segment with the same file-name rules as templates, so nothing lands outside the new folder,
 * and each file is written atomically.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { MAX_EXPORT_BYTES, MAX_EXPORT_FILES, type ExportFileData } from '../ipc-contract.js';
import { ServiceError } from './errors.js';
import { atomicWrite, checkFileName, refuseLinkedFolders, syncFolder, uniqueName } from './safeFs.js';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
/** Nested folders in one package ("data/mnist.npz" is one level). */
const MAX_DEPTH = 4;

/** Split and check "data/mnist.npz" → ["data", "mnist.npz"]; throws naming the file. */
export function checkExportPath(path: string, field: string): string[] {
  if (path.includes('\\')) throw new ServiceError(`"${path.slice(0, 200)}": use "/" between folders.`, field);
  const parts = path.split('/');
  if (parts.length > MAX_DEPTH)
    throw new ServiceError(`"${path.slice(0, 200)}" is nested too deeply (at most ${MAX_DEPTH} levels).`, field);
  for (const p of parts) checkFileName(p, field);
  return parts;
}

/** Decode strict base64 (no whitespace or URL alphabet), so a garbled request fails loudly. */
export function decodeBase64(s: string, field: string): Buffer {
  if (s.length % 4 !== 0 || !BASE64.test(s)) throw new ServiceError('The file contents are not base64.', field);
  return Buffer.from(s, 'base64');
}

export interface DecodedExport {
  files: { parts: string[]; data: Uint8Array | readonly Uint8Array[] }[];
  bytes: number;
}

/** A file whose contents the web host already decoded while the request streamed in (in parts). */
export interface DecodedFileData {
  path: string;
  data: readonly Uint8Array[];
}

/** Validate every path and decode every file before anything is written. */
export function decodeExportFiles(files: readonly (ExportFileData | DecodedFileData)[]): DecodedExport {
  if (files.length === 0) throw new ServiceError('The export has no files.', 'files');
  if (files.length > MAX_EXPORT_FILES)
    throw new ServiceError(`The export has ${files.length} files; at most ${MAX_EXPORT_FILES} are written.`, 'files');
  const seen = new Set<string>();
  const dirs = new Set<string>();
  const out: DecodedExport['files'] = [];
  let bytes = 0;
  files.forEach((f, i) => {
    const field = `files.${i}.path`;
    const parts = checkExportPath(f.path, field);
    const key = parts.join('/').toLowerCase();
    // Case-insensitive: on Windows and macOS "Model.py" and "model.py" are the same file.
    if (seen.has(key)) throw new ServiceError(`"${f.path}" is listed twice.`, field);
    seen.add(key);
    for (let d = 1; d < parts.length; d++) dirs.add(parts.slice(0, d).join('/').toLowerCase());
    const data = 'base64' in f ? decodeBase64(f.base64, `files.${i}.base64`) : f.data;
    bytes += data instanceof Uint8Array ? data.length : data.reduce((n, d) => n + d.length, 0);
    if (bytes > MAX_EXPORT_BYTES) {
      throw new ServiceError(
        `The export is over ${MAX_EXPORT_BYTES / 1024 / 1024} MB; export large models with the command line (perceiver-studio export).`,
        'files',
        413,
      );
    }
    out.push({ parts, data });
  });
  // "data" cannot be both a file and a folder.
  for (const f of out) {
    if (dirs.has(f.parts.join('/').toLowerCase()))
      throw new ServiceError(`"${f.parts.join('/')}" is both a file and a folder.`, 'files');
  }
  return { files: out, bytes };
}

/**
 * Write the package into a new folder `<parent>/<name>` (or "<name> (2)", …: an earlier export
 * is never overwritten). On failure the half-written folder is removed.
 */
export async function writeExportFolder(
  parent: string,
  name: string,
  files: readonly (ExportFileData | DecodedFileData)[],
  opts: { linkRoot?: string } = {},
): Promise<{ dir: string; name: string; files: number; bytes: number }> {
  checkFileName(name, 'name');
  const decoded = decodeExportFiles(files);
  // With linkRoot (the web host's user data): no folder between it and the package may be a
  // symlink, checked before and after creating them.
  if (opts.linkRoot) await refuseLinkedFolders(opts.linkRoot, parent, 'name');
  await mkdir(parent, { recursive: true });
  if (opts.linkRoot) await refuseLinkedFolders(opts.linkRoot, parent, 'name');
  const free = await uniqueName(parent, name);
  const dir = join(parent, free);
  // Not recursive: fails if anything (a folder, a symlink) took the name since uniqueName looked.
  await mkdir(dir);
  try {
    for (const f of decoded.files) await atomicWrite(join(dir, ...f.parts), f.data);
    await syncFolder(parent);
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  return { dir, name: free, files: decoded.files.length, bytes: decoded.bytes };
}
