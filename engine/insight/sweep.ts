/**
 * Sweeps: one or two parameters and their values; every combination becomes a variant of the
 * graph (same data and seed), trained in turn. Variants that the analyser rejects are reported,
 * not trained.
 */
import { analyse } from '../graph/analyse.js';
import type { GraphDoc } from '../graph/schema.js';

export interface SweepAxis {
  nodeId: string;
  param: string;
  values: (number | string | boolean)[];
}

export interface SweepVariant {
  label: string;
  values: Record<string, number | string | boolean>;
  doc: GraphDoc;
  totalParams: number;
  flopsPerExample: number;
  /** Set when the variant is invalid; it is then skipped. */
  error?: string;
}

export const axisKey = (a: Pick<SweepAxis, 'nodeId' | 'param'>): string => `${a.nodeId}.${a.param}`;

export function sweepVariants(doc: GraphDoc, axes: SweepAxis[]): SweepVariant[] {
  if (axes.length < 1 || axes.length > 2) throw new Error('A sweep takes one or two parameters');
  for (const a of axes) {
    if (!doc.nodes.some((n) => n.id === a.nodeId))
      throw new Error(`Sweep parameter ${axisKey(a)}: there is no node "${a.nodeId}"`);
    if (a.values.length === 0) throw new Error(`Sweep parameter ${axisKey(a)} has no values`);
    if (a.values.length > 12)
      throw new Error(`Sweep parameter ${axisKey(a)} has ${a.values.length} values; use at most 12`);
  }
  const combos: Record<string, number | string | boolean>[] = [{}];
  for (const a of axes) {
    const next: Record<string, number | string | boolean>[] = [];
    for (const c of combos) for (const v of a.values) next.push({ ...c, [axisKey(a)]: v });
    combos.splice(0, combos.length, ...next);
  }
  return combos.map((values) => {
    const variant: GraphDoc = {
      ...doc,
      name: `${doc.name} [${Object.entries(values)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')}]`,
      nodes: doc.nodes.map((n) => {
        const changes = axes.filter((a) => a.nodeId === n.id);
        if (changes.length === 0) return n;
        const params = { ...n.params };
        for (const a of changes) params[a.param] = values[axisKey(a)]!;
        return { ...n, params };
      }),
    };
    const analysis = analyse(variant);
    const firstError = analysis.problems.find((p) => p.severity === 'error');
    return {
      label: Object.entries(values)
        .map(([k, v]) => `${k}=${v}`)
        .join(', '),
      values,
      doc: variant,
      totalParams: analysis.totals.params,
      flopsPerExample: analysis.totals.flops,
      error: firstError?.message,
    };
  });
}

/** Indices of the points no other point beats on both axes (lower cost, higher score). */
export function paretoFront(points: { cost: number; score: number }[]): number[] {
  const front: number[] = [];
  points.forEach((p, i) => {
    const dominated = points.some(
      (q, j) => j !== i && q.cost <= p.cost && q.score >= p.score && (q.cost < p.cost || q.score > p.score),
    );
    if (!dominated && Number.isFinite(p.score)) front.push(i);
  });
  return front;
}
