/**
 * The tfjs web export loads with a plain @tensorflow/tfjs from node_modules (not the engine, not
 * our bundle): every template (miniatures of the large ones) is exported with perturbed weights,
 * then a separate Node process, which never imports the engine, registers perceiver-layers.js on
 * its own tfjs, loads each model.json (over http, as a page does, and from memory as the export's
 * README shows) and predicts example.json's inputs; its outputs must equal the engine's.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../compile/compile.js';
import { MINIATURES, shrink } from '../compile/miniatures.js';
import { namedWeights } from '../export/tfjsModel.js';
import { loadGraphDoc } from '../graph/load.js';
import type { GraphDoc } from '../graph/schema.js';
import { exportTfjsFolder } from './exportWeb.js';

const templatesDir = join(__dirname, '..', '..', 'templates');
const require = createRequire(import.meta.url);
/** What `import * as tf from '@tensorflow/tfjs'` loads in Node. */
const PLAIN_TFJS = require.resolve('@tensorflow/tfjs');

/** Runs in its own Node process: only node_modules' tfjs and the exported files. */
const CHECK_MJS = String.raw`
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
const [tfPath, ...dirs] = process.argv.slice(1); // node -e: no script path in argv
const tf = await import(pathToFileURL(tfPath).href);
await tf.setBackend('cpu');
const fromDisk = (dir) => {
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  const bin = readFileSync(join(dir, 'weights.bin'));
  return tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) });
};
// Before registering, tfjs cannot rebuild the graph (the bug this export fixes).
let before = null;
try { await tf.loadLayersModel(fromDisk(dirs[0])); } catch (err) { before = String(err.message || err); }
const { registerPerceiverLayers } = await import(pathToFileURL(join(dirs[0], 'perceiver-layers.js')).href);
const classes = registerPerceiverLayers(tf);
const again = registerPerceiverLayers(tf);
let server;
for (const [k, dir] of dirs.entries()) {
  let model;
  if (k === 0) {
    server = createServer((req, res) => { try { res.end(readFileSync(join(dir, decodeURIComponent(req.url.slice(1))))); } catch { res.writeHead(404).end(); } });
    await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
    model = await tf.loadLayersModel('http://127.0.0.1:' + server.address().port + '/model.json');
    server.close();
  } else model = await tf.loadLayersModel(fromDisk(dir));
  const ex = JSON.parse(readFileSync(join(dir, 'example.json'), 'utf8'));
  const feeds = [{ values: ex.inputs, shape: ex.inputShape, dtype: ex.inputDtype || 'float32' }, ...(ex.moreInputs || [])];
  const xs = feeds.map((i) => tf.tensor(i.values, [ex.n, ...i.shape], i.dtype));
  const out = model.predict(xs.length === 1 ? xs[0] : xs);
  const outs = Array.isArray(out) ? out : [out];
  const expected = [ex.outputs, ...(ex.moreOutputs || []).map((o) => o.values)];
  let maxAbs = 0, maxRef = 0, count = 0;
  outs.forEach((o, j) => o.dataSync().forEach((v, i) => { maxAbs = Math.max(maxAbs, Math.abs(v - expected[j][i])); maxRef = Math.max(maxRef, Math.abs(expected[j][i])); count++; }));
  const expectedCount = expected.reduce((a, e) => a + e.length, 0);
  console.log(JSON.stringify({ dir, maxAbs, maxRef, count, expectedCount, outputs: outs.length, via: k === 0 ? 'http' : 'memory' }));
  tf.dispose([...xs, ...outs]);
  model.dispose();
}
console.log(JSON.stringify({ before, tfjs: tf.version.tfjs, classes: Object.keys(classes).length, idempotent: classes === again }));
`;

interface Case {
  name: string;
  dir: string;
  inputs: number;
}

describe('tfjs web export with a plain tfjs in Node', () => {
  const work = mkdtempSync(join(tmpdir(), 'ps-export-web-node-'));
  const cases: Case[] = [];
  let lines: Record<string, unknown>[] = [];

  beforeAll(async () => {
    await tf.setBackend('cpu');
    const docs: { name: string; doc: GraphDoc }[] = [];
    for (const f of readdirSync(templatesDir)
      .filter((x) => x.endsWith('.json'))
      .sort()) {
      const doc = loadGraphDoc(readFileSync(join(templatesDir, f), 'utf8'), f);
      docs.push({ name: f, doc: MINIATURES[f] ? shrink(doc, MINIATURES[f]) : doc });
    }
    for (const { name, doc } of docs) {
      // Perturbed weights: zero-initialised heads and unit norms carry information too.
      const { model, analysis } = compile(doc, { seed: 11 });
      model.weights.forEach((w, k) => {
        const noisy = tf.tidy(() =>
          tf.add(w.read(), tf.randomNormal(w.shape as number[], 0, 0.05, 'float32', 200 + k)),
        );
        w.write(noisy);
        noisy.dispose();
      });
      const weights = namedWeights(model);
      model.dispose();
      const dir = join(work, name.replace(/\.json$/, ''));
      await exportTfjsFolder(doc, dir, { weights, examples: 2 });
      cases.push({ name, dir, inputs: analysis.modelInputs.length });
    }
    const r = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', CHECK_MJS, PLAIN_TFJS, ...cases.map((c) => c.dir)],
      { encoding: 'utf8', timeout: 110_000, maxBuffer: 16 << 20 },
    );
    expect(r.status, r.stderr).toBe(0);
    lines = r.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }, 120_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('exports every template, multi-input ones included', () => {
    expect(cases.length).toBe(readdirSync(templatesDir).filter((x) => x.endsWith('.json')).length);
    expect(cases.some((c) => c.inputs > 1)).toBe(true);
    for (const n of ['tabular-perceiver.json', 'bytes-mlm-tiny.json', 'perceiver-io-mlm.json'])
      expect(cases.map((c) => c.name)).toContain(n);
  });

  it('registers on the plain tfjs only when asked, and once', () => {
    const summary = lines[lines.length - 1]!;
    expect(summary.before).toMatch(/Unknown layer/);
    expect(summary.tfjs).toBe('4.22.0');
    expect(summary.classes).toBeGreaterThanOrEqual(20);
    expect(summary.idempotent).toBe(true);
  });

  it("predicts every template's examples as the engine did (within 1e-4)", () => {
    const report: string[] = [];
    for (const c of cases) {
      const r = lines.find((l) => l.dir === c.dir);
      expect(r, c.name).toBeDefined();
      expect(r!.count, c.name).toBe(r!.expectedCount);
      expect(r!.maxRef as number, `${c.name}: outputs are not all zero`).toBeGreaterThan(1e-3);
      expect(r!.maxAbs as number, c.name).toBeLessThan(1e-4);
      report.push(
        `${c.name} (${String(r!.via)}): ${String(r!.outputs)} output(s), max |Δ| ${(r!.maxAbs as number).toExponential(2)}`,
      );
    }
    console.log(report.join('\n'));
  });

  it('writes the README with the lines a web developer needs', () => {
    const readme = readFileSync(join(cases.find((c) => c.name === 'tabular-perceiver.json')!.dir, 'README.md'), 'utf8');
    expect(readme).toContain("import { registerPerceiverLayers } from './perceiver-layers.js';");
    expect(readme).toContain('registerPerceiverLayers(tf);');
    expect(readme).toMatch(/tf\.loadLayersModel\('.*model\.json'\)/);
    expect(readme).toContain('tf.tensor(values, [n, 8])');
    const mlm = readFileSync(join(cases.find((c) => c.name === 'bytes-mlm-tiny.json')!.dir, 'README.md'), 'utf8');
    expect(mlm).toMatch(/int32 ids in \[0, 262\)/);
    const pkg = JSON.parse(readFileSync(join(cases[0]!.dir, 'package.json'), 'utf8'));
    expect(pkg.type).toBe('module');
  });
});
