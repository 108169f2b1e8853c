/**
 * Editor state: open tabs (each a GraphDoc with its undo history and file identity), the
 * selection, the clipboard and the last notice. The GraphDoc in history.present is the model;
 * React Flow only draws it. Every graph change goes through `perform` with an engine command.
 */
import { useSyncExternalStore } from 'react';
import {
  CommandError,
  createHistory,
  perform as performCmd,
  redo as redoH,
  undo as undoH,
  type Clip,
  type Command,
  type History,
} from '../../engine/graph/commands';
import type { GraphDoc } from '../../engine/graph/schema';

export interface Tab {
  id: string;
  history: History;
  /** The document as last saved or opened; the tab is dirty while present !== savedDoc. */
  savedDoc: GraphDoc | null;
  /** Host file handle (null until saved). */
  handle: string | null;
  fileName: string | null;
  modifiedMs?: number;
}

export interface Notice {
  kind: 'error' | 'info';
  text: string;
  /** Changes with every notice so repeated identical messages still show. */
  seq: number;
  /** An optional follow-up the user can choose (e.g. "Reconnect neighbours" after a delete). */
  action?: { label: string; run: () => void };
}

export interface EditorState {
  tabs: Tab[];
  activeTabId: string;
  selectedNodes: string[];
  selectedEdges: string[];
  clipboard: Clip | null;
  notice: Notice | null;
  /** Node the canvas should centre on next (problems list, find). */
  focusRequest: { nodeId: string; seq: number } | null;
  /** Tabs closed while the app runs, newest last (Ctrl+Shift+T reopens them). */
  closedTabs: Tab[];
  /** A changed tab the user asked to close: the app asks Save / Don't save / Cancel. */
  closePrompt: string | null;
}

/** How many closed tabs Ctrl+Shift+T can bring back. */
export const CLOSED_TABS_KEPT = 20;

type Listener = () => void;
let state: EditorState;
const listeners = new Set<Listener>();
let seq = 0;
let tabSeq = 0;

function set(next: Partial<EditorState>): void {
  state = { ...state, ...next };
  for (const l of listeners) l();
}

export function initStore(doc: GraphDoc, meta: { fileName?: string | null } = {}): void {
  const tab = makeTab(doc, { savedDoc: doc, fileName: meta.fileName ?? null });
  state = {
    tabs: [tab],
    activeTabId: tab.id,
    selectedNodes: [],
    selectedEdges: [],
    clipboard: null,
    notice: null,
    focusRequest: null,
    closedTabs: [],
    closePrompt: null,
  };
}

function makeTab(doc: GraphDoc, meta: Partial<Tab> = {}): Tab {
  return { id: `tab${++tabSeq}`, history: createHistory(doc), savedDoc: null, handle: null, fileName: null, ...meta };
}

export function getState(): EditorState {
  return state;
}

/** Hear every state change outside React (the reload session writer). */
export function subscribeEditor(l: Listener): () => void {
  listeners.add(l);
  return () => void listeners.delete(l);
}

export function useEditor<T>(selector: (s: EditorState) => T): T {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => selector(state),
  );
}

export function activeTab(s: EditorState = state): Tab {
  return s.tabs.find((t) => t.id === s.activeTabId) ?? s.tabs[0]!;
}

export function activeDoc(s: EditorState = state): GraphDoc {
  return activeTab(s).history.present;
}

export function isDirty(t: Tab): boolean {
  return t.history.present !== t.savedDoc;
}

function updateTab(id: string, f: (t: Tab) => Tab): void {
  set({ tabs: state.tabs.map((t) => (t.id === id ? f(t) : t)) });
}

export function notify(kind: Notice['kind'], text: string, action?: Notice['action']): void {
  set({ notice: { kind, text, seq: ++seq, action } });
}

export function clearNotice(): void {
  set({ notice: null });
}

/** Apply a command to the active graph; a refused command shows its reason and changes nothing. */
export function perform(cmd: Command): boolean {
  const tab = activeTab();
  try {
    const history = performCmd(tab.history, cmd);
    updateTab(tab.id, (t) => ({ ...t, history }));
    pruneSelection();
    return true;
  } catch (err) {
    if (err instanceof CommandError) {
      notify('error', err.message);
      return false;
    }
    throw err;
  }
}

export function undo(): void {
  const tab = activeTab();
  if (!tab.history.past.length) return;
  updateTab(tab.id, (t) => ({ ...t, history: undoH(t.history) }));
  pruneSelection();
}

export function redo(): void {
  const tab = activeTab();
  if (!tab.history.future.length) return;
  updateTab(tab.id, (t) => ({ ...t, history: redoH(t.history) }));
  pruneSelection();
}

function pruneSelection(): void {
  const doc = activeDoc();
  // Members of a collapsed block are hidden: they leave the selection so Delete/Copy act on what is visible.
  const collapsed = new Set(doc.groups.filter((g) => g.collapsed).map((g) => g.id));
  const nodes = new Set(doc.nodes.filter((n) => !n.group || !collapsed.has(n.group)).map((n) => n.id));
  const edges = new Set(doc.edges.map((e) => e.id));
  const selectedNodes = state.selectedNodes.filter((id) => nodes.has(id));
  const selectedEdges = state.selectedEdges.filter((id) => edges.has(id));
  if (selectedNodes.length !== state.selectedNodes.length || selectedEdges.length !== state.selectedEdges.length)
    set({ selectedNodes, selectedEdges });
}

export function select(nodes: string[], edges: string[] = []): void {
  const same = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
  if (same(nodes, state.selectedNodes) && same(edges, state.selectedEdges)) return;
  set({ selectedNodes: nodes, selectedEdges: edges });
}

export function focusNode(nodeId: string): void {
  set({ selectedNodes: [nodeId], selectedEdges: [], focusRequest: { nodeId, seq: ++seq } });
}

export function setClipboard(clip: Clip): void {
  set({ clipboard: clip });
}

/** Open a document in a new tab, or replace the active tab when it is an untouched start page. */
export function openInTab(
  doc: GraphDoc,
  meta: { handle?: string | null; fileName?: string | null; modifiedMs?: number } = {},
): void {
  const tab = makeTab(doc, {
    savedDoc: doc,
    handle: meta.handle ?? null,
    fileName: meta.fileName ?? null,
    modifiedMs: meta.modifiedMs,
  });
  set({ tabs: [...state.tabs, tab], activeTabId: tab.id, selectedNodes: [], selectedEdges: [] });
}

/** A new tab with an unsaved graph; `blank` (File › New): an empty graph that needs no saving until edited. */
export function newTab(doc: GraphDoc, opts: { blank?: boolean } = {}): void {
  const tab = makeTab(doc, opts.blank ? { savedDoc: doc } : {});
  set({ tabs: [...state.tabs, tab], activeTabId: tab.id, selectedNodes: [], selectedEdges: [] });
}

export function switchTab(id: string): void {
  if (id === state.activeTabId || !state.tabs.some((t) => t.id === id)) return;
  set({ activeTabId: id, selectedNodes: [], selectedEdges: [] });
}

/**
 * Close a tab now (no question asked; see requestCloseTab). The tab goes onto the closed-tabs
 * list, so Ctrl+Shift+T brings it back with its undo history while the app runs.
 */
export function closeTab(id: string, opts: { remember?: boolean } = {}): void {
  if (state.tabs.length === 1) return;
  const i = state.tabs.findIndex((t) => t.id === id);
  if (i < 0) return;
  const tabs = state.tabs.filter((t) => t.id !== id);
  const activeTabId = id === state.activeTabId ? tabs[Math.max(0, i - 1)]!.id : state.activeTabId;
  const closedTabs =
    opts.remember === false ? state.closedTabs : [...state.closedTabs, state.tabs[i]!].slice(-CLOSED_TABS_KEPT);
  set({
    tabs,
    activeTabId,
    selectedNodes: [],
    selectedEdges: [],
    closedTabs,
    closePrompt: state.closePrompt === id ? null : state.closePrompt,
  });
}

/** The user closes a tab: an unsaved one asks first (Save / Don't save / Cancel), a saved one closes. */
export function requestCloseTab(id: string): void {
  const tab = state.tabs.find((t) => t.id === id);
  if (!tab || state.tabs.length === 1) return;
  if (isDirty(tab)) set({ closePrompt: id });
  else closeTab(id);
}

export function cancelClosePrompt(): void {
  if (state.closePrompt !== null) set({ closePrompt: null });
}

/** Bring back the most recently closed tab (its graph, undo history and file); false when none. */
export function reopenClosedTab(): boolean {
  const tab = state.closedTabs[state.closedTabs.length - 1];
  if (!tab) return false;
  // A tab with the same file open again since is not duplicated: switch to it instead.
  const same = tab.handle ? state.tabs.find((t) => t.handle === tab.handle) : undefined;
  const closedTabs = state.closedTabs.slice(0, -1);
  if (same) set({ closedTabs, activeTabId: same.id, selectedNodes: [], selectedEdges: [] });
  else set({ tabs: [...state.tabs, tab], activeTabId: tab.id, closedTabs, selectedNodes: [], selectedEdges: [] });
  return true;
}

/**
 * Start from a saved session (a reload of the page): replaces every tab. `dirty` tabs come back
 * unsaved (their savedDoc unknown), the others as opened from their file.
 */
export function restoreTabs(
  tabs: { doc: GraphDoc; dirty: boolean; handle: string | null; fileName: string | null; modifiedMs?: number }[],
  activeIndex: number,
): void {
  if (!tabs.length) return;
  const made = tabs.map((t) =>
    makeTab(t.doc, {
      savedDoc: t.dirty ? null : t.doc,
      handle: t.handle,
      fileName: t.fileName,
      modifiedMs: t.modifiedMs,
    }),
  );
  set({
    tabs: made,
    activeTabId: made[Math.min(Math.max(0, activeIndex), made.length - 1)]!.id,
    selectedNodes: [],
    selectedEdges: [],
  });
}

export function markSaved(
  tabId: string,
  savedDoc: GraphDoc,
  file: { handle: string; name: string; modifiedMs?: number },
): void {
  updateTab(tabId, (t) => ({ ...t, savedDoc, handle: file.handle, fileName: file.name, modifiedMs: file.modifiedMs }));
}

/** A recovered autosave: a new tab whose graph is unsaved (dirty), still tied to its file when it had one. */
export function openRecoveredTab(
  doc: GraphDoc,
  meta: { handle?: string | null; fileName?: string | null; modifiedMs?: number },
): void {
  const tab = makeTab(doc, {
    savedDoc: null,
    handle: meta.handle ?? null,
    fileName: meta.fileName ?? null,
    modifiedMs: meta.modifiedMs,
  });
  set({ tabs: [...state.tabs, tab], activeTabId: tab.id, selectedNodes: [], selectedEdges: [] });
}

/** Replace a tab's graph with the file as it is on disk now (Reload after another program changed it). */
export function reloadTabFromFile(tabId: string, doc: GraphDoc, file: { modifiedMs: number }): void {
  updateTab(tabId, (t) => ({ ...t, history: createHistory(doc), savedDoc: doc, modifiedMs: file.modifiedMs }));
  if (tabId === state.activeTabId) set({ selectedNodes: [], selectedEdges: [] });
}

/**
 * Keep the editor's version of a file another program changed: the next save overwrites the
 * disk version (its time is acknowledged) and the tab counts as unsaved until then.
 */
export function keepTabOverDisk(tabId: string, diskModifiedMs: number): void {
  updateTab(tabId, (t) => ({ ...t, modifiedMs: diskModifiedMs, savedDoc: null }));
}
