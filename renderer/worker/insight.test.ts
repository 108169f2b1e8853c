import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../../engine/compile/compile';
import { ArraySplit, type Dataset } from '../../engine/data/dataset';
import { tinyPerceiverDoc } from '../../engine/train/testModel';
import {
  answerAttention,
  epochDiagnostics,
  isKeptForInsight,
  keepModelForInsight,
  releaseInsightModel,
  runEndedForInsight,
} from './insight';
import type { FromWorker } from './protocol';

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
    classNames: ['a', 'b'],
    train: split(0, 12),
    validation: split(12, 16),
    test: split(16, 20),
    skipped: { count: 0, reasons: [] },
  };
}

describe('the worker’s insight module', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('keeps the newest model, answers attention for any example, posts per-epoch diagnostics, and frees the model it replaces', async () => {
    const posted: FromWorker[] = [];
    const post = (m: FromWorker) => posted.push(m);
    const data = dataset();
    const baseline = tf.memory().numTensors;

    const first = compile(doc, { seed: 1 });
    await keepModelForInsight(post, {
      runId: 1,
      model: first.model,
      doc,
      analysis: first.analysis,
      data,
      settings: doc.training,
      backend: 'cpu',
    });
    expect(posted[0]).toMatchObject({
      type: 'insightRun',
      runId: 1,
      dataName: 'tiny data',
      params: first.model.countParams(),
    });
    expect(isKeptForInsight(first.model)).toBe(true);

    tf.tidy(() => first.model.predict(tf.zeros([1, 4, 4, 1]))); // build cached constants before counting
    const afterBuild = tf.memory().numTensors;
    epochDiagnostics(post, 1, 1);
    const diag = posted.find((m) => m.type === 'diagnostics');
    expect(diag).toMatchObject({ type: 'diagnostics', runId: 1, diagnostics: { epoch: 1 } });
    if (diag?.type !== 'diagnostics') throw new Error('no diagnostics');
    expect(diag.diagnostics.crossAttends[0]!.normalisedEntropy).toHaveLength(3);
    expect(diag.diagnostics.gradients.map((g) => g.nodeId).sort()).toEqual([
      'decoder',
      'encoder',
      'head',
      'latents',
      'query',
    ]);
    // Diagnostics for another run id are ignored (a stale epoch event).
    epochDiagnostics(post, 7, 1);
    expect(posted.filter((m) => m.type === 'diagnostics')).toHaveLength(1);

    runEndedForInsight(1);
    await answerAttention(post, { type: 'attention', requestId: 5, split: 'test', index: 99 });
    const ans = posted[posted.length - 1]!;
    if (ans.type !== 'attention' || !ans.snapshot) throw new Error(`no snapshot: ${JSON.stringify(ans)}`);
    expect(ans.requestId).toBe(5);
    expect(ans.snapshot).toMatchObject({
      runId: 1,
      epoch: 1,
      training: false,
      example: { split: 'test', index: 3, splitSize: 4, shape: [4, 4, 1] },
    });
    expect(ans.snapshot.maps.map((m) => m.role)).toEqual(['encoder', 'decoder']);
    expect(ans.snapshot.example.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(ans.snapshot.example.x).toEqual((await data.test.example(3)).x);
    expect(tf.memory().numTensors).toBe(afterBuild);

    // A new run's model replaces (and frees) the old one.
    const second = compile(doc, { seed: 2 });
    await keepModelForInsight(post, {
      runId: 2,
      model: second.model,
      doc,
      analysis: second.analysis,
      data,
      settings: doc.training,
      backend: 'cpu',
    });
    expect(isKeptForInsight(first.model)).toBe(false);
    expect(() => tf.tidy(() => first.model.predict(tf.zeros([1, 4, 4, 1])))).toThrow();
    releaseInsightModel();
    expect(isKeptForInsight(second.model)).toBe(false);
    // At most one tensor remains. It is not the insight module's and not FourierPosition's cached
    // features (a disposed model no longer rebuilds them; engine/layers) — not yet traced.
    expect(tf.memory().numTensors).toBeLessThanOrEqual(baseline + 1);
  });

  it('says what to do when there is no model or the split is empty', async () => {
    const posted: FromWorker[] = [];
    const data = {
      ...dataset(),
      validation: new ArraySplit(new Float32Array(0), new Int32Array(0), new Uint32Array(0), [4, 4, 1]),
    };
    const m = compile(doc, { seed: 3 });
    await keepModelForInsight((x) => posted.push(x), {
      runId: 3,
      model: m.model,
      doc,
      analysis: m.analysis,
      data,
      settings: doc.training,
      backend: 'cpu',
    });
    await answerAttention((x) => posted.push(x), { type: 'attention', requestId: 1, split: 'validation', index: 0 });
    expect(posted[posted.length - 1]).toMatchObject({
      type: 'attention',
      snapshot: null,
      error: expect.stringMatching(/validation split is empty/),
    });
    releaseInsightModel();
    await answerAttention((x) => posted.push(x), { type: 'attention', requestId: 2, split: 'test', index: 0 });
    expect(posted[posted.length - 1]).toMatchObject({
      type: 'attention',
      requestId: 2,
      snapshot: null,
      error: expect.stringMatching(/No trained model yet/),
    });
  });
});
