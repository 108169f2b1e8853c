// Bundles the Node CLI with esbuild into dist/cli/perceiver-studio.mjs.
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rawTextPlugin } from './esbuild-raw.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export async function buildCli() {
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
