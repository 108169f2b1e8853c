/**
 * "Import from Hugging Face…" in the app: a picked or dropped folder (config.json +
 * model.safetensors or pytorch_model.bin) is read by the training worker (worker/hfImport.ts),
 * which keeps the weights; the graph opens in a new tab, and that tab remembers its import so
 * that Train starts from the imported weights (fine-tuning, optionally with a frozen encoder)
 * and the graph details show the source.
 *
 * The files never go through the host: the page reads them with the File API in the worker, the
 * same in Electron and in the browser.
 */
import { useSyncExternalStore } from 'react';
import type { GraphDoc } from '../../engine/graph/schema';
import { getState, newTab, notify } from '../state/store';
import { onWorkerMessage, postToWorker } from '../training/workerClient';
import type { FromWorker, HfImportFiles, HfImportSummary, PretrainedRef } from '../worker/protocol';

export interface TabImport {
  summary: HfImportSummary;
  files: HfImportFiles;
  /** Train starts from these weights (else from a random initialisation). */
  usePretrained: boolean;
  freezeEncoder: boolean;
}

interface HfState {
  /** Tab id → its import. */
  byTab: Record<string, TabImport>;
  busy: { folder: string; done: number; total: number } | null;
  error: string | null;
}

let state: HfState = { byTab: {}, busy: null, error: null };
const listeners = new Set<() => void>();
function set(patch: Partial<HfState>): void {
  state = { ...state, ...patch };
  for (const l of listeners) l();
}
export function getHfState(): HfState {
  return state;
}
export function useHf<T>(sel: (s: HfState) => T): T {
  return useSyncExternalStore(
    (l) => (listeners.add(l), () => listeners.delete(l)),
    () => sel(state),
  );
}

let nextRequest = 1;
const pending = new Map<number, HfImportFiles>();

onWorkerMessage((m: FromWorker) => {
  if (m.type !== 'hfImported' && m.type !== 'hfImportError' && m.type !== 'hfImportProgress') return;
  const files = pending.get(m.requestId);
  if (!files) return;
  if (m.type === 'hfImportProgress') {
    // Large files say how far the reading is, every 10%.
    const step = (n: number) => Math.floor((10 * n) / Math.max(1, m.total));
    if (m.total >= 64 * 1024 * 1024 && step(m.done) > step(state.busy?.done ?? 0))
      notify(
        'info',
        `Importing ${files.folder}: ${step(m.done) * 10}% of ${(m.total / 1024 / 1024).toFixed(0)} MB read…`,
      );
    return set({ busy: { folder: files.folder, done: m.done, total: m.total } });
  }
  pending.delete(m.requestId);
  if (m.type === 'hfImportError') {
    set({ busy: null, error: m.message });
    notify('error', `Import from Hugging Face failed: ${m.message}`);
    return;
  }
  openImported(m.doc, m.summary, files);
});

function openImported(doc: GraphDoc, summary: HfImportSummary, files: HfImportFiles): void {
  newTab(doc);
  const tabId = getState().activeTabId;
  set({
    busy: null,
    error: null,
    byTab: { ...state.byTab, [tabId]: { summary, files, usePretrained: true, freezeEncoder: false } },
  });
  notify(
    'info',
    `Imported ${summary.hfClass} from ${summary.folder}: ${summary.parameters.toLocaleString('en-US')} parameters, weights attached (Train fine-tunes them).`,
  );
}

export class HfPickError extends Error {}

/**
 * The files of one HF folder out of picked / dropped paths ("language-perceiver/config.json"):
 * config.json and model.safetensors (preferred) or pytorch_model.bin from the same folder.
 */
export function hfFilesFrom(items: readonly { path: string; file: File }[]): HfImportFiles {
  const norm = items.map((i) => ({ ...i, path: i.path.replace(/\\/g, '/').replace(/^\/+/, '') }));
  const configs = norm
    .filter((i) => i.path === 'config.json' || i.path.endsWith('/config.json'))
    .sort((a, b) => a.path.split('/').length - b.path.split('/').length);
  const config = configs[0];
  if (!config)
    throw new HfPickError(
      'the folder has no config.json; a Hugging Face model folder holds config.json and model.safetensors (or pytorch_model.bin)',
    );
  const dir = config.path.slice(0, config.path.length - 'config.json'.length);
  const weights =
    norm.find((i) => i.path === `${dir}model.safetensors`) ?? norm.find((i) => i.path === `${dir}pytorch_model.bin`);
  if (!weights) {
    const sharded = norm.some((i) => /\.index\.json$/.test(i.path));
    throw new HfPickError(
      `${dir || 'the folder'} has config.json but no model.safetensors or pytorch_model.bin${sharded ? ' (sharded checkpoints are not supported)' : ''}`,
    );
  }
  const folder = dir.replace(/\/$/, '').split('/').pop() || 'the dropped folder';
  return { folder, config: config.file, weights: weights.file };
}

/** Whether dropped/picked paths look like an HF model folder (a config.json beside weights). */
export function looksLikeHfFolder(items: readonly { path: string }[]): boolean {
  const names = new Set(items.map((i) => i.path.split('/').pop()));
  return names.has('config.json') && (names.has('model.safetensors') || names.has('pytorch_model.bin'));
}

/** Import picked / dropped files; the graph opens in a new tab when the worker is done. */
export function importHfFiles(items: readonly { path: string; file: File }[]): void {
  let files: HfImportFiles;
  try {
    files = hfFilesFrom(items);
  } catch (err) {
    set({ error: (err as Error).message });
    notify('error', `Import from Hugging Face: ${(err as Error).message}`);
    return;
  }
  const requestId = nextRequest++;
  pending.set(requestId, files);
  set({ busy: { folder: files.folder, done: 0, total: files.weights.size }, error: null });
  notify(
    'info',
    `Importing ${files.folder} (${files.weights.name}, ${(files.weights.size / 1024 / 1024).toFixed(1)} MB)…`,
  );
  postToWorker({ type: 'importHf', requestId, files });
}

/** "Import from Hugging Face…": choose the downloaded folder. */
export function pickHfFolder(): void {
  const input = document.createElement('input');
  input.type = 'file';
  input.multiple = true;
  input.setAttribute('webkitdirectory', '');
  input.setAttribute('data-testid', 'hf-folder-input');
  input.style.display = 'none';
  input.addEventListener('change', () => {
    const files = [...(input.files ?? [])].map((f) => ({
      path: (f as File & { webkitRelativePath?: string }).webkitRelativePath || f.name,
      file: f,
    }));
    input.remove();
    if (files.length) importHfFiles(files);
  });
  document.body.appendChild(input);
  input.click();
}

export function setFineTuneOptions(
  tabId: string,
  patch: Partial<Pick<TabImport, 'usePretrained' | 'freezeEncoder'>>,
): void {
  const cur = state.byTab[tabId];
  if (cur) set({ byTab: { ...state.byTab, [tabId]: { ...cur, ...patch } } });
}

/** What a run of this tab starts from (null: random initialisation). */
export function pretrainedRefFor(tabId: string): PretrainedRef | null {
  const imp = state.byTab[tabId];
  if (!imp || !imp.usePretrained) return null;
  return {
    importId: imp.summary.importId,
    files: imp.files,
    label: `${imp.summary.hfClass} (${imp.summary.folder})`,
    freezeEncoder: imp.freezeEncoder,
  };
}
