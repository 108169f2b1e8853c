// Bundles tfjs + the engine's custom layers for browsers (dist/web/perceiver-layers.js), the
// module a tfjs export ships so a web page can tf.loadLayersModel() a Perceiver Studio model.
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export async function buildWebLayers({ outfile = join(root, 'dist/web/perceiver-layers.js') } = {}) {
  await build({
    entryPoints: [join(root, 'engine/export/tfjs/webEntry.ts')],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    logLevel: 'warning',
  });
}

if (import.meta.url === `file://${process.argv[1]}`) await buildWebLayers();
