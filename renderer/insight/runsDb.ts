/**
 * Run records persisted in the renderer's IndexedDB (one object store keyed by run id), so the
 * run history survives reloads in Electron and in the web host alike without a host method.
 */
import type { RunRecord } from '../../engine/insight/runs';

const DB_NAME = 'perceiver-studio-insight';
const STORE = 'runs';
/** Oldest runs beyond this are dropped: each record carries a graph snapshot. */
export const MAX_RUNS = 500;

let dbPromise: Promise<IDBDatabase> | null = null;

function open(): Promise<IDBDatabase> {
  if (dbPromise) return dbPromise;
  dbPromise = new Promise<IDBDatabase>((resolve, reject) => {
    if (typeof indexedDB === 'undefined') return reject(new Error('this browser has no IndexedDB'));
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => {
      if (!req.result.objectStoreNames.contains(STORE)) req.result.createObjectStore(STORE, { keyPath: 'id' });
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB could not be opened'));
    req.onblocked = () => reject(new Error('IndexedDB is blocked by another window of the app'));
  });
  dbPromise.catch(() => (dbPromise = null));
  return dbPromise;
}

function done<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });
}

export async function loadRuns(): Promise<RunRecord[]> {
  const db = await open();
  const runs = await done(db.transaction(STORE, 'readonly').objectStore(STORE).getAll() as IDBRequest<RunRecord[]>);
  return runs.sort((a, b) => a.startedMs - b.startedMs);
}

export async function putRun(run: RunRecord): Promise<void> {
  const db = await open();
  await done(db.transaction(STORE, 'readwrite').objectStore(STORE).put(run));
}

export async function deleteRuns(ids: string[]): Promise<void> {
  if (!ids.length) return;
  const db = await open();
  const tx = db.transaction(STORE, 'readwrite');
  const store = tx.objectStore(STORE);
  await Promise.all(ids.map((id) => done(store.delete(id))));
}
