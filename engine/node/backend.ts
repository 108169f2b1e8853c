/**
 * Node backends: wasm (SIMD; single-threaded, tfjs turns wasm threads off under Node) or the
 * pure-JS cpu backend. tfjs-node is not used: it needs a native download.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { formulationFor, setFormulation } from '../layers/ops.js';
import { useKernelFilesFromDisk } from '../kernels/node.js';

const require = createRequire(import.meta.url);

export type NodeBackend = 'wasm' | 'cpu';

/** Initialise a backend and choose the fastest formulation of the layers for it. */
export async function useNodeBackend(name: NodeBackend): Promise<{ backend: string; note: string }> {
  if (name === 'wasm') {
    useKernelFilesFromDisk(); // our SIMD kernels (engine/kernels), compiled by scripts/build-kernels.mjs
    const dir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
    setWasmPaths(join(dir, 'dist') + '/');
  }
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`The ${name} backend could not be initialised; try --backend cpu`);
  await tf.ready();
  setFormulation(formulationFor(name));
  const simd = name === 'wasm' ? await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT') : false;
  return {
    backend: name,
    note:
      name === 'wasm'
        ? `wasm${simd ? ' with SIMD' : ' without SIMD'}, 1 thread (Node)`
        : 'pure JavaScript cpu backend (slow)',
  };
}
