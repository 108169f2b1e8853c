#!/usr/bin/env node
// The loopback web host: serves dist/renderer and the IPC contract at POST /api/<method> on
// 127.0.0.1 (see electron/ipc-contract.ts). Builds what is missing first, so it works after
// `npm run build` and from a fresh clone after `npm install`.
//   node scripts/serve.mjs [--port N] [--user-data DIR] [--renderer DIR] [--templates DIR]
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ensureHostBundle } from './build-host.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export async function ensureRenderer() {
  if (existsSync(join(root, 'dist', 'renderer', 'index.html'))) return;
  const script = join(root, 'scripts', 'build-renderer.mjs');
  if (!existsSync(script)) return; // the host then answers / with a "not built" message
  console.log('Building the renderer (dist/renderer is missing)…');
  const mod = await import(pathToFileURL(script).href);
  const fn = Object.values(mod).find((v) => typeof v === 'function' && /^build/.test(v.name));
  try {
    if (fn) await fn();
  } catch (e) {
    // Serve anyway: the API works, and / explains that the renderer is not built.
    console.error(`The renderer build failed: ${e?.message ?? e}`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const bundle = await ensureHostBundle();
  await ensureRenderer();
  const { runServe } = await import(pathToFileURL(bundle).href);
  await runServe(process.argv.slice(2), root);
}
