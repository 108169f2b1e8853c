/**
 * Does the graph in the editor still match the graph a run trained? The export writes the
 * trained weights together with the graph they belong to; when the user has changed the
 * architecture since, the export says so instead of pairing weights with the wrong model.
 * Layout (positions, labels, groups), names and training settings do not matter; a parameter
 * left at 0 ("from data") matches the value the run filled in.
 */
import type { GraphDoc } from '../../engine/graph/schema';

export function architectureChanges(current: GraphDoc, trained: GraphDoc): string[] {
  const out: string[] = [];
  const trainedNodes = new Map(trained.nodes.map((n) => [n.id, n]));
  const currentIds = new Set(current.nodes.map((n) => n.id));
  for (const n of current.nodes) {
    const t = trainedNodes.get(n.id);
    if (!t) {
      out.push(`node "${n.id}" was added`);
      continue;
    }
    if (t.kind !== n.kind) {
      out.push(`node "${n.id}" is now a ${n.kind} (was ${t.kind})`);
      continue;
    }
    const keys = new Set([...Object.keys(n.params ?? {}), ...Object.keys(t.params ?? {})]);
    for (const k of keys) {
      const a = (n.params as Record<string, unknown> | undefined)?.[k];
      const b = (t.params as Record<string, unknown> | undefined)?.[k];
      if (a === 0 && typeof b === 'number') continue; // filled in from the data by the run
      if (JSON.stringify(a) !== JSON.stringify(b))
        out.push(`${n.id}.${k} is ${JSON.stringify(a)} (trained with ${JSON.stringify(b)})`);
    }
  }
  for (const t of trained.nodes) if (!currentIds.has(t.id)) out.push(`node "${t.id}" was removed`);
  const wire = (e: GraphDoc['edges'][number]) => `${e.source.node}.${e.source.port}→${e.target.node}.${e.target.port}`;
  const a = new Set(current.edges.map(wire));
  const b = new Set(trained.edges.map(wire));
  for (const w of a) if (!b.has(w)) out.push(`wire ${w} was added`);
  for (const w of b) if (!a.has(w)) out.push(`wire ${w} was removed`);
  return out;
}

/** "MNIST Perceiver IO" → "mnist-perceiver-io" (a folder name on every platform). */
export function exportBaseName(name: string): string {
  return (
    name
      .normalize('NFKD')
      .replace(/[^A-Za-z0-9 _-]+/g, '')
      .trim()
      .replace(/\s+/g, '-')
      .toLowerCase()
      .slice(0, 80) || 'graph'
  );
}
