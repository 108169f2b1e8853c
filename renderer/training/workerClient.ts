/**
 * The one training worker, shared by the training run and the dataset panel (both need the
 * same worker: the data it parsed is the data it trains on). Started on first use; if it
 * crashes, listeners hear about it and the next message starts a fresh one.
 */
import type { FromWorker, ToWorker } from '../worker/protocol';

type Listener = (m: FromWorker) => void;
type CrashListener = (message: string) => void;

let worker: Worker | null = null;
const listeners = new Set<Listener>();
const crashListeners = new Set<CrashListener>();

function ensureWorker(): Worker {
  if (worker) return worker;
  worker = new Worker(new URL('../train.worker.ts', import.meta.url), { type: 'module', name: 'perceiver-train' });
  worker.onmessage = (ev: MessageEvent<FromWorker>) => {
    for (const l of listeners) l(ev.data);
  };
  worker.onerror = (ev) => {
    const message = `The training worker crashed: ${ev.message || 'unknown error'}`;
    worker?.terminate();
    worker = null;
    for (const l of crashListeners) l(message);
  };
  return worker;
}

export function postToWorker(msg: ToWorker): void {
  ensureWorker().postMessage(msg);
}

/** Post only when a worker is running (Stop/Pause must not start one). */
export function postIfRunning(msg: ToWorker): void {
  worker?.postMessage(msg);
}

export function onWorkerMessage(l: Listener): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

export function onWorkerCrash(l: CrashListener): () => void {
  crashListeners.add(l);
  return () => crashListeners.delete(l);
}
