/**
 * No lost work, the app's side: autosave of every unsaved tab to the host's recovery folder,
 * recovery after a crash, the last session's graphs reopened, and files changed on disk by
 * another program noticed (polling plus a check whenever the window regains focus) — with a
 * refused save (HTTP 409) turned into the same choice: reload, keep mine (overwrite), save as.
 */
import { useEffect, useSyncExternalStore } from 'react';
import { loadGraphDoc } from '../../engine/graph/load';
import { errorMessage, hostApi } from '../api';
import { onFileEvent, openDocumentHandle } from '../files/fileActions';
import {
  closeTab,
  getState,
  isDirty,
  keepTabOverDisk,
  notify,
  openRecoveredTab,
  reloadTabFromFile,
  restoreTabs,
  subscribeEditor,
  useEditor,
  type Tab,
} from '../state/store';
import {
  autosaveId,
  isOwnAutosave,
  planStart,
  unwrapAutosave,
  wrapAutosave,
  type RecoveredGraph,
} from './recoveryFormat';
import { readReloadSession, writeReloadSession } from './reloadSession';

export const AUTOSAVE_EVERY_MS = 4000;
export const FILE_CHECK_EVERY_MS = 5000;

/** This page load's autosave prefix: a new session never offers its own live copies back. */
const SESSION = Math.random().toString(36).slice(2, 10);
/** The page before a reload, whose tabs this page took over (its autosaves are not offered back). */
let adoptedSession: string | null = null;

/**
 * At start, before the first render: the tabs of this browser tab's page before a reload come
 * back as they were (unsaved ones unsaved). Returns how many tabs were restored.
 */
export function restoreAfterReload(): number {
  const { session } = readReloadSession();
  if (!session) return 0;
  restoreTabs(session.tabs, session.active);
  adoptedSession = session.session || null;
  return session.tabs.length;
}

let reloadTimer: ReturnType<typeof setTimeout> | null = null;
function writeOpenTabsNow(): void {
  reloadTimer = null;
  const s = getState();
  writeReloadSession({
    session: SESSION,
    active: Math.max(
      0,
      s.tabs.findIndex((t) => t.id === s.activeTabId),
    ),
    tabs: s.tabs.map((t) => ({
      doc: t.history.present,
      dirty: isDirty(t),
      handle: t.handle,
      fileName: t.fileName,
      modifiedMs: t.modifiedMs,
    })),
  });
}
/** Keep the open tabs in sessionStorage (shortly after each change, and when the page goes away). */
function trackOpenTabs(): () => void {
  const off = subscribeEditor(() => {
    reloadTimer ??= setTimeout(writeOpenTabsNow, 300);
  });
  const flush = () => writeOpenTabsNow();
  window.addEventListener('pagehide', flush);
  writeOpenTabsNow();
  return () => {
    off();
    window.removeEventListener('pagehide', flush);
    if (reloadTimer) clearTimeout(reloadTimer);
    reloadTimer = null;
  };
}

export interface Conflict {
  tabId: string;
  fileName: string;
  kind: 'changed' | 'deleted';
  diskModifiedMs: number | null;
}

export interface SessionState {
  recoverable: RecoveredGraph[];
  /** Copies that could not be read back (named, so the user can discard them). */
  unreadable: { tabId: string; reason: string }[];
  offerReopen: string[];
  conflicts: Conflict[];
  restoreOpen: boolean;
}

let state: SessionState = { recoverable: [], unreadable: [], offerReopen: [], conflicts: [], restoreOpen: false };
const listeners = new Set<() => void>();
function set(p: Partial<SessionState>): void {
  state = { ...state, ...p };
  for (const l of listeners) l();
}
export function useSession<T>(sel: (s: SessionState) => T): T {
  return useSyncExternalStore(
    (l) => (listeners.add(l), () => listeners.delete(l)),
    () => sel(state),
  );
}
export const openRestore = (open: boolean) => set({ restoreOpen: open });
export const getConflicts = (): Conflict[] => state.conflicts;

// ---- autosave ----

/** The graph each tab's copy holds now (only rewritten when the graph changed). */
const autosaved = new Map<string, unknown>();
let autosaveWarned = false;

export async function autosaveNow(): Promise<void> {
  const { tabs } = getState();
  const live = new Set(tabs.map((t) => t.id));
  for (const t of tabs) {
    const dirty = isDirty(t);
    if (dirty && autosaved.get(t.id) !== t.history.present) {
      const doc = t.history.present;
      try {
        await hostApi().writeAutosave({
          tabId: autosaveId(SESSION, t.id),
          text: wrapAutosave(doc, { handle: t.handle, fileName: t.fileName, modifiedMs: t.modifiedMs }),
        });
        autosaved.set(t.id, doc);
        autosaveWarned = false;
      } catch (err) {
        if (!autosaveWarned) notify('error', `Autosave failed — ${errorMessage(err)}. Save your work with Ctrl+S.`);
        autosaveWarned = true;
      }
    } else if (!dirty && autosaved.has(t.id)) {
      // Saved (or back to the saved state): the recovery copy is no longer needed.
      autosaved.delete(t.id);
      await hostApi()
        .discardRecovery({ tabId: autosaveId(SESSION, t.id) })
        .catch(() => undefined);
    }
  }
  for (const id of [...autosaved.keys()]) {
    if (live.has(id)) continue;
    autosaved.delete(id);
    await hostApi()
      .discardRecovery({ tabId: autosaveId(SESSION, id) })
      .catch(() => undefined);
  }
}

// ---- recovery and the last session ----

export async function refreshRecoverable(): Promise<void> {
  const entries = await hostApi().listRecovery();
  const recoverable: RecoveredGraph[] = [];
  const unreadable: SessionState['unreadable'] = [];
  for (const e of entries) {
    if (isOwnAutosave(SESSION, e.tabId)) continue;
    if (adoptedSession && isOwnAutosave(adoptedSession, e.tabId)) {
      // The page before a reload: its tabs are open again (and autosave under this page's id).
      await hostApi()
        .discardRecovery({ tabId: e.tabId })
        .catch(() => undefined);
      continue;
    }
    try {
      recoverable.push(unwrapAutosave(e));
    } catch (err) {
      unreadable.push({ tabId: e.tabId, reason: errorMessage(err) });
    }
  }
  set({ recoverable, unreadable });
}

export async function restoreGraph(r: RecoveredGraph): Promise<void> {
  openRecoveredTab(r.doc, { handle: r.handle, fileName: r.fileName, modifiedMs: r.modifiedMs });
  // The restored tab is unsaved: the next autosave keeps it under this session's id.
  await discardGraph(r.tabId);
  notify('info', `Recovered “${r.doc.name}” (unsaved changes from ${new Date(r.savedMs).toLocaleString()})`);
}

export async function discardGraph(tabId: string): Promise<void> {
  await hostApi().discardRecovery({ tabId });
  set({
    recoverable: state.recoverable.filter((r) => r.tabId !== tabId),
    unreadable: state.unreadable.filter((r) => r.tabId !== tabId),
  });
}

export async function reopenHandles(handles: readonly string[]): Promise<number> {
  const start = getState();
  const untouched =
    start.tabs.length === 1 && !isDirty(start.tabs[0]!) && start.tabs[0]!.handle === null ? start.tabs[0]!.id : null;
  let opened = 0;
  for (const h of handles) {
    if (getState().tabs.some((t) => t.handle === h)) continue;
    if (await openDocumentHandle(h)) opened++;
  }
  // The start page was only a placeholder: the reopened graphs take its place.
  if (opened && untouched && getState().tabs.some((t) => t.id === untouched)) closeTab(untouched, { remember: false });
  set({ offerReopen: [] });
  return opened;
}

let lastSessionSent = '';
/** Tell the host which files are open, whenever that changes (it reopens them next start). */
export function syncSession(tabs: readonly Tab[]): void {
  const handles = [...new Set(tabs.map((t) => t.handle).filter((h): h is string => h !== null))];
  const key = JSON.stringify(handles);
  if (key === lastSessionSent) return;
  lastSessionSent = key;
  void hostApi()
    .setSession({ handles })
    .catch(() => undefined);
}

/** At start: read the last session and the recovery folder before this session overwrites anything. */
export async function startSession(): Promise<void> {
  const api = hostApi();
  const [info, session] = await Promise.all([
    api.appInfo(),
    api.getSession().catch(() => ({ handles: [] as string[] })),
  ]);
  await refreshRecoverable().catch(() => undefined);
  const plan = planStart(info.shell, session.handles, state.recoverable.length + state.unreadable.length);
  if (plan.reopen.length) await reopenHandles(plan.reopen);
  set({ offerReopen: plan.offerReopen, restoreOpen: plan.showRecovery });
  sessionReady = true;
  syncSession(getState().tabs);
}
let sessionReady = false;
export const isSessionReady = () => sessionReady;

// ---- files changed on disk ----

/** Tabs whose file was deleted and the user chose to keep the graph (Save writes it again). */
const keptAfterDelete = new Set<string>();

/** Compare each open file with the disk; a difference becomes a conflict the user resolves. */
export async function checkFiles(): Promise<void> {
  const conflicts: Conflict[] = [];
  for (const t of getState().tabs) {
    if (!t.handle || t.modifiedMs === undefined) continue;
    const known = state.conflicts.find((c) => c.tabId === t.id);
    try {
      const st = await hostApi().statFile({ handle: t.handle });
      const name = t.fileName ?? t.handle;
      if (st.exists) keptAfterDelete.delete(t.id);
      if (!st.exists) {
        if (!keptAfterDelete.has(t.id))
          conflicts.push({ tabId: t.id, fileName: name, kind: 'deleted', diskModifiedMs: null });
      }
      // Sub-millisecond jitter between stat calls is not a change (the host uses the same rule).
      else if (Math.abs(st.modifiedMs! - t.modifiedMs) > 1)
        conflicts.push({ tabId: t.id, fileName: name, kind: 'changed', diskModifiedMs: st.modifiedMs });
    } catch {
      if (known) conflicts.push(known); // host unreachable: keep what we knew
    }
  }
  const same = JSON.stringify(conflicts) === JSON.stringify(state.conflicts);
  if (!same) set({ conflicts });
}

/** A save refused with 409: show the conflict at once rather than wait for the next check. */
export function reportSaveConflict(tab: Tab): void {
  if (state.conflicts.some((c) => c.tabId === tab.id)) return;
  set({
    conflicts: [
      ...state.conflicts,
      { tabId: tab.id, fileName: tab.fileName ?? tab.handle ?? 'the file', kind: 'changed', diskModifiedMs: null },
    ],
  });
  void checkFiles();
}

export async function reloadFromDisk(c: Conflict): Promise<void> {
  const tab = getState().tabs.find((t) => t.id === c.tabId);
  if (!tab?.handle) return;
  try {
    const f = await hostApi().openDocument({ handle: tab.handle });
    reloadTabFromFile(tab.id, loadGraphDoc(f.text, `"${f.name}"`), { modifiedMs: f.modifiedMs });
    set({ conflicts: state.conflicts.filter((x) => x.tabId !== c.tabId) });
    notify('info', `Reloaded “${f.name}” from disk`);
  } catch (err) {
    notify('error', `Not reloaded — ${errorMessage(err)}`);
  }
}

/** Keep the editor's graph; the next save overwrites the disk version. */
export async function keepMine(c: Conflict): Promise<void> {
  let disk = c.diskModifiedMs;
  const tab = getState().tabs.find((t) => t.id === c.tabId);
  if (disk === null && tab?.handle && c.kind === 'changed')
    disk =
      (
        await hostApi()
          .statFile({ handle: tab.handle })
          .catch(() => null)
      )?.modifiedMs ?? null;
  if (tab && c.kind === 'deleted') keptAfterDelete.add(tab.id);
  if (tab) keepTabOverDisk(tab.id, disk ?? tab.modifiedMs ?? 0);
  set({ conflicts: state.conflicts.filter((x) => x.tabId !== c.tabId) });
}

// ---- wiring ----

let started = false;
/** Start autosave, file checks and session tracking (once per page). */
export function startNoLostWork(): () => void {
  if (started) return () => undefined;
  started = true;
  void startSession().catch((err) => notify('error', `Could not read the last session — ${errorMessage(err)}`));
  const autosaveTimer = setInterval(() => void autosaveNow(), AUTOSAVE_EVERY_MS);
  const fileTimer = setInterval(() => void checkFiles(), FILE_CHECK_EVERY_MS);
  const onFocus = () => void checkFiles();
  window.addEventListener('focus', onFocus);
  const offTabs = trackOpenTabs();
  const offSaved = onFileEvent((e) => {
    if (e.type === 'conflict') reportSaveConflict(e.tab);
    else void checkFiles();
  });
  return () => {
    offSaved();
    offTabs();
    started = false;
    clearInterval(autosaveTimer);
    clearInterval(fileTimer);
    window.removeEventListener('focus', onFocus);
  };
}

/** Tabs → host session, once the last session was read (so it is not overwritten first). */
export function useSessionSync(): void {
  const tabs = useEditor((s) => s.tabs);
  useEffect(() => {
    if (sessionReady) syncSession(tabs);
  }, [tabs]);
}
