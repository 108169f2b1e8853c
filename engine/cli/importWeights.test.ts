/**
 * `import-weights`: an exported PyTorch package's weights.safetensors (train.py's format: torch
 * names and layouts) back into a model folder with every value in place; weights of another
 * graph are refused naming the tensor. Pure Node (the PyTorch round trip with train.py itself is
 * in engine/export/torchrun.test.ts).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { compile } from '../compile/compile.js';
import { exportPytorch } from '../export/pytorch/index.js';
import { namedWeights } from '../export/tfjsModel.js';
import { loadGraphDoc } from '../graph/load.js';
import { writeExportFiles } from '../node/export.js';
import { readModelFolder } from '../node/modelFolder.js';
import { runCli } from './main.js';

const templates = join(__dirname, '..', '..', 'templates');
const load = (f: string) => loadGraphDoc(readFileSync(join(templates, f), 'utf8'), f);

describe('perceiver-studio import-weights', () => {
  const work = mkdtempSync(join(tmpdir(), 'ps-importweights-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("brings a package's safetensors back into a model folder, value for value", async () => {
    await tf.setBackend('cpu');
    const doc = load('tabular-perceiver.json');
    const { model } = compile(doc, { seed: 5 });
    const original = namedWeights(model);
    model.dispose();
    const pkg = join(work, 'pkg');
    writeExportFiles(pkg, exportPytorch(doc, { weights: original, weightsSource: 'test' }).files);
    const log: string[] = [];
    const code = await runCli(['import-weights', pkg, join(pkg, 'weights.safetensors'), '--out', join(work, 'model')], {
      log: (s) => log.push(s),
      err: (s) => log.push(s),
    });
    expect(code, log.join('\n')).toBe(0);
    expect(log.join('\n')).toMatch(/20,579 parameters/);
    const loaded = await readModelFolder(join(work, 'model'));
    const back = namedWeights(loaded.model);
    expect([...back.keys()].sort()).toEqual([...original.keys()].sort());
    for (const [k, a] of original) expect(Array.from(back.get(k)!.data), k).toEqual(Array.from(a.data));
    loaded.model.dispose();
  });

  it('refuses weights of another graph, naming the tensor, and a package without trained weights', async () => {
    const pkg = join(work, 'pkg');
    const other = join(work, 'mnist');
    const doc = load('mnist-perceiver-io.json');
    const { model } = compile(doc, { seed: 1 });
    writeExportFiles(other, exportPytorch(doc, { weights: namedWeights(model) }).files);
    model.dispose();
    const log: string[] = [];
    const code = await runCli(['import-weights', pkg, join(other, 'weights.safetensors'), '--out', join(work, 'bad')], {
      log: (s) => log.push(s),
      err: (s) => log.push(s),
    });
    expect(code).toBe(1);
    expect(log.join('\n')).toMatch(/weights\.safetensors/);
    const none: string[] = [];
    expect(
      await runCli(['import-weights', other, '--out', join(work, 'none')], {
        log: (s) => none.push(s),
        err: (s) => none.push(s),
      }),
    ).toBe(2);
    expect(none.join('\n')).toMatch(/checkpoints\/weights\.safetensors does not exist; train\.py writes/);
  });
});
