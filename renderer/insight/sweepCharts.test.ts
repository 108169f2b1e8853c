import { describe, expect, it } from 'vitest';
import { costChart, parameterChart, type SweepPoint } from './sweepCharts';

const p = (label: string, cost: number, score: number, values: SweepPoint['values'] = {}): SweepPoint => ({
  label,
  cost,
  score,
  values,
});

describe('sweep charts', () => {
  it('sorts by cost and splits the Pareto-best points from the rest', () => {
    const c = costChart([p('big', 300, 0.9), p('small', 100, 0.6), p('mid-bad', 200, 0.5), p('failed', 150, NaN)]);
    expect(c.x).toEqual([100, 200, 300]);
    expect(c.front).toEqual([0.6, null, 0.9]);
    expect(c.all).toEqual([null, 0.5, null]);
    expect(c.frontLabels).toEqual(['small', 'big']);
  });

  it('draws one line per value of the second parameter', () => {
    const pts = [
      p('a', 1, 0.5, { 'l.n': 16, 's.b': 1 }),
      p('b', 1, 0.7, { 'l.n': 32, 's.b': 1 }),
      p('c', 1, 0.6, { 'l.n': 16, 's.b': 2 }),
    ];
    const c = parameterChart(pts, 'l.n', 's.b');
    expect(c.x).toEqual([16, 32]);
    expect(c.series).toEqual([
      { label: 's.b=1', values: [0.5, 0.7] },
      { label: 's.b=2', values: [0.6, null] },
    ]);
    expect(parameterChart(pts.slice(0, 2), 'l.n', null).series).toEqual([{ label: 'accuracy', values: [0.5, 0.7] }]);
  });
});
