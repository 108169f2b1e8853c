/**
 * Reading untrusted paths without trusting them: only regular files (a device such as /dev/zero
 * never ends, a FIFO blocks forever, and `stat` says 0 bytes for both), the size checked before
 * reading, and the read itself stopped at the limit (files under /proc say 0 bytes too, and a file
 * may grow while it is read). Template data paths are also kept inside the template's folder.
 */
import { closeSync, constants, fstatSync, openSync, readSync, realpathSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';

export class FileLimitError extends Error {
  constructor(
    /** What is wrong, without the file name ("it is a device; give a regular file"). */
    readonly reason: string,
    readonly file: string,
  ) {
    super(`${file}: ${reason}`);
    this.name = 'FileLimitError';
  }
}

/** O_NONBLOCK: opening a FIFO for reading must not wait for a writer (it is refused right after). */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

function kindOf(st: import('node:fs').Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

export function formatBytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(1)} GiB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(n % 1024 ** 2 === 0 ? 0 : 1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(0)} KiB`;
  return `${n} bytes`;
}

function tooBig(path: string, limit: number, what: string, size?: number): FileLimitError {
  return new FileLimitError(
    `the ${what} is ${size === undefined ? 'over' : formatBytes(size) + ', over'} the ${formatBytes(limit)} limit`,
    path,
  );
}

/**
 * Read a whole regular file of at most `limit` bytes. Throws FileLimitError naming the file for a
 * non-regular file or one over the limit; other failures (ENOENT, EACCES) are rethrown as they are.
 */
export function readFileBounded(path: string, limit: number, what = 'file'): Buffer {
  const fd = openSync(path, OPEN_FLAGS);
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new FileLimitError(`it is ${kindOf(st)}; give a regular file`, path);
    if (st.size > limit) throw tooBig(path, limit, what, st.size);
    // size + 1: notice a file that is longer than it said (it grew, or it is under /proc).
    let buf = Buffer.allocUnsafe(Math.min(limit, st.size) + 1);
    let n = 0;
    for (;;) {
      if (n === buf.length) {
        if (buf.length > limit) throw tooBig(path, limit, what);
        const grown = Buffer.allocUnsafe(Math.min(limit + 1, Math.max(buf.length * 2, 64 * 1024)));
        buf.copy(grown, 0, 0, n);
        buf = grown;
      }
      const r = readSync(fd, buf, n, buf.length - n, null);
      if (r === 0) break;
      n += r;
    }
    if (n > limit) throw tooBig(path, limit, what);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** The async twin of readFileBounded (image folders read many files). */
export async function readFileBoundedAsync(path: string, limit: number, what = 'file'): Promise<Buffer> {
  const fh = await open(path, OPEN_FLAGS);
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new FileLimitError(`it is ${kindOf(st)}; give a regular file`, path);
    if (st.size > limit) throw tooBig(path, limit, what, st.size);
    let buf = Buffer.allocUnsafe(Math.min(limit, st.size) + 1);
    let n = 0;
    for (;;) {
      if (n === buf.length) {
        if (buf.length > limit) throw tooBig(path, limit, what);
        const grown = Buffer.allocUnsafe(Math.min(limit + 1, Math.max(buf.length * 2, 64 * 1024)));
        buf.copy(grown, 0, 0, n);
        buf = grown;
      }
      const { bytesRead } = await fh.read(buf, n, buf.length - n, null);
      if (bytesRead === 0) break;
      n += bytesRead;
    }
    if (n > limit) throw tooBig(path, limit, what);
    return buf.subarray(0, n);
  } finally {
    await fh.close();
  }
}

/**
 * Where a template's `data.path` may point: a path relative to the template's folder that stays
 * inside it after every symlink is resolved. A template is untrusted input, so "/etc/passwd",
 * "../../.bashrc" or a symlink out of the folder are refused (the user passes such files
 * explicitly with --data). Returns the resolved real path, which may be a file or a folder.
 */
export function resolveTemplateDataPath(templatePath: string, dataPath: string): string {
  const folder = resolve(templatePath, '..');
  const say = (why: string) =>
    new FileLimitError(
      `its data.path "${dataPath.slice(0, 200)}" ${why}; a template's data path must be relative to the template's own folder — pass another file with --data PATH`,
      templatePath,
    );
  if (dataPath.includes('\u0000')) throw say('contains a NUL character');
  if (isAbsolute(dataPath) || /^[A-Za-z]:/.test(dataPath) || dataPath.startsWith('\\\\'))
    throw say('is an absolute path');
  const target = resolve(folder, dataPath);
  const inside = (base: string, p: string) => {
    const rel = relative(base, p);
    return rel !== '' && !rel.startsWith('..' + sep) && rel !== '..' && !isAbsolute(rel);
  };
  if (!inside(folder, target)) throw say("leads out of the template's folder");
  let real: string;
  try {
    real = realpathSync(target);
  } catch (e) {
    throw new FileLimitError(
      `its data.path "${dataPath.slice(0, 200)}" does not exist (${(e as NodeJS.ErrnoException).code ?? 'unreadable'}) — looked for ${target}`,
      templatePath,
    );
  }
  if (!inside(realpathSync(folder), real)) throw say("is a symlink that leads out of the template's folder");
  const st = statSync(real);
  if (!st.isFile() && !st.isDirectory()) throw say(`is ${kindOf(st)}`);
  return real;
}
