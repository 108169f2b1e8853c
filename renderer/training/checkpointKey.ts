/**
 * Which stored checkpoint belongs to a graph: a hash of what determines the weights (node ids,
 * kinds, params and wires — not positions, labels or training settings) and of the dataset.
 * Moving a node keeps the checkpoint; changing a param that changes a weight's shape does not
 * (restoring would fail anyway, with the engine's "different architecture" message).
 */
import type { GraphDoc } from '../../engine/graph/schema';

/** cyrb53: a fast 53-bit string hash; collisions only cost a refused resume. */
export function hash53(s: string, seed = 0): string {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
}

function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stable((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

export function checkpointKey(doc: GraphDoc, dataName: string): string {
  const nodes = [...doc.nodes].sort((a, b) => a.id.localeCompare(b.id)).map((n) => [n.id, n.kind, n.params]);
  const edges = doc.edges.map((e) => `${e.source.node}.${e.source.port}>${e.target.node}.${e.target.port}`).sort();
  return `ckpt-${hash53(stable({ nodes, edges, data: dataName }))}`;
}
