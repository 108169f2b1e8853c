/**
 * The file-system rules every service follows: names the renderer sends are plain file names
 * that cannot leave their folder (no separators, `..`, NUL, control characters, symlinks,
 * Windows-reserved names), files are size-checked before they are read, and every write is
 * atomic (temp file in the same folder, fsync, rename) so a crash never leaves half a file.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { MAX_DOC_BYTES, MAX_NAME_LENGTH } from '../ipc-contract.js';
import { ServiceError } from './errors.js';

/**
 * Device names Windows opens instead of a file, whatever the extension, and also with spaces
 * before it ("con .json"): CON, PRN, AUX, NUL, CONIN$, CONOUT$, CLOCK$, COM0-9 and LPT0-9, and
 * COM/LPT with a superscript digit (¹ ² ³), which Windows also treats as those ports.
 */
const WINDOWS_RESERVED =
  /^(con|prn|aux|nul|conin\$|conout\$|clock\$|com[0-9\u00b9\u00b2\u00b3]|lpt[0-9\u00b9\u00b2\u00b3])[ ]*(\..*)?$/i;
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
/** Bidirectional controls: U+202E makes "gpj.exe" display as "exe.jpg" (and the like). */
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
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
  if (BIDI.test(name)) {
    throw new ServiceError(
      'The file name contains a bidirectional control character (such as U+202E), which makes a name display differently from what it is; remove it.',
      field,
    );
  }
  if (name === '.' || name === '..' || name.includes('..')) {
    throw new ServiceError(`"${name}" is not allowed: file names may not contain "..".`, field);
  }
  if (FORBIDDEN_CHARS.test(name)) {
    throw new ServiceError(`"${name}" is not a plain file name: it may not contain / \\ < > : " | ? or *.`, field);
  }
  if (name.startsWith('.'))
    throw new ServiceError(`"${name}" is not allowed: file names may not start with a dot.`, field);
  if (/[ .]$/.test(name)) throw new ServiceError(`"${name}" may not end with a space or a dot.`, field);
  if (WINDOWS_RESERVED.test(name))
    throw new ServiceError(`"${name}" is a reserved device name on Windows; choose another name.`, field);
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
  if (st?.isSymbolicLink())
    throw new ServiceError(`"${basename(p)}" is a symbolic link; only plain files are opened.`, field);
  if (st && !st.isFile()) throw new ServiceError(`"${basename(p)}" is not a regular file.`, field);
}

export async function exists(p: string): Promise<boolean> {
  return lstat(p).then(
    () => true,
    () => false,
  );
}

/** Read a UTF-8 text file, refusing it before reading when it is over `maxBytes`. */
export async function readTextLimited(
  p: string,
  maxBytes = MAX_DOC_BYTES,
  field = 'name',
): Promise<{ text: string; modifiedMs: number }> {
  // O_NOFOLLOW: a symlink swapped in after the check still fails to open (where the OS supports it).
  const flags = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0);
  let fh;
  try {
    fh = await open(p, flags);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new ServiceError(`"${basename(p)}" does not exist (it may have been moved or deleted).`, field, 404);
    if (code === 'ELOOP')
      throw new ServiceError(`"${basename(p)}" is a symbolic link; only plain files are opened.`, field);
    if (code === 'EISDIR') throw new ServiceError(`"${basename(p)}" is a folder, not a file.`, field);
    throw new ServiceError(`Cannot read "${basename(p)}": ${(e as Error).message}`, field, 500);
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new ServiceError(`"${basename(p)}" is not a regular file.`, field);
    if (st.size > maxBytes) {
      throw new ServiceError(
        `"${basename(p)}" is ${(st.size / 1e6).toFixed(1)} MB; files over ${maxBytes / 1e6} MB are refused.`,
        field,
        413,
      );
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
export async function atomicWrite(p: string, text: string | Uint8Array | readonly Uint8Array[]): Promise<number> {
  const dir = dirname(p);
  await mkdir(dir, { recursive: true });
  await refuseSymlink(p);
  const tmp = join(dir, `.${basename(p)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await open(tmp, 'wx', 0o644);
  try {
    if (typeof text === 'string' || text instanceof Uint8Array)
      await fh.writeFile(text, typeof text === 'string' ? 'utf8' : undefined);
    else for (const part of text) await fh.writeFile(part);
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
  // The rename is only durable once the folder's entry is on disk: without this a power cut
  // right after a save can bring back the old file (or none).
  await syncFolder(dir);
  return (await lstat(p)).mtimeMs;
}

/** fsync a folder (POSIX); a no-op where folders cannot be opened for it (Windows). */
export async function syncFolder(dir: string): Promise<void> {
  let fh;
  try {
    fh = await open(dir, constants.O_RDONLY);
  } catch {
    return;
  }
  try {
    await fh.sync();
  } catch (e) {
    // EINVAL/EPERM/EISDIR: the platform cannot sync folders; the file itself was synced.
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EPERM' && code !== 'EISDIR' && code !== 'EBADF') throw e;
  } finally {
    await fh.close();
  }
}

/** The temp files atomicWrite makes: ".<name>.<pid>.<12 hex>.tmp". */
const TEMP_FILE = /^\..+\.(\d+)\.[0-9a-f]{12}\.tmp$/;

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Remove the temp files of saves that were interrupted (a crash, kill -9, a power cut) from
 * `dirs`, down to `depth` levels of subfolders: those of a process that is gone, and any older
 * than `maxAgeMs` (a pid may be reused). Symlinks are never followed. Returns the paths removed.
 */
export async function cleanStaleTempFiles(
  dirs: readonly string[],
  opts: { depth?: number; maxAgeMs?: number; now?: number } = {},
): Promise<string[]> {
  const removed: string[] = [];
  const now = opts.now ?? Date.now();
  const maxAge = opts.maxAgeMs ?? 24 * 3600 * 1000;
  const sweep = async (dir: string, depth: number): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory() && depth > 0) await sweep(p, depth - 1);
      else if (e.isFile()) {
        const m = TEMP_FILE.exec(e.name);
        if (!m) continue;
        const st = await lstat(p).catch(() => null);
        if (!st) continue;
        if (!processAlive(Number(m[1])) || now - st.mtimeMs > maxAge) {
          await unlink(p).then(
            () => removed.push(p),
            () => undefined,
          );
        }
      }
    }
  };
  for (const d of dirs) await sweep(d, opts.depth ?? 0);
  return removed;
}

/**
 * Refuse a folder reached through a symbolic link: every component of `p` below `root` must be a
 * real folder (or not exist yet), so a link planted at documents/exports cannot send writes elsewhere.
 */
export async function refuseLinkedFolders(root: string, p: string, field = 'name'): Promise<void> {
  const base = resolve(root);
  const target = resolve(p);
  if (target !== base && !target.startsWith(base + sep))
    throw new ServiceError(`"${target}" is outside "${base}".`, field);
  const parts = target.slice(base.length).split(sep).filter(Boolean);
  let cur = base;
  for (const part of parts) {
    cur = join(cur, part);
    const st = await lstat(cur).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return null;
      throw e;
    });
    if (!st) return;
    if (st.isSymbolicLink())
      throw new ServiceError(
        `"${cur.slice(base.length + 1)}" is a symbolic link; the app writes only into real folders it made, so nothing is written through it. Remove the link.`,
        field,
        409,
      );
    if (!st.isDirectory()) throw new ServiceError(`"${cur.slice(base.length + 1)}" is not a folder.`, field, 409);
  }
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
