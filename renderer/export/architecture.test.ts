import { describe, expect, it } from 'vitest';
import templateText from '../../templates/mnist-perceiver-io.json?raw';
import { loadGraphDoc } from '../../engine/graph/load';
import { architectureChanges, exportBaseName } from './architecture';

const doc = loadGraphDoc(templateText, 'template');

describe('does the editor graph still match the trained one?', () => {
  it('ignores layout, labels, names and training settings', () => {
    const moved = {
      ...doc,
      name: 'Renamed',
      nodes: doc.nodes.map((n) => ({ ...n, position: { x: n.position.x + 50, y: 0 }, label: 'x' })),
      training: { ...doc.training, epochs: 99 },
    };
    expect(architectureChanges(moved, doc)).toEqual([]);
  });

  it('accepts a parameter left at 0 that the run filled in from the data', () => {
    const trained = {
      ...doc,
      nodes: doc.nodes.map((n) => (n.id === 'head' ? { ...n, params: { ...n.params, numClasses: 10 } } : n)),
    };
    const fromData = {
      ...doc,
      nodes: doc.nodes.map((n) => (n.id === 'head' ? { ...n, params: { ...n.params, numClasses: 0 } } : n)),
    };
    expect(architectureChanges(fromData, trained)).toEqual([]);
  });

  it('names changed parameters, kinds, nodes and wires', () => {
    const edited = {
      ...doc,
      nodes: [
        ...doc.nodes
          .filter((n) => n.id !== 'query')
          .map((n) => (n.id === 'stack' ? { ...n, params: { ...n.params, heads: 8 } } : n)),
        { id: 'extra', kind: 'LatentArray', params: {}, position: { x: 0, y: 0 } },
      ],
      edges: doc.edges.filter((e) => e.target.node !== 'decoder' || e.target.port !== 'q'),
    };
    const changes = architectureChanges(edited as typeof doc, doc);
    expect(changes).toContain('stack.heads is 8 (trained with 4)');
    expect(changes).toContain('node "extra" was added');
    expect(changes).toContain('node "query" was removed');
    expect(changes.some((c) => /^wire query\.out→decoder\.q was removed$/.test(c))).toBe(true);
  });

  it('makes folder names', () => {
    expect(exportBaseName('MNIST Perceiver IO')).toBe('mnist-perceiver-io');
    expect(exportBaseName('../Ünïcode: net')).toBe('unicode-net');
    expect(exportBaseName('***')).toBe('graph');
  });
});
