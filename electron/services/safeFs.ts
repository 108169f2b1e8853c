/**
 * The file-system rules every service follows: names the renderer sends are plain file names
 * that cannot leave their folder (no separators, `..`, NUL, control characters, symlinks,
 * Windows-reserved names), files are size-checked before they are read, and every write is
 * atomic (temp file in the same folder, fsync, rename) so a crash never leaves half a file.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { MAX_DOC_BYTES, MAX_NAME_LENGTH } from '../ipc-contract.js';
import { ServiceError } from './errors.js';

const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
const FORBIDDEN_CHARS = /[/\\<>:"|?*]/;

/**
 * Check that `name` is a plain file name, safe on every platform. Returns it unchanged;
 * throws a ServiceError naming `field` and the rule broken.
 */
export function checkFileName(name: unknown, field = 'name'): string {
  if (typeof name !== 'string' || name.length === 0) throw new ServiceError('A file name is required.', field);
  if (name.includes('\u0000')) throw new ServiceError('The file name contains a NUL character.', field);
  if (Buffer.byteLength(name, 'utf8') > MAX_NAME_LENGTH) {
    throw new ServiceError(`The file name is too long (over ${MAX_NAME_LENGTH} bytes); choose a shorter name.`, field);
  }
  if (CONTROL.test(name)) throw new ServiceError('The file name contains control characters.', field);
  if (name === '.' || name === '..' || name.includes('..')) {
    throw new ServiceError(`"${name}" is not allowed: file names may not contain "..".`, field);
  }
  if (FORBIDDEN_CHARS.test(name)) {
    throw new ServiceError(`"${name}" is not a plain file name: it may not contain / \\ < > : " | ? or *.`, field);
  }
  if (name.startsWith('.')) throw new ServiceError(`"${name}" is not allowed: file names may not start with a dot.`, field);
  if (/[ .]$/.test(name)) throw new ServiceError(`"${name}" may not end with a space or a dot.`, field);
  if (WINDOWS_RESERVED.test(name)) throw new ServiceError(`"${name}" is a reserved device name on Windows; choose another name.`, field);
  return name;
}

/** Append `.perceiver.json` unless the name already ends in `.json`. */
export function withTemplateExtension(name: string): string {
  return /\.json$/i.test(name) ? name : `${name}.perceiver.json`;
}

/** Split "net.perceiver.json" into ["net", ".perceiver.json"] so copies become "net (2).perceiver.json". */
export function splitExtension(name: string): [string, string] {
  const m = /^(.*?)((?:\.perceiver)?\.json)$/i.exec(name);
  return m && m[1] ? [m[1], m[2]!] : [name, ''];
}

/**
 * The path of `name` inside `dir`, after checking the name and that the result is a direct
 * child of `dir` which is not a symbolic link (a link could point anywhere on the disk).
 */
export async function pathInside(dir: string, name: unknown, field = 'name'): Promise<string> {
  const safe = checkFileName(name, field);
  const root = resolve(dir);
  const p = resolve(root, safe);
  if (dirname(p) !== root || !p.startsWith(root + sep)) {
    throw new ServiceError(`"${safe}" would leave its folder; refusing it.`, field);
  }
  await refuseSymlink(p, field);
  return p;
}

/** Throws when `p` exists and is a symbolic link (or not a regular file). */
export async function refuseSymlink(p: string, field = 'name'): Promise<void> {
  const st = await lstat(p).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return null;
    throw e;
  });
  if (st?.isSymbolicLink()) throw new ServiceError(`"${basename(p)}" is a symbolic link; only plain files are opened.`, field);
  if (st && !st.isFile()) throw new ServiceError(`"${basename(p)}" is not a regular file.`, field);
}

export async function exists(p: string): Promise<boolean> {
  return lstat(p).then(
    () => true,
    () => false,
  );
}

/** Read a UTF-8 text file, refusing it before reading when it is over `maxBytes`. */
export async function readTextLimited(p: string, maxBytes = MAX_DOC_BYTES, field = 'name'): Promise<{ text: string; modifiedMs: number }> {
  // O_NOFOLLOW: a symlink swapped in after the check still fails to open (where the OS supports it).
  const flags = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0);
  let fh;
  try {
    fh = await open(p, flags);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ServiceError(`"${basename(p)}" does not exist (it may have been moved or deleted).`, field, 404);
    if (code === 'ELOOP') throw new ServiceError(`"${basename(p)}" is a symbolic link; only plain files are opened.`, field);
    if (code === 'EISDIR') throw new ServiceError(`"${basename(p)}" is a folder, not a file.`, field);
    throw new ServiceError(`Cannot read "${basename(p)}": ${(e as Error).message}`, field, 500);
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new ServiceError(`"${basename(p)}" is not a regular file.`, field);
    if (st.size > maxBytes) {
      throw new ServiceError(`"${basename(p)}" is ${(st.size / 1e6).toFixed(1)} MB; files over ${maxBytes / 1e6} MB are refused.`, field, 413);
    }
    const text = await fh.readFile('utf8');
    return { text, modifiedMs: st.mtimeMs };
  } finally {
    await fh.close();
  }
}

/**
 * Write `text` (or bytes) to `p` atomically: a temp file in the same folder (same file system, so the
 * rename is atomic), flushed to disk, then renamed over the target. Returns the new mtime.
 */
export async function atomicWrite(p: string, text: string | Uint8Array): Promise<number> {
  const dir = dirname(p);
  await mkdir(dir, { recursive: true });
  await refuseSymlink(p);
  const tmp = join(dir, `.${basename(p)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await open(tmp, 'wx', 0o644);
  try {
    await fh.writeFile(text, typeof text === 'string' ? 'utf8' : undefined);
    await fh.sync();
  } catch (e) {
    await fh.close();
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  await fh.close();
  try {
    await rename(tmp, p);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  return (await lstat(p)).mtimeMs;
}

/** Read a small JSON state file, answering `fallback` when missing or unreadable (never throws). */
export async function readJsonState<T>(p: string, fallback: T, accept: (v: unknown) => v is T): Promise<T> {
  try {
    const v: unknown = JSON.parse(await readFile(p, 'utf8'));
    return accept(v) ? v : fallback;
  } catch {
    return fallback;
  }
}

/** The first of "base.ext", "base (2).ext", "base (3).ext" … that does not exist in `dir`. */
export async function uniqueName(dir: string, name: string): Promise<string> {
  const [base, ext] = splitExtension(name);
  const stem = base.replace(/ \(\d+\)$/, '');
  if (!(await exists(join(dir, name)))) return name;
  for (let i = 2; i < 10_000; i++) {
    const candidate = `${stem} (${i})${ext}`;
    if (Buffer.byteLength(candidate) > MAX_NAME_LENGTH) break;
    if (!(await exists(join(dir, candidate)))) return candidate;
  }
  throw new ServiceError(`Cannot find a free name like "${name}"; rename or delete some files first.`, 'name', 409);
}
