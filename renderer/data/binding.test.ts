/** Pure parts of the dataset panel: folder listings, fitting a graph to data, binding commands, checkpoint keys. */
import { describe, expect, it } from 'vitest';
import { analyse } from '../../engine/graph/analyse';
import { applyCommand } from '../../engine/graph/commands';
import { loadGraphDoc } from '../../engine/graph/load';
import { bindToData } from '../../engine/train/bindData';
import { checkpointKey } from '../training/checkpointKey';
import { planFit } from './fitGraph';
import { listingFromPaths } from './folderListing';
// ?raw (vite): the renderer project has no Node types, so the templates come in as text.
import mnistTemplate from '../../templates/mnist-perceiver-io.json?raw';
import tabularTemplate from '../../templates/tabular-perceiver.json?raw';

const TEMPLATES: Record<string, string> = {
  'mnist-perceiver-io.json': mnistTemplate,
  'tabular-perceiver.json': tabularTemplate,
};
const template = (name: string) => loadGraphDoc(TEMPLATES[name]!, name);

describe('listingFromPaths', () => {
  it('rebuilds class folders from a picked folder and says what is not in one', () => {
    const l = listingFromPaths([
      'shapes/square/b.png',
      'shapes/circle/a.png',
      'shapes/readme.txt',
      'shapes/circle/deep/x.png',
      'shapes/.DS_Store',
      'shapes/circle/.hidden.png',
    ]);
    expect(l.root).toBe('shapes');
    expect(l.classes).toEqual([
      { name: 'circle', files: ['shapes/circle/a.png'] },
      { name: 'square', files: ['shapes/square/b.png'] },
    ]);
    expect(l.looseFiles).toEqual(['shapes/circle/deep/x.png', 'shapes/readme.txt']);
  });
  it('treats several dropped class folders as the classes themselves', () => {
    const l = listingFromPaths(['cat/1.png', 'dog/2.jpg']);
    expect(l.root).toBe('dropped files');
    expect(l.classes.map((c) => c.name)).toEqual(['cat', 'dog']);
  });
});

describe('planFit', () => {
  it('sets the head of the MNIST graph to the data’s class count, after which binding succeeds', () => {
    const doc = template('mnist-perceiver-io.json');
    expect(() => bindToData(doc, { inputShape: [28, 28, 1], numClasses: 3 })).toThrow(
      /predicts 10 classes but the data has 3/,
    );
    const plan = planFit(doc, { inputShape: [28, 28, 1], numClasses: 3 });
    expect(plan.problem).toBeNull();
    expect(plan.changes).toEqual(['head.numClasses 10 → 3']);
    const fitted = applyCommand(doc, plan.command!);
    expect(() => bindToData(fitted, { inputShape: [28, 28, 1], numClasses: 3 })).not.toThrow();
    expect(analyse(fitted).heads[0]!.loss).toMatchObject({ classes: 3 });
  });
  it('sets a table input’s column count and the head together', () => {
    const doc = template('tabular-perceiver.json');
    const plan = planFit(doc, { inputShape: [5], numClasses: 4 });
    expect(plan.changes.sort()).toEqual(['head.numClasses 3 → 4', 'table.numColumns 8 → 5']);
    expect(() => bindToData(applyCommand(doc, plan.command!), { inputShape: [5], numClasses: 4 })).not.toThrow();
  });
  it('refuses data of another rank with a reason naming the input node', () => {
    const plan = planFit(template('tabular-perceiver.json'), { inputShape: [28, 28, 1], numClasses: 3 });
    expect(plan.command).toBeNull();
    expect(plan.problem).toMatch(/input node "table".*rank-1.*\[28, 28, 1\]/);
  });
  it('needs no change when the graph already fits', () => {
    expect(planFit(template('tabular-perceiver.json'), { inputShape: [8], numClasses: 3 })).toEqual({
      command: null,
      changes: [],
      problem: null,
    });
  });
});

describe('setData command', () => {
  it('binds and unbinds the dataset, undoably, leaving the rest of the graph alone', () => {
    const doc = template('mnist-perceiver-io.json');
    const bound = applyCommand(doc, {
      type: 'setData',
      data: {
        source: 'csv',
        path: 'x.csv',
        target: 'y',
        validationFraction: 0.1,
        testFraction: 0.2,
        normalize: 'standardize',
        seed: 3,
      },
    });
    expect(bound.data).toEqual({
      source: 'csv',
      path: 'x.csv',
      target: 'y',
      validationFraction: 0.1,
      testFraction: 0.2,
      normalize: 'standardize',
      seed: 3,
    });
    expect(bound.nodes).toBe(doc.nodes);
    const unbound = applyCommand(bound, { type: 'setData', data: undefined });
    expect('data' in unbound).toBe(false);
  });
});

describe('checkpointKey', () => {
  it('ignores positions and settings but not params or the dataset', () => {
    const doc = template('tabular-perceiver.json');
    const key = checkpointKey(doc, 'csv:a.csv');
    const moved = applyCommand(doc, { type: 'moveNodes', moves: [{ id: 'head', position: { x: 999, y: 1 } }] });
    const lr = applyCommand(doc, { type: 'setTraining', patch: { learningRate: 0.01 } });
    expect(checkpointKey(moved, 'csv:a.csv')).toBe(key);
    expect(checkpointKey(lr, 'csv:a.csv')).toBe(key);
    expect(checkpointKey(doc, 'csv:b.csv')).not.toBe(key);
    expect(
      checkpointKey(applyCommand(doc, { type: 'setParam', id: 'stack', key: 'heads', value: 8 }), 'csv:a.csv'),
    ).not.toBe(key);
  });
});
