/**
 * The CLI chain a user runs to ship a model: `train --save-model` → `predict` → `export
 * --weights` (tfjs and ONNX, from the model folder and from the checkpoint folder) → a plain
 * @tensorflow/tfjs in a separate Node process → ONNX Runtime. The four agree within 1e-4 on the
 * same CSV rows (predict normalises them as training did; the others get the rows normalised
 * with model-info.json's statistics). The ONNX step needs /usr/bin/python3 with torch and is
 * skipped, saying why, without it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseNpz } from '../data/npy.js';
import { mulberry32 } from '../data/random.js';
import { torchUnavailable } from '../node/exportHarness.js';
import { runCli } from './main.js';

const fixture = (name: string) => join(__dirname, 'fixtures', name);
const PLAIN_TFJS = createRequire(import.meta.url).resolve('@tensorflow/tfjs');
const torchMissing = torchUnavailable();
if (torchMissing) console.log(`CLI chain: the ONNX step is skipped: ${torchMissing}`);

let dir: string;
const rows = [
  [0.2, 0.4, 5.1, 1.3],
  [3.1, 0.9, 4.2, -0.8],
  [0.1, 3.2, 6.3, 0.2],
  [1.5, 1.5, 5, 0],
  [-0.5, 2.5, 4.5, 0.5],
];

async function cli(argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { log: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out, err };
}

function blobsCsv(n: number, seed: number): string {
  const rand = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const centres = [
    [0, 0, 5, 1],
    [3, 1, 4, -1],
    [0, 3, 6, 0],
  ];
  const lines = ['f1,f2,f3,f4,species'];
  for (let i = 0; i < n; i++)
    lines.push(
      [...centres[i % 3]!.map((c) => (c * 10 + gauss()).toFixed(3)), ['alpha', 'beta', 'gamma'][i % 3]].join(','),
    );
  return lines.join('\n') + '\n';
}

const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

describe('train --save-model → predict → export --weights → plain tfjs → ONNX Runtime', () => {
  let modelDir: string;
  let ckDir: string;
  let info: { classNames: string[]; normalisation: { kind: string; offset: number[]; scale: number[] } };
  let predicted: Float32Array;
  let normalised: number[][];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ps-cli-chain-'));
    // Features ×10 apart: standardisation matters, so a missing normalisation shows.
    writeFileSync(join(dir, 'blobs.csv'), blobsCsv(240, 5));
    writeFileSync(
      join(dir, 'rows.csv'),
      ['f1,f2,f3,f4,species', ...rows.map((r) => [...r.map((v) => v * 10), 'alpha'].join(','))].join('\n') + '\n',
    );
    modelDir = join(dir, 'model');
    ckDir = join(dir, 'ck');
    const t = await cli([
      'train',
      fixture('tabular-test.json'),
      '--data',
      join(dir, 'blobs.csv'),
      '--target',
      'species',
      '--normalize',
      'standardize',
      '--epochs',
      '2',
      '--save-model',
      modelDir,
      '--checkpoints',
      ckDir,
      '--json',
    ]);
    expect(t.code, t.err.join('\n')).toBe(0);
    expect(JSON.parse(t.out[t.out.length - 1]!).savedModel).toBe(modelDir);
    info = JSON.parse(readFileSync(join(modelDir, 'model-info.json'), 'utf8'));
    normalised = rows.map((r) =>
      r.map((v, c) => (v * 10 - info.normalisation.offset[c]!) * info.normalisation.scale[c]!),
    );
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the model folder has the graph, weights, class names and the normalisation of the data binding', () => {
    for (const f of ['model.json', 'weights.bin', 'graph.json', 'model-info.json'])
      expect(existsSync(join(modelDir, f)), f).toBe(true);
    expect(info.classNames).toEqual(['alpha', 'beta', 'gamma']);
    expect(info.normalisation.kind).toBe('standardize');
    expect(info.normalisation.offset).toHaveLength(4);
    const graph = JSON.parse(readFileSync(join(modelDir, 'graph.json'), 'utf8'));
    expect(graph.data).toMatchObject({ target: 'species', normalize: 'standardize' });
    expect(graph.nodes.find((n: { id: string }) => n.id === 'table').params.numColumns).toBe(4);
  });

  it('predict reads the CSV rows as training did and names the classes', async () => {
    const p = await cli([
      'predict',
      modelDir,
      join(dir, 'rows.csv'),
      '--json',
      '--out',
      join(dir, 'pred.npz'),
      '--top-k',
      '3',
    ]);
    expect(p.code, p.err.join('\n')).toBe(0);
    const res = JSON.parse(p.out[0]!).results as { example: string; head: { label: string }[] }[];
    expect(res).toHaveLength(rows.length);
    for (const r of res) expect(r.head.map((t) => t.label).sort()).toEqual(['alpha', 'beta', 'gamma']);
    const npz = await parseNpz(new Uint8Array(readFileSync(join(dir, 'pred.npz'))), {
      inflateRaw: async (d: Uint8Array) => new Uint8Array(inflateRawSync(d)),
    });
    const head = npz.get('head')!;
    expect(head.shape).toEqual([rows.length, 3]);
    predicted = Float32Array.from(head.data as ArrayLike<number>);
  });

  it('export --weights (model folder and checkpoint folder) loads in a plain tfjs and predicts the same', async () => {
    const web = join(dir, 'web');
    expect((await cli(['export', '--weights', modelDir, '--format', 'tfjs', '--out', web])).code).toBe(0);
    const webCk = join(dir, 'web-ck');
    const e = await cli([
      'export',
      fixture('tabular-test.json'),
      '--weights',
      ckDir,
      '--format',
      'tfjs',
      '--out',
      webCk,
    ]);
    expect(e.code, e.err.join('\n')).toBe(0);
    // The last checkpoint holds the same (final) weights as the model folder.
    expect(Buffer.compare(readFileSync(join(web, 'weights.bin')), readFileSync(join(webCk, 'weights.bin')))).toBe(0);
    writeFileSync(join(dir, 'rows.json'), JSON.stringify(normalised));
    const script = String.raw`
      import { readFileSync } from 'node:fs';
      import { join } from 'node:path';
      import { pathToFileURL } from 'node:url';
      const [tfPath, dir, rowsFile] = process.argv.slice(1);
      const tf = await import(pathToFileURL(tfPath).href);
      const { registerPerceiverLayers } = await import(pathToFileURL(join(dir, 'perceiver-layers.js')).href);
      registerPerceiverLayers(tf);
      await tf.setBackend('cpu');
      const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
      const bin = readFileSync(join(dir, 'weights.bin'));
      const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) }));
      const rows = JSON.parse(readFileSync(rowsFile, 'utf8'));
      console.log(JSON.stringify(Array.from(model.predict(tf.tensor(rows)).dataSync())));
    `;
    const r = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', script, PLAIN_TFJS, web, join(dir, 'rows.json')],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(r.status, r.stderr).toBe(0);
    const tfjsOut = JSON.parse(r.stdout.trim().split('\n').pop()!) as number[];
    const d = maxAbs(tfjsOut, predicted);
    console.log(`chain: predict vs plain tfjs max |Δ| ${d.toExponential(2)}`);
    expect(d).toBeLessThan(1e-4);
  });

  it('export into a non-empty folder refuses without --force; --force replaces it with no stale files', async () => {
    const web = join(dir, 'web');
    writeFileSync(join(web, 'stale.txt'), 'from before');
    const refused = await cli(['export', '--weights', modelDir, '--format', 'tfjs', '--out', web]);
    expect(refused.code).toBe(2);
    expect(refused.err[0]!.split('\n')[0]).toBe(
      `perceiver-studio: --out ${web} is not empty; give --force to replace it (its current content is removed), or choose another folder`,
    );
    expect((await cli(['export', '--weights', modelDir, '--format', 'pytorch', '--out', web, '--force'])).code).toBe(0);
    expect(existsSync(join(web, 'stale.txt'))).toBe(false);
    expect(existsSync(join(web, 'perceiver-layers.js'))).toBe(false); // the tfjs files went with it
    expect(existsSync(join(web, 'model.py'))).toBe(true);
  });

  it.skipIf(torchMissing !== null)('export --format onnx: model.onnx in ONNX Runtime predicts the same', async () => {
    const onnxDir = join(dir, 'onnx');
    const e = await cli(['export', '--weights', modelDir, '--format', 'onnx', '--out', onnxDir, '--json']);
    expect(e.code, e.err.join('\n')).toBe(0);
    const summary = JSON.parse(e.out[e.out.length - 1]!);
    expect(summary).toMatchObject({ format: 'onnx', opset: 17, inputs: ['table'], outputs: ['head'] });
    expect(summary.files).toEqual(expect.arrayContaining(['model.onnx', 'export_onnx.py', 'model.py', 'weights.pt']));
    const session = await ort.InferenceSession.create(summary.onnx as string);
    const out = await session.run({
      table: new ort.Tensor('float32', Float32Array.from(normalised.flat()), [rows.length, 4]),
    });
    const d = maxAbs(out.head!.data as Float32Array, predicted);
    await session.release();
    console.log(`chain: predict vs ONNX Runtime max |Δ| ${d.toExponential(2)}`);
    expect(d).toBeLessThan(1e-4);
  });

  it('export --format onnx without a Python that has torch: says what to install and keeps the package', async () => {
    const onnxDir = join(dir, 'onnx-nopython');
    const saved = process.env.PERCEIVER_PYTHON;
    // PERCEIVER_PYTHON, when set, is the only interpreter tried.
    process.env.PERCEIVER_PYTHON = join(dir, 'no-such-python');
    try {
      const e = await cli(['export', '--weights', modelDir, '--format', 'onnx', '--out', onnxDir]);
      expect(e.code).toBe(1);
      expect(e.err[0]).toMatch(
        /model\.onnx was not written: no Python with torch here \(tried .*no-such-python \(not found\).*\)\. To make it, install PyTorch for Python 3 \(pip install torch, or on Debian\/Ubuntu: apt install python3-torch\).*then run: cd .* && python3 export_onnx\.py/,
      );
      expect(existsSync(join(onnxDir, 'export_onnx.py'))).toBe(true);
      expect(existsSync(join(onnxDir, 'weights.pt'))).toBe(true);
      expect(existsSync(join(onnxDir, 'model.onnx'))).toBe(false);
    } finally {
      if (saved === undefined) delete process.env.PERCEIVER_PYTHON;
      else process.env.PERCEIVER_PYTHON = saved;
    }
  });
});
