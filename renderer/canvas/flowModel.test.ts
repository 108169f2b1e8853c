import { describe, expect, it } from 'vitest';
import { analyse } from '../../engine/graph/analyse';
import { applyCommand } from '../../engine/graph/commands';
import { createTemplateDoc } from '../defaultDoc';
import { fieldSpecs } from '../panels/paramFields';
import { getKind } from '../../engine/kinds/registry';
import { toFlowEdges, toFlowNodes, type PerceiverFlowNode } from './flowModel';

const doc = createTemplateDoc();

describe('GraphDoc → React Flow projection', () => {
  it('draws every node with its shape and cost, and every wire with its shape', () => {
    const a = analyse(doc);
    const nodes = toFlowNodes(doc, a, new Set(['encoder']), new Map(), new Map()) as PerceiverFlowNode[];
    expect(nodes).toHaveLength(9);
    const fourier = nodes.find((n) => n.id === 'fourier')!;
    expect(fourier.data.outputShapes.out).toBe('[B, 49, 42]');
    expect(nodes.find((n) => n.id === 'encoder')!.selected).toBe(true);
    expect(nodes.reduce((s, n) => s + n.data.params, 0)).toBe(96292);
    const edges = toFlowEdges(doc, a, new Set());
    expect(edges.find((e) => e.id === 'e4')!.data!.shape).toBe('[B, 49, 42]');
  });

  it('a collapsed block stands in for its members and reroutes the wires crossing it', () => {
    const grouped = applyCommand(doc, {
      type: 'group',
      group: { id: 'b', label: 'encoder block', collapsed: true },
      nodeIds: ['encoder', 'stack'],
    });
    const a = analyse(grouped);
    const nodes = toFlowNodes(grouped, a, new Set(), new Map(), new Map());
    expect(nodes.map((n) => n.id)).not.toContain('encoder');
    expect(nodes.find((n) => n.id === 'group:b')!.data).toMatchObject({
      members: 2,
      params: 17754 + 50432,
      collapsed: true,
    });
    const edges = toFlowEdges(grouped, a, new Set());
    expect(edges.find((e) => e.id === 'e5')).toBeUndefined(); // inside the block
    expect(edges.find((e) => e.id === 'e3')).toMatchObject({ target: 'group:b', targetHandle: 'in' });
    expect(edges.find((e) => e.id === 'e7')).toMatchObject({ source: 'group:b', sourceHandle: 'out' });
  });

  it('shows the drag position of a node until the move command lands', () => {
    const nodes = toFlowNodes(doc, analyse(doc), new Set(), new Map([['head', { x: 1, y: 2 }]]), new Map());
    expect(nodes.find((n) => n.id === 'head')!.position).toEqual({ x: 1, y: 2 });
  });
});

describe('inspector fields from zod schemas', () => {
  it('reads types, defaults, bounds and help', () => {
    const specs = fieldSpecs(getKind('CrossAttention')!.params);
    expect(specs.find((f) => f.key === 'heads')).toMatchObject({
      type: 'number',
      int: true,
      min: 1,
      max: 1024,
      default: 1,
      help: expect.stringContaining('heads'),
    });
    expect(specs.find((f) => f.key === 'qkChannels')).toMatchObject({ type: 'number', nullable: true, default: null });
    expect(specs.find((f) => f.key === 'gelu')).toMatchObject({ type: 'enum', options: ['tanh', 'erf'] });
    expect(specs.find((f) => f.key === 'useQueryResidual')).toMatchObject({ type: 'boolean', default: true });
  });
  it('every registered kind yields a field for every parameter, each with help text', () => {
    for (const name of ['ImageInput', 'LatentArray', 'LatentStack', 'DecoderCrossAttention', 'ClassificationHead']) {
      const k = getKind(name)!;
      const specs = fieldSpecs(k.params);
      expect(specs.length).toBe(Object.keys((k.params as unknown as { shape: object }).shape).length);
      for (const f of specs) expect(f.help, `${name}.${f.key}`).not.toBe('');
    }
  });
});
