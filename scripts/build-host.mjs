// Bundles the loopback web host (electron/host/serveEntry.ts) into dist/host/serve.mjs.
// scripts/serve.mjs and scripts/start.mjs build it on demand; build-electron.mjs builds it too.
import { build } from 'esbuild';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const hostBundle = join(root, 'dist', 'host', 'serve.mjs');

export async function buildHost() {
  await build({
    entryPoints: [join(root, 'electron/host/serveEntry.ts')],
    outfile: hostBundle,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    logLevel: 'warning',
  });
}

function newestSource(dir) {
  let newest = 0;
  if (!existsSync(dir)) return newest;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (/\.ts$/.test(e.name) && !/\.test\.ts$/.test(e.name)) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/** Build when the bundle is missing or older than its sources (a working copy being edited). */
export async function ensureHostBundle() {
  const built = existsSync(hostBundle) ? statSync(hostBundle).mtimeMs : 0;
  const sources = ['electron', 'engine/graph', 'engine/kinds'].map((d) => newestSource(join(root, d)));
  if (built === 0 || Math.max(...sources) > built) await buildHost();
  return hostBundle;
}

if (import.meta.url === `file://${process.argv[1]}`) await buildHost();
