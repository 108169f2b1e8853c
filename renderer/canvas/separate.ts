/**
 * A document's node boxes from the canvas' size rules (nodeBoxes.ts), and a document moved apart
 * where its nodes overlap: used when a graph is opened, by the template layout test and by
 * scripts/layout-templates.mjs.
 */
import { analyse, type Analysis } from '../../engine/graph/analyse';
import type { GraphDoc } from '../../engine/graph/schema';
import { toFlowNodes, type PerceiverNodeData } from './flowModel';
import { estimateNodeSize, reflow, type Box } from './nodeBoxes';

/** Every node's box in a document, from its position and the size rules above. */
export function docBoxes(doc: GraphDoc, analysis: Analysis = analyse(doc)): Box[] {
  const flow = toFlowNodes(doc, analysis, new Set(), new Map(), new Map(), null, { reflow: false });
  const boxes: Box[] = [];
  for (const n of flow) {
    if (n.type !== 'perceiver') continue;
    const d = n.data as PerceiverNodeData;
    const out = d.outputs[0] ? d.outputShapes[d.outputs[0].name] : undefined;
    const s = estimateNodeSize(d, out);
    boxes.push({ id: n.id, x: n.position.x, y: n.position.y, ...s });
  }
  return boxes;
}

/** A document whose nodes no longer overlap (same object when nothing had to move). */
export function separateDoc(doc: GraphDoc): { doc: GraphDoc; moved: number } {
  const moved = reflow(docBoxes(doc));
  if (!moved.size) return { doc, moved: 0 };
  return {
    doc: { ...doc, nodes: doc.nodes.map((n) => (moved.has(n.id) ? { ...n, position: moved.get(n.id)! } : n)) },
    moved: moved.size,
  };
}
