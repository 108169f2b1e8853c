/**
 * The open tabs survive a reload of the page (F5, Electron's reload after a renderer crash):
 * every tab's graph, whether it was unsaved, its file and which tab was active are kept in the
 * page's sessionStorage (per browser tab, so two browser tabs on one web host never swap graphs)
 * and the app starts on them instead of the bundled template. A copy that does not read back as a
 * graph is skipped (the autosave in the host's recovery folder still offers it under Restore).
 */
import { loadGraphDoc } from '../../engine/graph/load';
import type { GraphDoc } from '../../engine/graph/schema';

export const RELOAD_KEY = 'perceiver-studio.open-tabs/1';

export interface ReloadTab {
  doc: GraphDoc;
  dirty: boolean;
  handle: string | null;
  fileName: string | null;
  modifiedMs?: number;
}

export interface ReloadSession {
  /** The autosave prefix of the page that wrote this (its copies are adopted, not offered back). */
  session: string;
  active: number;
  tabs: ReloadTab[];
}

interface StorageLike {
  getItem(k: string): string | null;
  setItem(k: string, v: string): void;
  removeItem(k: string): void;
}

export function encodeReloadSession(s: ReloadSession): string {
  return JSON.stringify({
    session: s.session,
    active: s.active,
    tabs: s.tabs.map((t) => ({ ...t, modifiedMs: t.modifiedMs ?? null })),
  });
}

/** Parse what encodeReloadSession wrote; null when there is nothing usable. Each graph is validated. */
export function decodeReloadSession(text: string | null): { session: ReloadSession | null; skipped: string[] } {
  if (!text) return { session: null, skipped: [] };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { session: null, skipped: ['the saved tab list is not JSON'] };
  }
  const r = raw as { session?: unknown; active?: unknown; tabs?: unknown };
  if (!r || typeof r !== 'object' || !Array.isArray(r.tabs))
    return { session: null, skipped: ['the saved tab list has no tabs'] };
  const tabs: ReloadTab[] = [];
  const skipped: string[] = [];
  r.tabs.forEach((t: unknown, i: number) => {
    const x = t as { doc?: unknown; dirty?: unknown; handle?: unknown; fileName?: unknown; modifiedMs?: unknown };
    try {
      const doc = loadGraphDoc(JSON.stringify(x?.doc), `Open tab ${i + 1}`);
      tabs.push({
        doc,
        dirty: x.dirty === true,
        handle: typeof x.handle === 'string' ? x.handle : null,
        fileName: typeof x.fileName === 'string' ? x.fileName : null,
        modifiedMs: typeof x.modifiedMs === 'number' ? x.modifiedMs : undefined,
      });
    } catch (e) {
      skipped.push(`Open tab ${i + 1}: ${(e as Error).message}`);
    }
  });
  if (!tabs.length) return { session: null, skipped };
  const active =
    typeof r.active === 'number' && Number.isInteger(r.active) ? Math.min(Math.max(0, r.active), tabs.length - 1) : 0;
  return { session: { session: typeof r.session === 'string' ? r.session : '', active, tabs }, skipped };
}

export function readReloadSession(storage: StorageLike | null = pageStorage()): ReturnType<typeof decodeReloadSession> {
  try {
    return decodeReloadSession(storage?.getItem(RELOAD_KEY) ?? null);
  } catch {
    return { session: null, skipped: [] };
  }
}

export function writeReloadSession(s: ReloadSession, storage: StorageLike | null = pageStorage()): boolean {
  try {
    storage?.setItem(RELOAD_KEY, encodeReloadSession(s));
    return true;
  } catch {
    // Over the storage quota (a huge graph): the autosave still covers unsaved work.
    return false;
  }
}

function pageStorage(): StorageLike | null {
  try {
    return typeof sessionStorage === 'undefined' ? null : sessionStorage;
  } catch {
    return null;
  }
}
