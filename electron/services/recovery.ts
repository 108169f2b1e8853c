/**
 * Autosave: each open tab's unsaved graph is written every few seconds to a recovery folder in
 * user data. After a crash the renderer lists the folder and offers the graphs back; a save or
 * a declined recovery discards the copy. Writes are atomic, so a crash mid-autosave leaves the
 * previous copy intact.
 */
import { readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { MAX_DOC_BYTES } from '../ipc-contract.js';
import { ServiceError } from './errors.js';
import { atomicWrite, readTextLimited } from './safeFs.js';

const TAB_ID = /^[A-Za-z0-9_-]{1,100}$/;
const SUFFIX = '.autosave.json';

export interface RecoveryEntry {
  tabId: string;
  text: string;
  savedMs: number;
}

export class RecoveryStore {
  readonly dir: string;
  constructor(userData: string) {
    this.dir = join(userData, 'recovery');
  }

  private pathOf(tabId: string): string {
    if (!TAB_ID.test(tabId))
      throw new ServiceError('A tab id may use letters, digits, _ and - only (1-100 characters).', 'tabId');
    return join(this.dir, tabId + SUFFIX);
  }

  /** Only JSON is kept: an unsaved graph may be invalid as a model, but it must be a document. */
  async write(p: { tabId: string; text: string }): Promise<void> {
    const file = this.pathOf(p.tabId);
    if (Buffer.byteLength(p.text) > MAX_DOC_BYTES)
      throw new ServiceError('The autosave is larger than the 16 MB document limit.', 'text', 413);
    try {
      JSON.parse(p.text);
    } catch (e) {
      throw new ServiceError(`The autosave is not JSON (${(e as Error).message}); nothing was written.`, 'text');
    }
    await atomicWrite(file, p.text);
  }

  async list(): Promise<RecoveryEntry[]> {
    const names = await readdir(this.dir, { withFileTypes: true }).catch(() => []);
    const out: RecoveryEntry[] = [];
    for (const d of names) {
      if (!d.isFile() || !d.name.endsWith(SUFFIX)) continue;
      const tabId = d.name.slice(0, -SUFFIX.length);
      if (!TAB_ID.test(tabId)) continue;
      try {
        const { text, modifiedMs } = await readTextLimited(join(this.dir, d.name));
        out.push({ tabId, text, savedMs: modifiedMs });
      } catch {
        // An unreadable copy is skipped rather than blocking every other recovery.
      }
    }
    return out.sort((a, b) => b.savedMs - a.savedMs);
  }

  async discard(p: { tabId: string }): Promise<void> {
    await unlink(this.pathOf(p.tabId)).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
    });
  }
}
