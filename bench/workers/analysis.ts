/** analysisMs300 / analysisMs1000: the analyser on generated graphs (prints one JSON line). */
import { analyse } from '../../engine/graph/analyse.js';
import { generatedGraph } from '../lib/graphs.js';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const out: Record<string, unknown> = {};
for (const n of [300, 1000]) {
  const doc = generatedGraph(n);
  const check = analyse(doc);
  if (!check.valid || check.nodes.size !== n)
    throw new Error(
      `generated ${n}-node graph is not valid: ${check.problems.find((p) => p.severity === 'error')?.message}`,
    );
  // cold: every node's params are new objects (as after loading a file): no cache hits.
  const fresh = Array.from({ length: 25 }, () => structuredClone(doc));
  const cold = fresh.map((d) => {
    const t0 = performance.now();
    analyse(d);
    return performance.now() - t0;
  });
  // warm: the same document again (as after an edit that replaced one node's params).
  const warm = Array.from({ length: 25 }, () => {
    const d = { ...doc, nodes: doc.nodes.map((x, i) => (i === 0 ? { ...x, params: { ...x.params } } : x)) };
    const t0 = performance.now();
    analyse(d);
    return performance.now() - t0;
  });
  out[`analysisMs${n}`] = median(cold.slice(5));
  out[`analysisMs${n}AfterEdit`] = median(warm.slice(5));
}
process.stdout.write(JSON.stringify(out) + '\n');
