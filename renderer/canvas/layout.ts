/**
 * Auto-layout with elkjs' layered algorithm (top to bottom, ports ordered as the kind declares
 * them). Produces one moveNodes command, so a layout is undoable like any edit.
 */
import type { Command } from '../../engine/graph/commands';
import type { GraphDoc } from '../../engine/graph/schema';
import { NODE_HEIGHT, NODE_WIDTH } from './flowModel';

// elkjs is large (~1.5 MB); load it on first use so it never delays start-up.
type Elk = InstanceType<typeof import('elkjs/lib/elk.bundled.js').default>;
let elk: Promise<Elk> | null = null;
function getElk(): Promise<Elk> {
  elk ??= import('elkjs/lib/elk.bundled.js').then((m) => new m.default());
  return elk;
}

export async function layoutCommand(
  doc: GraphDoc,
  sizes: ReadonlyMap<string, { width: number; height: number }>,
): Promise<Command | null> {
  if (!doc.nodes.length) return null;
  const ids = new Set(doc.nodes.map((n) => n.id));
  const graph = {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'DOWN',
      'elk.layered.spacing.nodeNodeBetweenLayers': '70',
      'elk.spacing.nodeNode': '50',
      'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
      'elk.edgeRouting': 'SPLINES',
    },
    children: doc.nodes.map((n) => {
      const s = sizes.get(n.id) ?? { width: NODE_WIDTH, height: NODE_HEIGHT };
      return { id: n.id, width: s.width, height: s.height };
    }),
    edges: doc.edges
      .filter((e) => ids.has(e.source.node) && ids.has(e.target.node))
      .map((e) => ({ id: e.id, sources: [e.source.node], targets: [e.target.node] })),
  };
  const res = await (await getElk()).layout(graph);
  const moves = (res.children ?? []).map((c) => ({
    id: c.id,
    position: { x: Math.round(c.x ?? 0), y: Math.round(c.y ?? 0) },
  }));
  return { type: 'moveNodes', moves };
}
