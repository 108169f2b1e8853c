// Bundles the Node CLI with esbuild into dist/cli/perceiver-studio.mjs.
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { rawTextPlugin } from './esbuild-raw.mjs';
import { buildKernels } from './build-kernels.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export async function buildCli() {
  // Our SIMD kernels (engine/kernels): compiled, then copied beside the bundle, where the
  // bundled loader looks for them (dist/cli/kernels/).
  const kernels = await buildKernels({ quiet: true });
  mkdirSync(join(root, 'dist/cli/kernels'), { recursive: true });
  for (const f of readdirSync(kernels))
    if (f.endsWith('.wasm') || f === 'stamp.json') copyFileSync(join(kernels, f), join(root, 'dist/cli/kernels', f));
  await build({
    entryPoints: [join(root, 'engine/cli/entry.ts')],
    outfile: join(root, 'dist/cli/perceiver-studio.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // tfjs and its wasm backend load their own files at run time; keep them external.
    external: ['@tensorflow/*', 'mnist', 'zod'],
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    // The PyTorch export's Python files are imported as text (`./py/train.py?raw`).
    plugins: [rawTextPlugin],
    logLevel: 'warning',
  });
}

if (import.meta.url === `file://${process.argv[1]}`) await buildCli();
