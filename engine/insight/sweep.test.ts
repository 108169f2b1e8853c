import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadGraphDoc } from '../graph/load.js';
import { paretoFront, sweepVariants } from './sweep.js';
import { compactDiagnostics, runsToCsv, sortRuns, type RunRecord } from './runs.js';
import type { EpochDiagnostics } from './diagnostics.js';

const doc = loadGraphDoc(readFileSync(join(__dirname, '../../templates/mnist-perceiver-io.json'), 'utf8'));

describe('sweeps', () => {
  it('makes one variant per combination with the analyser’s counts', () => {
    const v = sweepVariants(doc, [
      { nodeId: 'latents', param: 'numLatents', values: [16, 32] },
      { nodeId: 'stack', param: 'blocks', values: [1, 2, 3] },
    ]);
    expect(v).toHaveLength(6);
    const base = v.find((x) => x.values['latents.numLatents'] === 32 && x.values['stack.blocks'] === 2)!;
    expect(base.totalParams).toBe(96292);
    // Fewer latents: 16×64 fewer latent parameters; blocks share weights so do not change params.
    expect(v.find((x) => x.values['latents.numLatents'] === 16 && x.values['stack.blocks'] === 3)!.totalParams).toBe(
      96292 - 16 * 64,
    );
    expect(base.doc.nodes.find((n) => n.id === 'latents')!.params.numLatents).toBe(32);
    expect(doc.nodes.find((n) => n.id === 'latents')!.params.numLatents).toBe(32); // original untouched
  });

  it('reports invalid variants instead of training them', () => {
    const v = sweepVariants(doc, [{ nodeId: 'stack', param: 'heads', values: [4, 3] }]);
    expect(v[0]!.error).toBeUndefined();
    expect(v[1]!.error).toMatch(/not divisible by 3 heads/);
  });

  it('names a missing node', () => {
    expect(() => sweepVariants(doc, [{ nodeId: 'nope', param: 'x', values: [1] }])).toThrow(/no node "nope"/);
  });

  it('finds the Pareto front', () => {
    expect(
      paretoFront([
        { cost: 1, score: 0.5 },
        { cost: 2, score: 0.9 },
        { cost: 3, score: 0.8 },
        { cost: 1, score: 0.4 },
      ]),
    ).toEqual([0, 1]);
  });
});

describe('run table', () => {
  const run = (name: string, acc: number | null): RunRecord => ({
    id: name,
    name,
    startedMs: 0,
    finishedMs: 1,
    status: 'done',
    graph: doc,
    settings: doc.training,
    dataName: 'MNIST',
    backend: 'wasm',
    totalParams: 96292,
    flopsPerExample: 1,
    epochs: [{ epoch: 1, loss: 0.5, accuracy: 0.8, valLoss: 0.4, valAccuracy: 0.85, seconds: 3 }],
    testAccuracy: acc,
    testLoss: null,
    seconds: 3,
  });
  it('sorts with missing values last', () => {
    expect(sortRuns([run('a', 0.5), run('b', null), run('c', 0.9)], 'testAccuracy', true).map((r) => r.name)).toEqual([
      'c',
      'a',
      'b',
    ]);
  });
  it('sorts by the last epoch’s validation accuracy, ascending or descending', () => {
    const withVal = (name: string, v: number | null) => ({
      ...run(name, 0.5),
      epochs: [{ epoch: 1, loss: 0.5, accuracy: 0.8, valLoss: 0.4, valAccuracy: v, seconds: 3 }],
    });
    const runs = [withVal('a', 0.7), withVal('b', null), withVal('c', 0.9), withVal('d', 0.1)];
    expect(sortRuns(runs, 'valAccuracy', true).map((r) => r.name)).toEqual(['c', 'a', 'd', 'b']);
    expect(sortRuns(runs, 'valAccuracy', false).map((r) => r.name)).toEqual(['d', 'a', 'c', 'b']);
  });
  it('keeps only the last epoch’s similarity matrix when stored', () => {
    const epoch = (e: number): EpochDiagnostics => ({
      epoch: e,
      gradients: [],
      crossAttends: [
        {
          layer: 'enc',
          nodeId: 'enc',
          step: 0,
          latents: 2,
          keys: 3,
          normalisedEntropy: [0.5, 0.6],
          nearUniform: [],
          collapsedPairs: [],
          meanSimilarity: 0.2,
          similarity: [1, 0.2, 0.2, 1],
        },
      ],
    });
    const c = compactDiagnostics([epoch(1), epoch(2), epoch(3)]);
    expect(c.map((d) => d.crossAttends[0]!.similarity)).toEqual([null, null, [1, 0.2, 0.2, 1]]);
    expect(c[0]!.crossAttends[0]!.normalisedEntropy).toEqual([0.5, 0.6]);
  });
  it('exports CSV with quoting', () => {
    const csv = runsToCsv([run('x, "quoted"', 0.9)]);
    expect(csv.split('\n')[1]).toMatch(/^"x, ""quoted""",done,/);
  });
});
