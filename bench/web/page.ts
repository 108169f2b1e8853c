/** Bench page: starts the bench worker and exposes a promise API for Playwright. */
const worker = new Worker('./worker.js');
const waiting: ((m: unknown) => void)[] = [];
worker.onmessage = (e) => waiting.shift()?.(e.data);
worker.onerror = (e) => waiting.shift()?.({ error: `worker error: ${e.message}` });
function ask(msg: unknown): Promise<unknown> {
  return new Promise((res) => {
    waiting.push(res);
    worker.postMessage(msg);
  });
}
(globalThis as unknown as { bench: unknown }).bench = {
  crossOriginIsolated: (globalThis as unknown as { crossOriginIsolated: boolean }).crossOriginIsolated,
  init: (doc: unknown, backend: string, spoofCores = false, kernels: 'own' | 'stock' = 'own') =>
    ask({ cmd: 'init', doc, backend, spoofCores, kernels }),
  run: (n: number) => ask({ cmd: 'run', n }),
  peak: () => ask({ cmd: 'peak' }),
};
