/**
 * Export and Try name a run's weights as the Runs view names the run (issue 17: the Export dialog
 * said "run 4" where Runs said "#2"): once the UI posts runName, both use it; before, the worker's id.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../../engine/compile/compile';
import { ArraySplit, type Dataset } from '../../engine/data/dataset';
import { tinyPerceiverDoc } from '../../engine/train/testModel';
import { buildExport, ExportRefused } from './exportModel';
import { keepModelForInsight, keptModelForExport, nameRunForInsight, releaseInsightModel } from './insight';
import type { FromWorkerTry } from './protocol';
import { answerTry } from './tryModel';
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
    classNames: ['a', 'b'],
    train: split(0, 12),
    validation: split(12, 16),
    test: split(16, 20),
    skipped: { count: 0, reasons: [] },
  };
}

const noDeps = {
  mnistBin: async () => new Uint8Array(),
  layersBundle: async () => new Uint8Array(),
  tfjsModule: async () => new Uint8Array(),
};

async function tryLabel(): Promise<string> {
  const posted: FromWorkerTry[] = [];
  await answerTry(
    (m) => posted.push(m),
    { type: 'tryInfo', requestId: 1, doc },
    { sources: null as unknown as WorkerDataSources, ensureBackend: async () => undefined },
  );
  const m = posted[0]!;
  if (m.type !== 'tryInfo' || !m.info) throw new Error(JSON.stringify(m));
  return m.info.label;
}

describe('a run is named alike in Export, Try and the Runs view', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('uses the name the UI gave the run; the worker id only until then; another run’s name is ignored', async () => {
    releaseInsightModel();
    const run = compile(doc, { seed: 1 });
    await keepModelForInsight(() => undefined, {
      runId: 4,
      model: run.model,
      doc,
      analysis: run.analysis,
      data: dataset(),
      settings: doc.training,
      backend: 'cpu',
    });
    expect(keptModelForExport()!.name).toBe('run 4');
    expect(await tryLabel()).toBe('run 4, within its first epoch (still training)');

    nameRunForInsight(3, 'Other graph #7');
    expect(keptModelForExport()!.name).toBe('run 4');
    nameRunForInsight(4, 'Tiny Perceiver #2');
    expect(keptModelForExport()!.name).toBe('Tiny Perceiver #2');
    expect(await tryLabel()).toBe('Tiny Perceiver #2, within its first epoch (still training)');

    const built = await buildExport({ format: 'pytorch', doc, withWeights: true, includeData: false }, noDeps);
    expect(built.summary.weights).toBe(
      'Tiny Perceiver #2, within its first epoch (still training: the weights as they are now)',
    );
    const readme = new TextDecoder().decode(built.files.find((f) => f.path.endsWith('README.md'))!.data);
    expect(readme).toContain('Tiny Perceiver #2');
    expect(readme).not.toMatch(/run 4\b/);

    const changed = {
      ...doc,
      nodes: doc.nodes.map((n) => (n.id === 'latents' ? { ...n, params: { ...n.params, numLatents: 4 } } : n)),
    };
    const refused = buildExport({ format: 'pytorch', doc: changed, withWeights: true, includeData: false }, noDeps);
    await expect(refused).rejects.toBeInstanceOf(ExportRefused);
    await expect(refused).rejects.toThrow(
      /The graph has changed since Tiny Perceiver #2 trained it \(latents\.numLatents is 4 \(trained with 3\)\)/,
    );
    releaseInsightModel();
  });
});
