#!/usr/bin/env node
// Runs the bundled CLI (dist/cli/perceiver-studio.mjs), building it first when it is missing or
// older than the engine sources, .py files included (a checkout that changed since the last build).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = join(root, 'dist', 'cli', 'perceiver-studio.mjs');

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (/\.(ts|py)$/.test(entry.name) && !/\.test\.ts$/.test(entry.name)) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

const engineDir = join(root, 'engine');
const stale = !existsSync(bundle) || !existsSync(join(root, 'dist', 'cli', 'kernels', 'stamp.json')) || (existsSync(engineDir) && newestSource(engineDir) > statSync(bundle).mtimeMs);
if (stale) {
  const { buildCli } = await import(pathToFileURL(join(root, 'scripts', 'build-cli.mjs')).href);
  await buildCli();
}
await import(pathToFileURL(bundle).href);
