/**
 * Browser bench worker: trains the compiled template the way the app does (a dedicated Web
 * Worker, engine compile + the trainer's loss and Adam), on wasm with as many threads as the
 * page allows (cross-origin isolated), or webgl. Driven by bench/web/page.ts via postMessage.
 */
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import type { GraphDoc } from '../../engine/graph/schema.js';
import { formulationFor, setFormulation } from '../../engine/layers/ops.js';
import { analyse } from '../../engine/graph/analyse.js';
import { compiledImpl } from '../lib/compiledImpl.js';
import { syntheticBatches } from '../lib/data.js';
import type { TrainImpl } from '../lib/impl.js';
import { matmulPeak } from '../lib/peak.js';
import {
  checkOwnKernels,
  ownKernelsStatus,
  provideKernelBinaries,
  setOwnKernelsAllowed,
} from '../../engine/kernels/index.js';

declare const self: {
  onmessage: (e: { data: Record<string, unknown> }) => void;
  postMessage: (m: unknown) => void;
  crossOriginIsolated?: boolean;
  navigator: { hardwareConcurrency: number };
};

let impl: TrainImpl;
let batches: { x: tf.Tensor; y: tf.Tensor }[] = [];
let k = 0;

async function step(): Promise<number> {
  const b = batches[k++ % batches.length]!;
  const t0 = performance.now();
  const loss = impl.step(b.x, b.y);
  await loss.data(); // webgl is asynchronous: the step is over when its loss is readable
  const ms = performance.now() - t0;
  loss.dispose();
  return ms;
}

self.onmessage = (e) =>
  void (async () => {
    const m = e.data;
    try {
      if (m.cmd === 'init') {
        const backend = m.backend as string;
        if (backend === 'wasm') {
          setWasmPaths('/wasm/');
          // tfjs' wasm build sizes its pthread pool as hardwareConcurrency/2 when the module loads
          // (1 on 2 cores), so setThreadsCount alone cannot add threads. With m.spoofCores the
          // worker reports twice its cores first, so the pool can hold one thread per core.
          const cores = self.navigator.hardwareConcurrency;
          if (m.spoofCores)
            Object.defineProperty(self.navigator, 'hardwareConcurrency', { value: cores * 2, configurable: true });
          setThreadsCount(cores);
        }
        // Our kernels (engine/kernels): the page serves the compiled modules under /kernels/; a
        // worker cannot read files, so it fetches them and hands them to the loader.
        if (backend === 'wasm' && m.kernels !== 'stock') {
          const names = [
            'kernels-simd.wasm',
            'kernels-relaxed.wasm',
            'kernels-simd-shared.wasm',
            'kernels-relaxed-shared.wasm',
          ];
          const bins: Record<string, Uint8Array> = {};
          for (const n of names) {
            const r = await fetch(`/kernels/${n}`);
            if (r.ok) bins[n] = new Uint8Array(await r.arrayBuffer());
          }
          provideKernelBinaries(bins);
        }
        setOwnKernelsAllowed(m.kernels !== 'stock');
        if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} failed to initialise`);
        await tf.ready();
        setFormulation(formulationFor(backend));
        if (backend === 'wasm' && m.kernels !== 'stock') checkOwnKernels();
        const doc = m.doc as GraphDoc;
        const batch = doc.training.batchSize;
        impl = compiledImpl(doc, 10);
        const size = 28;
        batches = syntheticBatches(4, batch, size, 1, 10).map((h) => ({
          x: tf.tensor(h.x, [batch, size, size, 1]),
          y: tf.tensor1d(h.y, 'int32'),
        }));
        for (let i = 0; i < 3; i++) await step();
        self.postMessage({
          ready: true,
          backend: tf.getBackend(),
          formulation: formulationFor(backend),
          crossOriginIsolated: self.crossOriginIsolated === true,
          simd: backend === 'wasm' ? await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT') : null,
          multithread: backend === 'wasm' ? await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT') : null,
          threads: backend === 'wasm' ? getThreadsCount() : null,
          hardwareConcurrency: self.navigator.hardwareConcurrency,
          spoofedCores: m.spoofCores === true,
          flopsPerExample: analyse(doc).totals.flops,
          batch,
          ownKernels: ownKernelsStatus(),
        });
      } else if (m.cmd === 'run') {
        const times: number[] = [];
        for (let i = 0; i < (m.n as number); i++) times.push(await step());
        self.postMessage({ times });
      } else if (m.cmd === 'peak') {
        self.postMessage({ peakGflops: matmulPeak() });
      }
    } catch (err) {
      self.postMessage({ error: String((err as Error).stack ?? err) });
    }
  })();
