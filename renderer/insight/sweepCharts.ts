/**
 * Sweep results as chart data: accuracy against a cost (model size, training time) with the
 * Pareto-best trade-offs marked, and against the swept parameter (one line per value of the
 * second parameter). Pure, so the marking is unit-tested.
 */
import { paretoFront } from '../../engine/insight/sweep';

export interface SweepPoint {
  label: string;
  values: Record<string, number | string | boolean>;
  cost: number;
  score: number;
}

/** uPlot wants x ascending: points sorted by cost; `front` holds the Pareto-best of them. */
export function costChart(points: SweepPoint[]): {
  x: number[];
  all: (number | null)[];
  front: (number | null)[];
  frontLabels: string[];
} {
  const usable = points
    .filter((p) => Number.isFinite(p.cost) && Number.isFinite(p.score))
    .sort((a, b) => a.cost - b.cost);
  const best = new Set(paretoFront(usable));
  return {
    x: usable.map((p) => p.cost),
    all: usable.map((p, i) => (best.has(i) ? null : p.score)),
    front: usable.map((p, i) => (best.has(i) ? p.score : null)),
    frontLabels: usable.filter((_, i) => best.has(i)).map((p) => p.label),
  };
}

/** Score against the first swept parameter, one series per value of the second (if any). */
export function parameterChart(
  points: SweepPoint[],
  firstKey: string,
  secondKey: string | null,
): { x: number[]; series: { label: string; values: (number | null)[] }[] } {
  const num = (v: unknown) => (typeof v === 'number' ? v : Number(v));
  const x = [...new Set(points.map((p) => num(p.values[firstKey])))].filter(Number.isFinite).sort((a, b) => a - b);
  const groups = secondKey ? [...new Set(points.map((p) => String(p.values[secondKey])))] : ['score'];
  return {
    x,
    series: groups.map((g) => ({
      label: secondKey ? `${secondKey}=${g}` : 'accuracy',
      values: x.map(
        (v) =>
          points.find((p) => num(p.values[firstKey]) === v && (!secondKey || String(p.values[secondKey]) === g))
            ?.score ?? null,
      ),
    })),
  };
}
