/**
 * Recently opened/saved files (Open Recent, the start page) and the session (the graphs open
 * when the app last closed). Both are small JSON files in user data, rewritten atomically.
 */
import { join } from 'node:path';
import { atomicWrite, readJsonState } from './safeFs.js';

export interface RecentEntry {
  handle: string;
  name: string;
  openedMs: number;
}

export const MAX_RECENT = 12;

const isRecentList = (v: unknown): v is RecentEntry[] =>
  Array.isArray(v) &&
  v.every(
    (e) =>
      typeof e === 'object' &&
      e !== null &&
      typeof e.handle === 'string' &&
      typeof e.name === 'string' &&
      typeof e.openedMs === 'number',
  );

const isSession = (v: unknown): v is { handles: string[] } =>
  typeof v === 'object' &&
  v !== null &&
  Array.isArray((v as { handles?: unknown }).handles) &&
  (v as { handles: unknown[] }).handles.every((h) => typeof h === 'string');

export class RecentFiles {
  private readonly file: string;
  // Writes are serialised so two quick opens cannot interleave read-modify-write.
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    userData: string,
    private readonly now: () => number = Date.now,
  ) {
    this.file = join(userData, 'recent.json');
  }

  list(): Promise<RecentEntry[]> {
    return readJsonState(this.file, [], isRecentList);
  }

  add(handle: string, name: string): Promise<void> {
    return this.serial(async () => {
      const prev = (await this.list()).filter((e) => e.handle !== handle);
      await atomicWrite(
        this.file,
        JSON.stringify([{ handle, name, openedMs: this.now() }, ...prev].slice(0, MAX_RECENT), null, 1),
      );
    });
  }

  remove(handle: string): Promise<void> {
    return this.serial(async () => {
      const prev = await this.list();
      await atomicWrite(
        this.file,
        JSON.stringify(
          prev.filter((e) => e.handle !== handle),
          null,
          1,
        ),
      );
    });
  }

  clear(): Promise<void> {
    return this.serial(async () => {
      await atomicWrite(this.file, '[]');
    });
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }
}

export class SessionStore {
  private readonly file: string;
  constructor(userData: string) {
    this.file = join(userData, 'session.json');
  }
  get(): Promise<{ handles: string[] }> {
    return readJsonState(this.file, { handles: [] }, isSession);
  }
  async set(handles: string[]): Promise<void> {
    await atomicWrite(this.file, JSON.stringify({ handles: [...new Set(handles)] }));
  }
}
