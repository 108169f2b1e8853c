// Bundles Electron main and preload (dist/electron/main.cjs, preload.cjs) and the loopback web
// host (dist/host/serve.mjs). Everything main needs is bundled in, so the packaged app carries no
// node_modules. `electron` itself stays external (it is the runtime).
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildHost } from './build-host.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export async function buildElectron({ outDir = join(root, 'dist', 'electron'), host = true } = {}) {
  const common = {
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['electron'],
    logLevel: 'warning',
    legalComments: 'none',
  };
  await Promise.all([
    build({ ...common, entryPoints: [join(root, 'electron/main/main.ts')], outfile: join(outDir, 'main.cjs') }),
    // The sandboxed preload may require only 'electron': everything else is bundled in.
    build({
      ...common,
      minify: true,
      entryPoints: [join(root, 'electron/preload.ts')],
      outfile: join(outDir, 'preload.cjs'),
    }),
    host ? buildHost() : undefined,
  ]);
}

if (import.meta.url === `file://${process.argv[1]}`) await buildElectron();
