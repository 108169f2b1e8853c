/**
 * Generated graphs of a given size for the analyser and canvas benches: copies of the
 * template's pipeline side by side (each with its own input and head), the remainder spent on
 * a longer latent chain, so every node is real and analysed (valid graph, no errors).
 */
import type { GraphDoc, GraphNode } from '../../engine/graph/schema.js';
import { templateDoc } from './arch.js';

export function generatedGraph(nodeCount: number): GraphDoc {
  const t = templateDoc();
  const nodes: GraphNode[] = [];
  const edges: GraphDoc['edges'] = [];
  let copy = 0;
  while (nodes.length + t.nodes.length <= nodeCount) {
    const id = (s: string) => `c${copy}_${s}`;
    for (const n of t.nodes)
      nodes.push({
        ...n,
        id: id(n.id),
        params: structuredClone(n.params),
        position: { x: n.position.x + copy * 700, y: n.position.y },
      });
    for (const e of t.edges)
      edges.push({
        id: id(e.id),
        source: { ...e.source, node: id(e.source.node) },
        target: { ...e.target, node: id(e.target.node) },
      });
    copy++;
  }
  // Fill up with extra latent-stack stages spliced into the first copy (stack → extra… → decoder).
  const extra = nodeCount - nodes.length;
  let prev = 'c0_stack';
  for (let i = 0; i < extra; i++) {
    const id = `x${i}_stack`;
    nodes.push({
      id,
      kind: 'LatentStack',
      params: { layersPerBlock: 1, blocks: 1, heads: 4 },
      position: { x: -400, y: i * 180 },
    });
    edges.push({ id: `x${i}_e`, source: { node: prev, port: 'out' }, target: { node: id, port: 'in' } });
    prev = id;
  }
  if (extra > 0) {
    const e = edges.find((x) => x.target.node === 'c0_decoder' && x.target.port === 'kv')!;
    e.source = { node: prev, port: 'out' };
  }
  return { ...t, name: `Generated ${nodeCount}-node graph`, nodes, edges };
}
