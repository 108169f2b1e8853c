#!/usr/bin/env node
// After `npm run build`: the UI thread's bundle (the entry script of dist/renderer/index.html and
// every chunk it imports statically) must contain no tfjs — tfjs belongs to the training worker.
// Exits 1 naming the chunk and the marker found. Used by `npm test`.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const dist = resolve(process.argv[2] ?? 'dist/renderer');
const html = join(dist, 'index.html');
if (!existsSync(html)) {
  console.error(`check-ui-bundle: ${html} is missing; run npm run build first`);
  process.exit(2);
}
// Strings that only tfjs (or our tfjs layers) put in a bundle.
const markers = ['registerBackend', 'PerceiverAttentionBlock', 'tfjs-core'];
const page = readFileSync(html, 'utf8');
const entries = [
  ...page.matchAll(/<script[^>]*type="module"[^>]*src="([^"]+)"/g),
  ...page.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="([^"]+)"/g),
].map((m) => m[1]);
if (entries.length === 0) {
  console.error(`check-ui-bundle: no module script in ${html}`);
  process.exit(2);
}
const seen = new Set();
const queue = entries.map((e) => join(dist, e.replace(/^\.?\//, '')));
const bad = [];
while (queue.length) {
  const file = queue.shift();
  if (seen.has(file) || !existsSync(file)) continue;
  seen.add(file);
  const src = readFileSync(file, 'utf8');
  for (const m of markers) if (src.includes(m)) bad.push(`${file.slice(dist.length + 1)} contains "${m}"`);
  // Static imports between chunks: import{…}from"./x.js" / import"./x.js" (not new Worker(new URL(…))).
  for (const m of src.matchAll(/(?:\bfrom|\bimport)\s*["'](\.{1,2}\/[^"']+\.js)["']/g))
    queue.push(resolve(dirname(file), m[1]));
}
if (bad.length) {
  console.error(`check-ui-bundle: tfjs reached the UI thread's bundle:\n  ${bad.join('\n  ')}`);
  process.exit(1);
}
console.log(`check-ui-bundle: ${seen.size} UI chunk(s), no tfjs`);
