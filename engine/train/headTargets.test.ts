import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyse } from '../graph/analyse.js';
import type { GraphDoc } from '../graph/schema.js';
import { headTargets } from './headTargets.js';
import { planTraining } from './lossPlan.js';
import type { Dataset } from '../data/dataset.js';

const load = (name: string): GraphDoc => JSON.parse(readFileSync(`templates/${name}`, 'utf8')) as GraphDoc;

describe('head targets and loss weights', () => {
  it('traces each reconstruction head of the tiny multimodal autoencoder through split, queries and concat to its input', () => {
    expect(headTargets(load('multimodal-autoencoder-tiny.json'))).toEqual([
      { nodeId: 'audioOut', kind: 'input', inputId: 'audio', inputIndex: 1 },
      { nodeId: 'imageOut', kind: 'input', inputId: 'image', inputIndex: 0 },
      { nodeId: 'labelOut', kind: 'classes' },
    ]);
    // The full-size Kinetics autoencoder (concat name "image" on the video input) traces the same way.
    const big = headTargets(load('perceiver-io-multimodal-autoencoder.json'));
    expect(big.map((h) => (h.kind === 'input' ? `${h.nodeId}→${h.inputId}` : h.nodeId))).toEqual([
      'audioOut→audio',
      'imageOut→video',
      'labelOut',
    ]);
    // A classifier over several inputs trains on the class only.
    expect(headTargets(load('multimodal-perceiver.json'))).toEqual([{ nodeId: 'head', kind: 'classes' }]);
  });

  it('swapping the query names swaps which input a head reconstructs; an untraceable regression head is named', () => {
    const doc = load('multimodal-autoencoder-tiny.json');
    // The split's ports follow the sorted names: with the audio and image queries crossed, audioOut reads the image rows.
    const crossed = {
      ...doc,
      edges: doc.edges.map((e) =>
        e.source.node === 'split' && e.source.port === 'm0'
          ? { ...e, target: { ...e.target, node: 'imageOut' } }
          : e.source.node === 'split' && e.source.port === 'm1'
            ? { ...e, target: { ...e.target, node: 'audioOut' } }
            : e,
      ),
    };
    const t = headTargets(crossed);
    expect(t.find((h) => h.nodeId === 'imageOut')).toMatchObject({
      inputId: 'audio',
    });
    const loose = {
      ...doc,
      edges: doc.edges.map((e) =>
        e.target.node === 'imageOut' ? { ...e, source: { node: 'decoder', port: 'out' } } : e,
      ),
    };
    expect(() => headTargets(loose)).toThrow(
      /The regression head "imageOut" needs targets.*does not read a Multimodal split output/,
    );
  });

  it('plans each head with its lossWeight (default 1) and refuses a negative weight by name', () => {
    const doc = load('multimodal-autoencoder-tiny.json');
    const data = {
      name: 'd',
      inputShape: [28, 28, 1],
      moreInputShapes: [[2048], [10]],
      numClasses: 10,
      classNames: [],
      targets: [{ kind: 'values', shape: [2048] }, { kind: 'values', shape: [28, 28, 1] }, { kind: 'classes' }],
    } as unknown as Dataset;
    const plan = planTraining(analyse(doc), data);
    expect(plan.heads.map((h) => [h.nodeId, h.weight])).toEqual([
      ['audioOut', 1],
      ['imageOut', 1],
      ['labelOut', 0.1],
    ]);
    const negative = {
      ...doc,
      nodes: doc.nodes.map((n) => (n.id === 'imageOut' ? { ...n, params: { ...n.params, lossWeight: -1 } } : n)),
    };
    const a = analyse(negative);
    expect(a.valid).toBe(false);
    expect(a.problems.find((p) => p.nodeId === 'imageOut')?.message).toMatch(/lossWeight/);
  });
});
