/**
 * Checkpoints kept in IndexedDB (works in the worker and the page alike), one per key: the
 * newest good epoch of a graph on a dataset. A later run resumes from it; a diverged run never
 * overwrites it, so the last good one survives. Only the most recent few keys are kept so the
 * browser's storage does not fill up with old experiments.
 */
import type { Checkpoint, CheckpointManifest } from '../../engine/train/checkpoint';

const DB_NAME = 'perceiver-studio-checkpoints';
const STORE = 'checkpoints';
export const MAX_KEPT_CHECKPOINTS = 8;

export interface StoredCheckpoint {
  key: string;
  manifest: CheckpointManifest;
  data: Float32Array;
  savedMs: number;
  docName: string;
  dataName: string;
}

export interface CheckpointInfo {
  key: string;
  epoch: number;
  step: number;
  optimizer: string;
  savedMs: number;
  dataName: string;
}

function openDb(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    if (typeof indexedDB === 'undefined')
      return reject(new Error('IndexedDB is not available here, so checkpoints cannot be kept'));
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => {
      const db = req.result;
      if (!db.objectStoreNames.contains(STORE))
        db.createObjectStore(STORE, { keyPath: 'key' }).createIndex('savedMs', 'savedMs');
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('could not open the checkpoint store'));
  });
}

function done<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('checkpoint store request failed'));
  });
}

async function withStore<T>(mode: IDBTransactionMode, f: (s: IDBObjectStore) => Promise<T>): Promise<T> {
  const db = await openDb();
  try {
    const tx = db.transaction(STORE, mode);
    const result = await f(tx.objectStore(STORE));
    await new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error ?? new Error('checkpoint store transaction failed'));
      tx.onabort = () => reject(tx.error ?? new Error('checkpoint store transaction aborted (is the disk full?)'));
    });
    return result;
  } finally {
    db.close();
  }
}

export async function putCheckpoint(
  key: string,
  ckpt: Checkpoint,
  meta: { docName: string; dataName: string },
): Promise<void> {
  const record: StoredCheckpoint = { key, manifest: ckpt.manifest, data: ckpt.data, savedMs: Date.now(), ...meta };
  await withStore('readwrite', async (s) => {
    await done(s.put(record));
    // Drop the oldest beyond the limit (each is weights + optimizer state).
    const keys = (await done(s.index('savedMs').getAllKeys())) as string[];
    for (const old of keys.slice(0, Math.max(0, keys.length - MAX_KEPT_CHECKPOINTS))) await done(s.delete(old));
  });
}

export async function getCheckpoint(key: string): Promise<Checkpoint | null> {
  const r = await withStore('readonly', (s) => done(s.get(key) as IDBRequest<StoredCheckpoint | undefined>));
  return r ? { manifest: r.manifest, data: r.data } : null;
}

export async function checkpointInfo(key: string): Promise<CheckpointInfo | null> {
  const r = await withStore('readonly', (s) => done(s.get(key) as IDBRequest<StoredCheckpoint | undefined>));
  return r
    ? {
        key,
        epoch: r.manifest.epoch,
        step: r.manifest.step,
        optimizer: r.manifest.settings.optimizer,
        savedMs: r.savedMs,
        dataName: r.dataName,
      }
    : null;
}

export async function deleteCheckpoint(key: string): Promise<void> {
  await withStore('readwrite', (s) => done(s.delete(key)));
}
