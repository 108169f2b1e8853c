/**
 * Open / Save through the host API. Loading is always parse → migrate → validate (loadGraphDoc);
 * a file that fails leaves the current graph untouched and the error names the problem.
 */
import { loadGraphDoc, serializeGraphDoc, TemplateError } from '../../engine/graph/load';
import type { GraphDoc } from '../../engine/graph/schema';
import type { TemplateRef } from '../../electron/ipc-contract';
import { errorMessage, hostApi, HostError } from '../api';
import { activeTab, getState, markSaved, notify, openInTab, type Tab } from '../state/store';
import { separateDoc } from '../canvas/separate';

/** Saves as they happen, for the no-lost-work watchers (renderer/session): a save, or one refused because the file changed on disk. */
export type FileEvent = { type: 'saved'; tab: Tab } | { type: 'conflict'; tab: Tab };
const fileListeners = new Set<(e: FileEvent) => void>();
export function onFileEvent(l: (e: FileEvent) => void): () => void {
  fileListeners.add(l);
  return () => fileListeners.delete(l);
}
const emit = (e: FileEvent) => fileListeners.forEach((l) => l(e));

export function suggestedFileName(doc: GraphDoc): string {
  const base =
    doc.name
      .replace(/[^A-Za-z0-9 _.-]+/g, '')
      .trim()
      .replace(/\s+/g, '-')
      .toLowerCase() || 'graph';
  return `${base}.perceiver.json`;
}

/** Validate text as a template and open it in a new tab; false (with a notice) when it is refused. */
export function openText(
  text: string,
  name: string,
  meta: { handle?: string | null; modifiedMs?: number } = {},
): boolean {
  let doc: GraphDoc;
  try {
    doc = loadGraphDoc(text, `"${name}"`);
  } catch (err) {
    const msg = err instanceof TemplateError ? err.message : `Could not read "${name}": ${errorMessage(err)}`;
    notify('error', `Not opened — ${msg}`);
    return false;
  }
  // Nodes that cover one another (a hand-edited file, a template from before the size rules) are
  // moved apart before the graph is shown; nothing else changes.
  const { doc: apart, moved } = separateDoc(doc);
  openInTab(apart, { handle: meta.handle ?? null, fileName: name, modifiedMs: meta.modifiedMs });
  notify(
    'info',
    moved ? `Opened “${name}” (moved ${moved} overlapping node${moved > 1 ? 's' : ''} apart)` : `Opened “${name}”`,
  );
  return true;
}

export async function saveActive(opts: { as?: boolean } = {}): Promise<boolean> {
  const tab = activeTab();
  const doc = tab.history.present;
  try {
    const res = await hostApi().saveFile({
      handle: opts.as ? null : tab.handle,
      suggestedName: tab.fileName && !opts.as ? tab.fileName : suggestedFileName(doc),
      text: serializeGraphDoc(doc),
      expectedModifiedMs: opts.as ? undefined : tab.modifiedMs,
    });
    if (!res) return false; // cancelled
    markSaved(tab.id, doc, res);
    notify('info', `Saved “${res.name}”`);
    emit({ type: 'saved', tab });
    return true;
  } catch (err) {
    if (err instanceof HostError && err.status === 409 && err.field === 'expectedModifiedMs') {
      // Another program changed the file: the conflict bar offers reload / overwrite / save as.
      emit({ type: 'conflict', tab });
      notify('error', `Not saved — ${errorMessage(err)}`);
      return false;
    }
    notify('error', `Not saved — ${errorMessage(err)}`);
    return false;
  }
}

/** Native dialog in Electron; null means the caller shows the in-app picker (web host). */
export async function openNative(): Promise<'opened' | 'cancelled' | 'use-picker'> {
  const api = hostApi();
  try {
    const info = await api.appInfo();
    if (!info.nativeDialogs) return 'use-picker';
    const f = await api.openFile();
    if (!f) return 'cancelled';
    openText(f.text, f.name, { handle: f.handle, modifiedMs: f.modifiedMs });
    return 'opened';
  } catch {
    return 'use-picker';
  }
}

export async function openDocumentHandle(handle: string): Promise<boolean> {
  try {
    const f = await hostApi().openDocument({ handle });
    return openText(f.text, f.name, { handle: f.handle, modifiedMs: f.modifiedMs });
  } catch (err) {
    notify('error', `Not opened — ${errorMessage(err)}`);
    return false;
  }
}

export async function openTemplate(ref: TemplateRef): Promise<boolean> {
  try {
    const { text } = await hostApi().readTemplate(ref);
    // A template opens as a new, unsaved graph: saving must not try to overwrite the library copy.
    return openText(text, ref.name);
  } catch (err) {
    notify('error', `Template not opened — ${errorMessage(err)}`);
    return false;
  }
}

/** Download the active graph as a file (works with no host at all). */
export function downloadActive(): void {
  const doc = activeTab().history.present;
  const blob = new Blob([serializeGraphDoc(doc)], { type: 'application/json' });
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = suggestedFileName(doc);
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

export async function openUpload(file: File): Promise<boolean> {
  if (file.size > 16 * 1024 * 1024) {
    notify(
      'error',
      `Not opened — "${file.name}" is ${(file.size / 1e6).toFixed(1)} MB; templates are limited to 16 MB.`,
    );
    return false;
  }
  return openText(await file.text(), file.name);
}

export function anyDirty(): boolean {
  return getState().tabs.some((t) => t.history.present !== t.savedDoc);
}
