/**
 * What an autosave holds, and what the app does with the last session at start. Pure (no host,
 * no DOM), so it is unit-tested.
 *
 * An autosave is the tab's graph plus the file it belongs to (handle, name, modification time
 * when opened), so a recovered graph can still be saved back to its file, and the host's
 * changed-on-disk check (409) still protects whatever another program wrote since.
 */
import { loadGraphDoc, TemplateError } from '../../engine/graph/load';
import type { GraphDoc } from '../../engine/graph/schema';

export const RECOVERY_FORMAT = 'perceiver-studio-autosave/1';

export interface RecoveryMeta {
  handle: string | null;
  fileName: string | null;
  modifiedMs?: number;
}

export interface RecoveredGraph extends RecoveryMeta {
  tabId: string;
  savedMs: number;
  doc: GraphDoc;
}

export function wrapAutosave(doc: GraphDoc, meta: RecoveryMeta): string {
  return JSON.stringify({
    format: RECOVERY_FORMAT,
    handle: meta.handle,
    fileName: meta.fileName,
    modifiedMs: meta.modifiedMs ?? null,
    doc,
  });
}

/**
 * Read an autosave back. Also accepts a bare GraphDoc (a copy someone put in the folder by
 * hand). Throws a TemplateError naming the copy when it is not a graph.
 */
export function unwrapAutosave(entry: { tabId: string; text: string; savedMs: number }): RecoveredGraph {
  const what = `The recovered graph "${entry.tabId}"`;
  try {
    return unwrap(entry, what);
  } catch (e) {
    if (e instanceof TemplateError && !e.message.includes(what))
      throw new TemplateError(`${what}: ${e.message}`, e.field);
    throw e;
  }
}

function unwrap(entry: { tabId: string; text: string; savedMs: number }, what: string): RecoveredGraph {
  let raw: unknown;
  try {
    raw = JSON.parse(entry.text);
  } catch (e) {
    throw new TemplateError(`${what} is not JSON (${(e as Error).message}).`);
  }
  const w = raw as { format?: unknown; handle?: unknown; fileName?: unknown; modifiedMs?: unknown; doc?: unknown };
  if (w && typeof w === 'object' && w.format === RECOVERY_FORMAT) {
    return {
      tabId: entry.tabId,
      savedMs: entry.savedMs,
      handle: typeof w.handle === 'string' ? w.handle : null,
      fileName: typeof w.fileName === 'string' ? w.fileName : null,
      modifiedMs: typeof w.modifiedMs === 'number' ? w.modifiedMs : undefined,
      doc: loadGraphDoc(JSON.stringify(w.doc), what),
    };
  }
  return {
    tabId: entry.tabId,
    savedMs: entry.savedMs,
    handle: null,
    fileName: null,
    doc: loadGraphDoc(entry.text, what),
  };
}

/** Autosave ids are "<session>-<tab>": a session never offers its own live copies back. */
export function autosaveId(session: string, tabId: string): string {
  return `${session}-${tabId}`;
}

export function isOwnAutosave(session: string, id: string): boolean {
  return id.startsWith(`${session}-`);
}

export interface StartPlan {
  /** Reopen these files now (Electron: the last open graphs come back by themselves). */
  reopen: string[];
  /** Offer these files (web host: several browser tabs may share one host, so ask first). */
  offerReopen: string[];
  /** Show the recovery dialog at once (Electron, after a crash) rather than only in the toolbar. */
  showRecovery: boolean;
}

export function planStart(shell: 'electron' | 'web', session: readonly string[], recoverable: number): StartPlan {
  const handles = [...new Set(session)];
  return shell === 'electron'
    ? { reopen: handles, offerReopen: [], showRecovery: recoverable > 0 }
    : { reopen: [], offerReopen: handles, showRecovery: false };
}
