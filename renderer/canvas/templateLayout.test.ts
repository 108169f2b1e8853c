/**
 * Every built-in template opens with no two nodes on top of each other, by the canvas' node size
 * rules (nodeBoxes.ts, checked against the browser in tests/e2e/shell-editing.spec.ts). Reads the
 * templates folder, so templates added later are checked too. Fix one with
 * `node scripts/layout-templates.mjs templates/<file>.json`.
 */
import { describe, expect, it } from 'vitest';
import { analyse } from '../../engine/graph/analyse';
import { loadGraphDoc } from '../../engine/graph/load';
import { createTemplateDoc } from '../defaultDoc';
import { toFlowNodes, type PerceiverFlowNode } from './flowModel';
import { estimateNodeSize, overlappingPairs, reflow, type Box } from './nodeBoxes';
import { docBoxes, separateDoc } from './separate';

// Every file in templates/ (Vite's glob, so the renderer code stays free of node:fs).
const texts = import.meta.glob('../../templates/*.json', { eager: true, query: '?raw', import: 'default' }) as Record<
  string,
  string
>;
const files = Object.keys(texts)
  .map((p) => p.split('/').pop()!)
  .sort();
const textOf = (f: string) => texts[`../../templates/${f}`]!;

describe('template layout', () => {
  it('finds the templates', () => {
    expect(files.length).toBeGreaterThanOrEqual(11);
  });

  for (const f of files) {
    it(`${f}: no two node boxes overlap`, () => {
      const doc = loadGraphDoc(textOf(f), f);
      const boxes = docBoxes(doc);
      expect(boxes).toHaveLength(
        doc.nodes.filter((n) => !n.group || !doc.groups.find((g) => g.id === n.group)?.collapsed).length,
      );
      const pairs = overlappingPairs(boxes).map(([a, b]) => `${a} / ${b}`);
      expect(pairs, `${f}: run node scripts/layout-templates.mjs templates/${f}`).toEqual([]);
    });
  }
});

describe('node size rules', () => {
  const doc = createTemplateDoc();
  const nodes = toFlowNodes(doc, analyse(doc), new Set(), new Map(), new Map()) as PerceiverFlowNode[];
  const size = (id: string) => {
    const d = nodes.find((n) => n.id === id)!.data;
    return estimateNodeSize(d, d.outputShapes[d.outputs[0]?.name ?? '']);
  };
  it('a node with inputs, a tied strip and a badge is taller than a plain input node', () => {
    expect(size('stack').height).toBeGreaterThan(size('image').height + 60);
    expect(size('image').width).toBe(240);
  });
  it('an error message makes a node taller, more for a longer message', () => {
    const d = nodes.find((n) => n.id === 'head')!.data;
    const plain = estimateNodeSize(d, '[B, 10]').height;
    const short = estimateNodeSize(
      { ...d, errors: [{ severity: 'error', message: 'Bad.', nodeId: 'head' } as never] },
      '[B, 10]',
    ).height;
    const long = estimateNodeSize(
      { ...d, errors: [{ severity: 'error', message: 'x'.repeat(200), nodeId: 'head' } as never] },
      '[B, 10]',
    ).height;
    expect(short).toBeGreaterThan(plain);
    expect(long).toBeGreaterThan(short + 40);
  });
});

describe('reflow', () => {
  const box = (id: string, x: number, y: number, height = 100): Box => ({ id, x, y, width: 240, height });
  it('leaves boxes that do not overlap where they are', () => {
    expect(reflow([box('a', 0, 0), box('b', 300, 0), box('c', 0, 200)]).size).toBe(0);
  });
  it('pushes a covered box below the one above it, and the boxes it then covers too', () => {
    const moved = reflow([box('a', 0, 0, 180), box('b', 100, 150), box('c', 100, 260)]);
    expect(moved.get('b')).toEqual({ x: 100, y: 210 });
    expect(moved.get('c')!.y).toBeGreaterThanOrEqual(210 + 100);
    const after = [
      box('a', 0, 0, 180),
      { ...box('b', 100, 150), ...moved.get('b') },
      { ...box('c', 100, 260), ...moved.get('c') },
    ];
    expect(overlappingPairs(after)).toEqual([]);
  });
  it('boxes at the same place end up stacked, none lost', () => {
    const boxes = [box('a', 0, 0), box('b', 0, 0), box('c', 0, 0)];
    const moved = reflow(boxes);
    const after = boxes.map((b) => ({ ...b, ...moved.get(b.id) }));
    expect(overlappingPairs(after)).toEqual([]);
    expect(new Set(after.map((b) => b.y)).size).toBe(3);
  });
  it('a graph loaded with overlapping nodes is moved apart; one without is returned as it was', () => {
    const doc = createTemplateDoc();
    expect(separateDoc(doc).doc).toBe(doc);
    const squashed = { ...doc, nodes: doc.nodes.map((n) => ({ ...n, position: { x: 0, y: 0 } })) };
    const { doc: fixed, moved } = separateDoc(squashed);
    expect(moved).toBe(doc.nodes.length - 1);
    expect(overlappingPairs(docBoxes(fixed))).toEqual([]);
  });
  it('the canvas shifts the nodes a grown node would cover (view only)', () => {
    const doc = createTemplateDoc();
    const a = analyse(doc);
    const grown = new Map([['encoder', { width: 240, height: 600 }]]);
    const flow = toFlowNodes(doc, a, new Set(), new Map(), grown) as PerceiverFlowNode[];
    const enc = flow.find((n) => n.id === 'encoder')!;
    const stack = flow.find((n) => n.id === 'stack')!;
    expect(stack.position.y).toBeGreaterThanOrEqual(enc.position.y + 600);
    expect(doc.nodes.find((n) => n.id === 'stack')!.position.y).toBeLessThan(enc.position.y + 600);
  });
});
