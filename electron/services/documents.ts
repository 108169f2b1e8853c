/**
 * Graph files the user opens and saves, addressed by opaque handles:
 *   - DocumentsFolder (web host): a handle is a plain file name inside user-data/documents.
 *   - GrantedPaths (Electron): a handle is an absolute path that main handed out itself, from a
 *     native dialog, the recent list, the session or a file given by the OS; a path the
 *     renderer invents is refused.
 * Reads are size-checked, saves are validated as templates and written atomically, and a save
 * over a file that another program changed since it was read is refused (no silent overwrite).
 */
import { lstat, mkdir, readdir } from 'node:fs/promises';
import { basename, isAbsolute, join, normalize } from 'node:path';
import type { DocumentEntry, OpenedFile } from '../ipc-contract.js';
import { ServiceError } from './errors.js';
import {
  atomicWrite,
  pathInside,
  readTextLimited,
  refuseSymlink,
  uniqueName,
  withTemplateExtension,
  checkFileName,
} from './safeFs.js';
import { parseTemplate } from './templates.js';

export interface HandleResolver {
  /** The absolute path behind a handle the host handed out; throws a ServiceError otherwise. */
  resolve(handle: string): Promise<string>;
  /** Display name of a handle. */
  nameOf(handle: string): string;
}

/** Read a document for the renderer (which validates and shows problems itself). */
export async function readDocument(resolver: HandleResolver, handle: string): Promise<OpenedFile> {
  const p = await resolver.resolve(handle);
  const { text, modifiedMs } = await readTextLimited(p, undefined, 'handle');
  return { handle, name: resolver.nameOf(handle), text, modifiedMs };
}

export async function statDocument(
  resolver: HandleResolver,
  handle: string,
): Promise<{ exists: boolean; modifiedMs: number | null }> {
  const p = await resolver.resolve(handle);
  const st = await lstat(p).catch(() => null);
  return st && st.isFile() ? { exists: true, modifiedMs: st.mtimeMs } : { exists: false, modifiedMs: null };
}

/** Validate, check for changes on disk since `expectedModifiedMs`, write atomically. */
export async function writeDocument(p: string, text: string, expectedModifiedMs?: number): Promise<number> {
  parseTemplate(text, `"${basename(p)}"`);
  if (expectedModifiedMs !== undefined) {
    const st = await lstat(p).catch(() => null);
    // Sub-millisecond jitter between stat calls on some file systems is not a change.
    if (st && Math.abs(st.mtimeMs - expectedModifiedMs) > 1) {
      throw new ServiceError(
        `"${basename(p)}" was changed on disk by another program since it was opened; reload it or save under another name.`,
        'expectedModifiedMs',
        409,
      );
    }
  }
  return atomicWrite(p, text);
}

export class DocumentsFolder implements HandleResolver {
  constructor(readonly dir: string) {}

  async resolve(handle: string): Promise<string> {
    return pathInside(this.dir, handle, 'handle');
  }

  nameOf(handle: string): string {
    return handle;
  }

  async list(): Promise<DocumentEntry[]> {
    const entries = await readdir(this.dir, { withFileTypes: true }).catch(() => []);
    const out: DocumentEntry[] = [];
    for (const d of entries) {
      if (!d.isFile() || d.name.startsWith('.') || !/\.json$/i.test(d.name)) continue;
      const st = await lstat(join(this.dir, d.name));
      out.push({ handle: d.name, name: d.name, modifiedMs: st.mtimeMs, size: st.size });
    }
    return out.sort((a, b) => b.modifiedMs - a.modifiedMs);
  }

  /** A new document named after `suggestedName`, made unique in the folder. */
  async create(suggestedName: string, text: string): Promise<{ handle: string; name: string; modifiedMs: number }> {
    const name = withTemplateExtension(checkFileName(suggestedName, 'suggestedName'));
    checkFileName(name, 'suggestedName');
    parseTemplate(text, `"${name}"`);
    await mkdir(this.dir, { recursive: true });
    const free = await uniqueName(this.dir, name);
    const modifiedMs = await writeDocument(await this.resolve(free), text);
    return { handle: free, name: free, modifiedMs };
  }
}

/** Electron: absolute paths main handed out; also accepts those in `alsoAllowed` (recent, session). */
export class GrantedPaths implements HandleResolver {
  private readonly granted = new Set<string>();

  constructor(private readonly alsoAllowed: () => Promise<Iterable<string>> = async () => []) {}

  /** Record a path the user chose (dialog, OS open) and return its handle. */
  grant(path: string): string {
    const p = GrantedPaths.check(path);
    this.granted.add(p);
    return p;
  }

  static check(path: string): string {
    if (typeof path !== 'string' || path.includes('\u0000'))
      throw new ServiceError('Not a valid file handle.', 'handle');
    if (!isAbsolute(path)) throw new ServiceError('A file handle must be a path chosen in a dialog.', 'handle');
    const p = normalize(path);
    if (!/\.(perceiver|json)$/i.test(p))
      throw new ServiceError(`"${basename(p)}" is not a .json template or .perceiver graph file.`, 'handle');
    return p;
  }

  async resolve(handle: string): Promise<string> {
    const p = GrantedPaths.check(handle);
    if (!this.granted.has(p)) {
      const extra = new Set(await this.alsoAllowed());
      if (!extra.has(p)) {
        throw new ServiceError(
          `"${basename(p)}" was not chosen by the user in this session; open it with File › Open.`,
          'handle',
          403,
        );
      }
      this.granted.add(p);
    }
    await refuseSymlink(p, 'handle');
    return p;
  }

  nameOf(handle: string): string {
    return basename(handle);
  }
}
