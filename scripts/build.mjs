#!/usr/bin/env node
// `npm run build`: every build step, each owned by its own script.
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const steps = [
  'build-kernels.mjs',
  'build-cli.mjs',
  'build-renderer.mjs',
  'build-electron.mjs',
  'build-web-layers.mjs',
];
for (const s of steps) {
  const file = join(here, s);
  if (!existsSync(file)) continue;
  const mod = await import(pathToFileURL(file).href);
  const fn = Object.values(mod).find((v) => typeof v === 'function' && /^build/.test(v.name));
  if (fn) await fn();
}
