import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../compile/compile.js';
import { namedWeights } from '../export/tfjsModel.js';
import { loadGraphDoc } from '../graph/load.js';
import type { GraphDoc } from '../graph/schema.js';
import { captureCheckpoint } from '../train/checkpoint.js';
import { writeCheckpoint } from './checkpointFiles.js';
import {
  isCheckpointFolder,
  isModelFolder,
  ModelFolderError,
  readModelFolder,
  writeModelFolder,
} from './modelFolder.js';

const root = join(__dirname, '..', '..');
const tmp = mkdtempSync(join(tmpdir(), 'perceiver-folder-'));
const templ = (name: string): GraphDoc => loadGraphDoc(readFileSync(join(root, 'templates', name), 'utf8'), name);

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function predict(model: tf.LayersModel, x: tf.Tensor): number[] {
  const y = model.predict(x) as tf.Tensor;
  const out = [...y.dataSync()];
  y.dispose();
  return out;
}

describe('model folder', () => {
  const doc = templ('tabular-perceiver.json');
  const x = tf.randomNormal([3, 8], 0, 1, 'float32', 5);

  it('writes the four files and reads back the same model, info and predictions', async () => {
    const { model, inputNodes } = compile(doc, { seed: 7 });
    const expected = predict(model, x);
    const dir = join(tmp, 'a');
    const res = await writeModelFolder(dir, {
      model,
      doc,
      inputNodes,
      info: {
        classNames: ['x', 'y', 'z'],
        normalisation: { kind: 'standardize', offset: [0, 1], scale: [1, 2] },
        source: { kind: 'trained', run: { epochs: 2 } },
      },
    });
    expect(readdirSync(dir).sort()).toEqual(['graph.json', 'model-info.json', 'model.json', 'weights.bin']);
    expect(res.info.parameterCount).toBe(model.countParams());
    expect(isModelFolder(dir)).toBe(true);
    expect(isCheckpointFolder(dir)).toBe(false);
    const info = JSON.parse(readFileSync(join(dir, 'model-info.json'), 'utf8'));
    expect(info.format).toBe('perceiver-studio-model');
    expect(info.version).toBe(1);
    expect(info.inputs[inputNodes[0]!].shape).toEqual([8]);
    const loaded = await readModelFolder(dir);
    expect(loaded.from).toBe('model');
    expect(loaded.info.classNames).toEqual(['x', 'y', 'z']);
    expect(loaded.info.source).toEqual({ kind: 'trained', run: { epochs: 2 } });
    expect(loaded.doc.name).toBe(doc.name);
    expect(predict(loaded.model, x)).toEqual(expected);
    loaded.model.dispose();
    model.dispose();
  });

  it('writes from named weights (compiling the graph) just as from a model', async () => {
    const { model } = compile(doc, { seed: 11 });
    const expected = predict(model, x);
    const dir = join(tmp, 'from-weights');
    await writeModelFolder(dir, { weights: namedWeights(model), doc });
    const loaded = await readModelFolder(dir);
    expect(predict(loaded.model, x)).toEqual(expected);
    loaded.model.dispose();
    model.dispose();
  });

  it('refuses a non-empty folder without force; force replaces it with no stale files', async () => {
    const dir = join(tmp, 'busy');
    mkdirSync(dir);
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    const { model } = compile(doc, { seed: 1 });
    await expect(writeModelFolder(dir, { model, doc })).rejects.toThrow(/is not empty; give --force/);
    expect(readdirSync(dir)).toEqual(['notes.txt']);
    await writeModelFolder(dir, { model, doc }, { force: true });
    expect(readdirSync(dir).sort()).toEqual(['graph.json', 'model-info.json', 'model.json', 'weights.bin']);
    // No temporary or moved-aside folder is left next to it.
    expect(readdirSync(tmp).filter((n) => n.startsWith('.'))).toEqual([]);
    model.dispose();
  });

  it('force never wipes the current folder or a git checkout', async () => {
    const dir = join(tmp, 'repo');
    mkdirSync(join(dir, '.git'), { recursive: true });
    const { model } = compile(doc, { seed: 1 });
    await expect(writeModelFolder(dir, { model, doc }, { force: true })).rejects.toThrow(/git repository/);
    await expect(writeModelFolder(process.cwd(), { model, doc }, { force: true })).rejects.toThrow(
      /refusing to replace/,
    );
    expect(existsSync(join(dir, '.git'))).toBe(true);
    model.dispose();
  });

  it('names the file at fault: missing, bad JSON, wrong format, graph changed after saving', async () => {
    const { model } = compile(doc, { seed: 2 });
    const base = join(tmp, 'base');
    await writeModelFolder(base, { model, doc });
    model.dispose();
    const variant = async (name: string, edit: (dir: string) => void) => {
      const dir = join(tmp, name);
      mkdirSync(dir);
      for (const f of readdirSync(base)) writeFileSync(join(dir, f), readFileSync(join(base, f)));
      edit(dir);
      return readModelFolder(dir);
    };
    await expect(readModelFolder(join(tmp, 'nope'))).rejects.toThrow(/no such folder/);
    await expect(variant('no-weights', (d) => rmSync(join(d, 'weights.bin')))).rejects.toThrow(
      /weights\.bin: no such file/,
    );
    await expect(variant('no-graph', (d) => rmSync(join(d, 'graph.json')))).rejects.toThrow(
      /graph\.json: no such file/,
    );
    await expect(variant('bad-info', (d) => writeFileSync(join(d, 'model-info.json'), '{"format":'))).rejects.toThrow(
      /model-info\.json is not valid JSON/,
    );
    await expect(
      variant('bad-format', (d) => writeFileSync(join(d, 'model-info.json'), '{"format":"other","version":1}')),
    ).rejects.toThrow(/format "other"/);
    await expect(
      variant('bad-classes', (d) =>
        writeFileSync(join(d, 'model-info.json'), '{"format":"perceiver-studio-model","version":1,"classNames":[1]}'),
      ),
    ).rejects.toThrow(/classNames/);
    await expect(
      variant('polluted', (d) =>
        writeFileSync(join(d, 'model-info.json'), '{"format":"perceiver-studio-model","version":1,"__proto__":{}}'),
      ),
    ).rejects.toThrow(/forbidden key/);
    await expect(
      variant('truncated', (d) =>
        writeFileSync(join(d, 'weights.bin'), readFileSync(join(d, 'weights.bin')).subarray(0, 100)),
      ),
    ).rejects.toThrow(/truncated|end before/);
    const changed = await variant('changed', (d) => {
      const g = JSON.parse(readFileSync(join(d, 'graph.json'), 'utf8')) as GraphDoc;
      const lat = g.nodes.find((n) => n.kind === 'LatentArray')!;
      lat.params = { ...lat.params, numLatents: 5 };
      writeFileSync(join(d, 'graph.json'), JSON.stringify(g));
    }).catch((e: unknown) => e as Error);
    expect(changed).toBeInstanceOf(ModelFolderError);
    expect((changed as Error).message).toMatch(
      /is \[16, 32\] in .*weights\.bin but the graph needs \[5, 32\]; .*graph\.json was changed after/,
    );
  });

  it('opens a checkpoint folder (with graph.json beside it, or the graph given)', async () => {
    const { model } = compile(doc, { seed: 4 });
    const expected = predict(model, x);
    const opt = tf.train.adam(1e-3);
    const ckpt = await captureCheckpoint(model, opt, {
      epoch: 1,
      step: 10,
      settings: doc.training,
      history: [],
      bestValLoss: Infinity,
      epochsSinceBest: 0,
    });
    const dir = join(tmp, 'ckpt');
    writeCheckpoint(dir, ckpt);
    expect(isCheckpointFolder(dir)).toBe(true);
    expect(isCheckpointFolder(join(dir, 'epoch-0001'))).toBe(true);
    await expect(readModelFolder(dir)).rejects.toThrow(/checkpoint folder without graph\.json; give the graph/);
    const given = await readModelFolder(dir, { doc });
    expect(given.from).toBe('checkpoint');
    expect(given.info.source).toMatchObject({ kind: 'trained', run: { epochs: 1, steps: 10 } });
    expect(predict(given.model, x)).toEqual(expected);
    given.model.dispose();
    writeFileSync(join(dir, 'graph.json'), JSON.stringify(doc));
    for (const d of [dir, join(dir, 'epoch-0001')]) {
      const loaded = await readModelFolder(d);
      expect(predict(loaded.model, x)).toEqual(expected);
      loaded.model.dispose();
    }
    model.dispose();
  });
});
