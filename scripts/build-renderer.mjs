// Builds the UI: vite bundles renderer/ into dist/renderer, the tfjs wasm binaries are copied to
// dist/renderer/wasm/ (the worker calls setWasmPaths('/wasm/'); bundlers cannot see them), and the
// built-in MNIST digits are written as one compact binary (dist/renderer/data/mnist.bin) so the
// app trains with no download at run time.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

export async function buildRenderer() {
  const { build } = await import('vite');
  const outDir = join(root, 'dist/renderer');
  await build({
    configFile: join(root, 'vite.config.ts'),
    logLevel: 'warn',
  });

  const wasmDir = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
  mkdirSync(join(outDir, 'wasm'), { recursive: true });
  for (const f of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) {
    copyFileSync(join(wasmDir, f), join(outDir, 'wasm', f));
  }

  // The app's Export menu (tfjs web files) ships this module next to the model; the training
  // worker fetches it from the app's own origin (web/perceiver-layers.js).
  const { buildWebLayers } = await import('./build-web-layers.mjs');
  await buildWebLayers({ outfile: join(outDir, 'web', 'perceiver-layers.js') });

  // The engine's own encoder and Node loader, so the app and the CLI see the very same digits.
  const { tsImport } = await import('tsx/esm/api');
  const { encodeMnist } = await tsImport(join(root, 'engine/data/mnist.ts'), import.meta.url);
  const { loadMnistBytes } = await tsImport(join(root, 'engine/node/mnist.ts'), import.meta.url);
  mkdirSync(join(outDir, 'data'), { recursive: true });
  writeFileSync(join(outDir, 'data', 'mnist.bin'), encodeMnist(loadMnistBytes()));
}

if (import.meta.url === `file://${process.argv[1]}`) await buildRenderer();
