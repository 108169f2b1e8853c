#!/usr/bin/env node
// Moves apart the nodes of templates whose node boxes overlap, by the canvas' own size rules
// (renderer/canvas/nodeBoxes.ts): nodes that cover one another are pushed down, everything else
// keeps its place. Only the "position" values change; the rest of each file is left as written.
//   node scripts/layout-templates.mjs                # check templates/*.json, fix overlapping ones
//   node scripts/layout-templates.mjs --check        # only report (exit 1 when any overlaps)
//   node scripts/layout-templates.mjs a.json b.json  # these files only
// renderer/canvas/templateLayout.test.ts fails on any template this would change.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const check = args.includes('--check');
const named = args.filter((a) => !a.startsWith('--'));
const files = named.length
  ? named.map((f) => resolve(f))
  : readdirSync(join(root, 'templates'))
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => join(root, 'templates', f));

const { tsImport } = await import('tsx/esm/api');
const { loadGraphDoc } = await tsImport(join(root, 'engine/graph/load.ts'), import.meta.url);
const { separateDoc } = await tsImport(join(root, 'renderer/canvas/separate.ts'), import.meta.url);

let bad = 0;
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  const doc = loadGraphDoc(text, file);
  const { doc: fixed, moved } = separateDoc(doc);
  if (!moved) {
    console.log(`ok      ${file}`);
    continue;
  }
  bad++;
  const names = fixed.nodes.filter((n, i) => n.position !== doc.nodes[i].position).map((n) => n.id);
  if (check) {
    console.log(`overlap ${file}: would move ${names.join(', ')}`);
    continue;
  }
  let out = text;
  for (const n of fixed.nodes) {
    if (!names.includes(n.id)) continue;
    // The node's own "position" object: the first one after its "id".
    const at = out.search(new RegExp(`"id"\\s*:\\s*${JSON.stringify(n.id).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    const pos = out.indexOf('"position"', at);
    const open = out.indexOf('{', pos);
    const close = out.indexOf('}', open);
    if (at < 0 || pos < 0) throw new Error(`${file}: could not find the position of node "${n.id}"`);
    const inner = out.slice(open + 1, close);
    const spaced = /\n/.test(inner) ? null : inner.startsWith(' ');
    const repl =
      spaced === null
        ? inner
            .replace(/"x"\s*:\s*-?[\d.]+/, `"x": ${n.position.x}`)
            .replace(/"y"\s*:\s*-?[\d.]+/, `"y": ${n.position.y}`)
        : `${spaced ? ' ' : ''}"x": ${n.position.x}, "y": ${n.position.y}${spaced ? ' ' : ''}`;
    out = out.slice(0, open + 1) + repl + out.slice(close);
  }
  // The edit must read back as the fixed graph.
  const again = loadGraphDoc(out, file);
  if (JSON.stringify(again.nodes) !== JSON.stringify(fixed.nodes))
    throw new Error(`${file}: rewriting the positions went wrong; file left as it was`);
  writeFileSync(file, out);
  console.log(`fixed   ${file}: moved ${names.join(', ')}`);
}
if (check && bad) process.exit(1);
