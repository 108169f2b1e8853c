/**
 * A trained model saved with its graph reloads in a fresh process (which imports only the
 * layers, not the compiler) and gives identical predictions.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../compile/compile.js';
import { loadGraphDoc } from '../graph/load.js';
import type { GraphDoc } from '../graph/schema.js';
import { saveTrainedModelDir } from './export.js';
import { loadModelDir, ModelFileError } from './modelFiles.js';
import { sketchGraph } from '../train/testModel.js';

const graph = (nodes: Parameters<typeof sketchGraph>[0], edges: string[]) => sketchGraph(nodes, edges, 'many layers');

const root = join(__dirname, '..', '..');
const tmp = mkdtempSync(join(tmpdir(), 'perceiver-model-'));

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Two inputs, three heads, and most custom layer classes in one model. */
const rich = graph(
  [
    ['image', 'ImageInput', { height: 8, width: 8, channels: 1 }],
    ['neigh', 'PixelNeighbourhood', { kernelSize: 3 }],
    ['pix', 'ImagePixels', { spatialDownsample: 2 }],
    ['tpos', 'TrainablePosition', { numChannels: 4, projectPosDim: 3 }],
    ['text', 'TextBytes', { maxLength: 6, channels: 8, vocabSize: 30 }],
    ['mm', 'MultimodalConcat', { names: ['image', 'text'], maskProbs: [null, 0.5] }],
    ['lat', 'LatentArray', { numLatents: 4, channels: 8 }],
    ['enc', 'CrossAttention', { heads: 1 }],
    ['stack', 'LatentStack', { layersPerBlock: 1, blocks: 2, heads: 2 }],
    ['fq', 'FourierQuery', { indexDims: [2, 2], numBands: 1 }],
    ['tq', 'TrainableQuery', { numQueries: 1, channels: 5 }],
    ['mq', 'MultimodalQuery', { names: ['grid', 'label'] }],
    ['dec', 'DecoderCrossAttention', { heads: 1, outputChannels: 8, chunkSize: 2 }],
    ['split', 'MultimodalSplit', { sizes: [4, 1] }],
    ['dense', 'PerPositionProjection', { outputChannels: 2 }],
    ['cls', 'ClassificationHead', { numClasses: 3 }],
    ['tied', 'TiedEmbeddingDecoder', {}],
  ],
  [
    'image->neigh.in',
    'neigh->pix.in',
    'pix->tpos.in',
    'tpos->mm.m0',
    'text->mm.m1',
    'lat->enc.q',
    'mm->enc.kv',
    'enc->stack.in',
    'fq->mq.m0',
    'tq->mq.m1',
    'mq->dec.q',
    'stack->dec.kv',
    'dec->split.in',
    'split.m0->dense.in',
    'split.m1->cls.in',
    'split.m0->tied.in',
    'text.embedding->tied.embedding',
  ],
);

const templ = (f: string) => loadGraphDoc(readFileSync(join(root, 'templates', f), 'utf8'));

/** Inputs for a compiled model: deterministic, by the analyser's input specs. */
function inputsFor(
  analysis: ReturnType<typeof compile>['analysis'],
): { shape: number[]; dtype: 'float32' | 'int32'; values: number[] }[] {
  return analysis.inputSpecs.map((s, k) => {
    const n = 3 * s.shape.reduce((a, b) => a * b, 1);
    const values = Array.from({ length: n }, (_, i) =>
      s.dtype === 'int32' ? (i * 7 + k) % 30 : Math.sin(i * 0.37 + k),
    );
    return { shape: [3, ...s.shape], dtype: s.dtype, values };
  });
}

/** One Adam step on a throwaway loss so the saved weights are trained, not the initial ones. */
function trainOneStep(model: tf.LayersModel, xs: tf.Tensor[]): void {
  const opt = tf.train.adam(0.05);
  tf.tidy(() => {
    opt.minimize(() => {
      const ys = [model.apply(xs.length === 1 ? xs[0]! : xs, { training: true })].flat() as tf.Tensor[];
      // Target 1, not 0: a zero-initialised head (DM) outputs 0 and would get no gradient.
      return tf.addN(ys.map((y) => tf.mean(tf.square(tf.sub(y, 1))))) as tf.Scalar;
    });
  });
  opt.dispose();
}

describe('model files', () => {
  const cases: [string, GraphDoc][] = [
    ['rich', rich],
    ['mnist-perceiver-io', templ('mnist-perceiver-io.json')],
    ['mnist-perceiver', templ('mnist-perceiver.json')],
    ['tabular', templ('tabular-perceiver.json')],
  ];

  it('save → reload in a fresh process → identical predictions', async () => {
    const jobs: { dir: string; inputs: ReturnType<typeof inputsFor> }[] = [];
    const expected: number[][][] = [];
    for (const [name, doc] of cases) {
      const { model, analysis } = compile(doc, { seed: 3 });
      const inputs = inputsFor(analysis);
      const xs = inputs.map((i) => tf.tensor(i.values, i.shape, i.dtype));
      const before = model.getWeights().map((w) => [...w.dataSync()]);
      trainOneStep(model, xs);
      const after = model.getWeights().map((w) => [...w.dataSync()]);
      expect(after).not.toEqual(before);
      const ys = [model.predict(xs.length === 1 ? xs[0]! : xs)].flat() as tf.Tensor[];
      expected.push(ys.map((y) => [...y.dataSync()]));
      const dir = join(tmp, name);
      await saveTrainedModelDir(model, dir, doc);
      tf.dispose([...xs, ...ys]);
      model.dispose();
      jobs.push({ dir, inputs });
    }
    writeFileSync(join(tmp, 'jobs.json'), JSON.stringify(jobs));
    // The child imports only engine/node/modelFiles.ts (→ engine/layers), never the compiler.
    const script = `
      import { readFileSync } from 'node:fs';
      import * as tf from '@tensorflow/tfjs';
      import { loadModelDir } from ${JSON.stringify(join(root, 'engine/node/modelFiles.ts'))};
      await tf.setBackend('cpu');
      const jobs = JSON.parse(readFileSync(${JSON.stringify(join(tmp, 'jobs.json'))}, 'utf8'));
      const out = [];
      for (const job of jobs) {
        const { model, doc } = await loadModelDir(job.dir);
        const xs = job.inputs.map((i) => tf.tensor(i.values, i.shape, i.dtype));
        const ys = [model.predict(xs.length === 1 ? xs[0] : xs)].flat();
        out.push({ name: doc?.name, preds: ys.map((y) => Array.from(y.dataSync())) });
      }
      console.log('RESULT' + JSON.stringify(out));
    `;
    const stdout = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const result = JSON.parse(stdout.slice(stdout.indexOf('RESULT') + 6)) as { name: string; preds: number[][] }[];
    expect(result.map((r) => r.name)).toEqual(cases.map(([, d]) => d.name));
    result.forEach((r, k) => {
      expect(r.preds.length).toBe(expected[k]!.length);
      // Bit-identical: same weights, same ops, same backend.
      r.preds.forEach((p, j) => expect(p).toEqual(expected[k]![j]));
    });
  }, 120_000);

  it('reports a missing or broken folder by path', async () => {
    await expect(loadModelDir(join(tmp, 'nope'))).rejects.toThrow(ModelFileError);
    await expect(loadModelDir(join(tmp, 'nope'))).rejects.toThrow(/no such file/);
    const dir = join(tmp, 'broken');
    await saveTrainedModelDir(compile(templ('tabular-perceiver.json')).model, dir);
    writeFileSync(join(dir, 'model.json'), '{"modelTopology": 1');
    await expect(loadModelDir(dir)).rejects.toThrow(/model\.json is not valid JSON/);
  });
});
