import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../../engine/compile/compile';
import { ArraySplit, type Dataset } from '../../engine/data/dataset';
import { namedWeights } from '../../engine/export/tfjsModel';
import { tinyPerceiverDoc } from '../../engine/train/testModel';
import { keepModelForInsight, releaseInsightModel } from './insight';
import type { FromWorker, FromWorkerTry, NamedArray, ToWorkerTry } from './protocol';
import { answerTry, weightsInfo } from './tryModel';
import multimodalText from '../../templates/perceiver-io-multimodal-autoencoder.json?raw';
import { loadGraphDoc } from '../../engine/graph/load';
import { analyse } from '../../engine/graph/analyse';
import { pixelsToInput, softmax } from './tryInput';
import type { WorkerDataSources } from './dataSource';

const doc = tinyPerceiverDoc({ numLatents: 3, stack: null, decoderResidual: false, classes: 2 });

function dataset(): Dataset {
  const n = 20;
  const x = Float32Array.from({ length: n * 16 }, (_, i) => ((i * 37) % 17) / 17);
  const y = Int32Array.from({ length: n }, (_, i) => i % 2);
  const split = (from: number, to: number) =>
    new ArraySplit(
      x,
      y,
      Uint32Array.from({ length: to - from }, (_, i) => from + i),
      [4, 4, 1],
    );
  return {
    name: 'tiny data',
    inputShape: [4, 4, 1],
    numClasses: 2,
    classNames: ['cat', 'dog'],
    train: split(0, 12),
    validation: split(12, 16),
    test: split(16, 20),
    skipped: { count: 0, reasons: [] },
  };
}

/** An 8×8 pad: white left half on black. */
const rgba = Uint8ClampedArray.from({ length: 8 * 8 * 4 }, (_, i) =>
  i % 4 === 3 ? 255 : Math.floor(i / 4) % 8 < 4 ? 255 : 0,
);

async function ask(msg: ToWorkerTry): Promise<FromWorkerTry> {
  const posted: FromWorkerTry[] = [];
  await answerTry((m) => posted.push(m), msg, {
    sources: null as unknown as WorkerDataSources,
    ensureBackend: async () => undefined,
  });
  expect(posted).toHaveLength(1);
  return posted[0]!;
}

function expectedProbs(model: tf.LayersModel): number[] {
  const x = pixelsToInput(rgba, 8, 8, [4, 4, 1], null);
  return Array.from(softmax(tf.tidy(() => (model.predict(tf.tensor(x, [1, 4, 4, 1])) as tf.Tensor).dataSync())));
}

describe('the worker’s Try module', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('refuses without weights, predicts with the last run, refuses a changed graph with the change, uses imported weights until the next run', async () => {
    releaseInsightModel();
    const none = await ask({
      type: 'tryPredict',
      requestId: 1,
      doc,
      input: { kind: 'pixels', width: 8, height: 8, rgba },
      topK: 5,
    });
    expect(none).toMatchObject({
      type: 'tryResult',
      requestId: 1,
      prediction: null,
      info: null,
      error: expect.stringMatching(/No weights yet/),
    });

    const run = compile(doc, { seed: 1 });
    const noop = (_m: FromWorker) => undefined;
    await keepModelForInsight(noop, {
      runId: 1,
      model: run.model,
      doc,
      analysis: run.analysis,
      data: dataset(),
      settings: doc.training,
      backend: 'cpu',
    });
    const info = await ask({ type: 'tryInfo', requestId: 2, doc });
    expect(info).toMatchObject({
      type: 'tryInfo',
      changes: [],
      info: {
        source: 'run',
        label: 'run 1, within its first epoch (still training)',
        input: { nodeId: 'image', kind: 'image', shape: [4, 4, 1] },
        output: { nodeId: 'head', kind: 'classes', shape: [2] },
        classNames: ['cat', 'dog'],
      },
    });

    // Predictions leave no tensors behind (the first one builds the model's cached constants).
    await ask({
      type: 'tryPredict',
      requestId: 30,
      doc,
      input: { kind: 'pixels', width: 8, height: 8, rgba },
      topK: 5,
    });
    const tensors = tf.memory().numTensors;
    const res = await ask({
      type: 'tryPredict',
      requestId: 3,
      doc,
      input: { kind: 'pixels', width: 8, height: 8, rgba },
      topK: 5,
    });
    expect(tf.memory().numTensors).toBe(tensors);
    if (res.type !== 'tryResult' || !res.prediction) throw new Error(JSON.stringify(res));
    const out = res.prediction.output;
    if (out.kind !== 'classes') throw new Error(out.kind);
    const want = expectedProbs(run.model);
    expect(out.top).toHaveLength(2);
    expect(out.top[0]!.p).toBeCloseTo(Math.max(...want), 5);
    expect(out.top[0]!.name).toBe(['cat', 'dog'][want.indexOf(Math.max(...want))]);
    expect(out.top[0]!.p + out.top[1]!.p).toBeCloseTo(1, 5);
    expect(res.prediction.maps.map((m) => m.role)).toEqual(['encoder', 'decoder']);
    expect(res.prediction.seen.shape).toEqual([4, 4, 1]);
    // What the model saw is the pad through the image loader's resize (the left half bright).
    expect(Array.from(res.prediction.seen.x)).toEqual(Array.from(pixelsToInput(rgba, 8, 8, [4, 4, 1], null)));
    expect(res.prediction.seen.x[0]).toBe(1);
    expect(res.prediction.seen.x[3]).toBe(0);

    // A changed graph: no prediction, the change named.
    const changedDoc = {
      ...doc,
      nodes: doc.nodes.map((n) => (n.id === 'latents' ? { ...n, params: { ...n.params, numLatents: 4 } } : n)),
    };
    const refused = await ask({
      type: 'tryPredict',
      requestId: 4,
      doc: changedDoc,
      input: { kind: 'pixels', width: 8, height: 8, rgba },
      topK: 5,
    });
    expect(refused).toMatchObject({ prediction: null, changes: ['latents.numLatents is 4 (trained with 3)'] });

    // A bad input: a named error, not a crash.
    const bad = await ask({ type: 'tryPredict', requestId: 5, doc, input: { kind: 'row', values: ['1'] }, topK: 5 });
    expect(bad).toMatchObject({
      prediction: null,
      error: expect.stringMatching(/1 values but the model takes 16 features/),
    });

    // Imported weights (another model's, by name) become current; wrong shapes are refused by name.
    const other = compile(doc, { seed: 7 });
    const arrays: NamedArray[] = [...namedWeights(other.model)].map(([name, a]) => ({
      name,
      shape: a.shape,
      data: a.data,
    }));
    const wrong = arrays.map((a, i) => (i === 0 ? { ...a, shape: [...a.shape, 1] } : a));
    const refusedSet = await ask({ type: 'trySetWeights', requestId: 6, doc, weights: wrong, label: 'imported: test' });
    expect(refusedSet).toMatchObject({
      type: 'tryInfo',
      error: expect.stringMatching(new RegExp(`The weights could not be set: .*"${arrays[0]!.name}" has shape`)),
    });
    const set = await ask({
      type: 'trySetWeights',
      requestId: 7,
      doc,
      weights: arrays,
      label: 'imported: test',
      classNames: ['yes', 'no'],
    });
    expect(set).toMatchObject({
      type: 'tryInfo',
      info: { source: 'imported', label: 'imported: test', classNames: ['yes', 'no'] },
      changes: [],
    });
    const imp = await ask({
      type: 'tryPredict',
      requestId: 8,
      doc,
      input: { kind: 'pixels', width: 8, height: 8, rgba },
      topK: 1,
    });
    if (imp.type !== 'tryResult' || imp.prediction?.output.kind !== 'classes') throw new Error(JSON.stringify(imp));
    const wantOther = expectedProbs(other.model);
    expect(imp.prediction.output.top).toHaveLength(1);
    expect(imp.prediction.output.top[0]!.p).toBeCloseTo(Math.max(...wantOther), 5);

    // Back to the last run on request; and a new run replaces imported weights by itself.
    expect(await ask({ type: 'tryUseLastRun', requestId: 9 })).toMatchObject({ info: { source: 'run' } });
    await ask({ type: 'trySetWeights', requestId: 10, doc, weights: arrays, label: 'imported: again' });
    const next = compile(doc, { seed: 3 });
    await keepModelForInsight(noop, {
      runId: 2,
      model: next.model,
      doc,
      analysis: next.analysis,
      data: dataset(),
      settings: doc.training,
      backend: 'cpu',
    });
    expect(await ask({ type: 'tryInfo', requestId: 11, doc })).toMatchObject({
      info: { source: 'run', label: expect.stringMatching(/^run 2/) },
    });
    other.model.dispose();
    releaseInsightModel();
  });
});

describe('what the Try panel is told about a model', () => {
  it('lists every input of a multimodal graph (a codec for audio, .npy for video frames and labels) and every head', () => {
    const mm = loadGraphDoc(multimodalText, 'multimodal template');
    const info = weightsInfo({
      source: 'imported',
      label: 'test',
      model: null as unknown as tf.LayersModel,
      doc: mm,
      analysis: analyse(mm),
      classNames: [],
      featureNames: [],
      normalization: null,
      training: false,
    });
    expect(info.unsupported).toBeUndefined();
    expect(info.inputs.map((i) => [i.nodeId, i.kind, i.file?.formats ?? null])).toEqual([
      ['video', 'array', null],
      ['audio', 'array', 'WAV or .npy'],
      ['label', 'array', null],
    ]);
    expect(info.inputs[0]!.shape).toHaveLength(4);
    expect(info.outputs.map((o) => o.nodeId).sort()).toEqual(['audioOut', 'imageOut', 'labelOut']);
  });
});
