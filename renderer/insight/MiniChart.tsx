import { useEffect, useRef } from 'react';
import { axisSize } from '../training/LossChart';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { downloadElementPng } from './download';

export interface ChartSeries {
  label: string;
  values: (number | null)[];
  colour: string;
  /** Draw points only (scatter), e.g. sweep results. */
  points?: boolean;
  /** Bigger ringed points: the Pareto-best trade-offs. */
  highlight?: boolean;
  dash?: number[];
}

export const PALETTE = [
  '#4fc3f7',
  '#ffb74d',
  '#69f0ae',
  '#f48fb1',
  '#b39ddb',
  '#fff176',
  '#80cbc4',
  '#ef9a9a',
  '#90caf9',
  '#c5e1a5',
  '#ffcc80',
  '#ce93d8',
];

/** Enough decimals that neighbouring percentage ticks read differently. */
function percentDigits(ticks: number[]): number {
  const step = ticks.length > 1 ? Math.abs(ticks[1]! - ticks[0]!) * 100 : 1;
  return step >= 1 ? 0 : step >= 0.1 ? 1 : 2;
}

const axis = { stroke: '#8a93a6', grid: { stroke: '#262c38' }, ticks: { stroke: '#262c38' } };

/**
 * A small uPlot chart: shared x, any number of series. Rebuilt when the series set changes
 * (names, count), updated in place when only the numbers change.
 */
export function MiniChart({
  title,
  x,
  xLabel,
  series,
  height = 150,
  logY,
  yRange,
  percentY,
  integerX,
  integerY,
  testId,
  fileName,
}: {
  title: string;
  x: number[];
  xLabel: string;
  series: ChartSeries[];
  height?: number;
  logY?: boolean;
  yRange?: [number, number];
  percentY?: boolean;
  integerX?: boolean;
  integerY?: boolean;
  testId?: string;
  fileName: string;
}) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shapeKey = `${series.map((s) => `${s.label}|${s.points ? 1 : 0}|${s.highlight ? 1 : 0}`).join(',')}|${logY}|${yRange}|${xLabel}`;

  useEffect(() => {
    const el = host.current!;
    const opts: uPlot.Options = {
      width: el.clientWidth || 300,
      height,
      legend: { show: true, live: false },
      cursor: { drag: { x: false, y: false } },
      // Points at the very edge of the plot are cut in half: pad the x range a little.
      scales: {
        x: {
          time: false,
          range: (_u, lo, hi) => {
            const pad = hi > lo ? (hi - lo) * 0.06 : Math.max(1, Math.abs(lo) * 0.05);
            return [lo - pad, hi + pad];
          },
        },
        y: { distr: logY ? 3 : 1, ...(yRange ? { range: yRange } : {}) },
      },
      axes: [
        {
          ...axis,
          label: xLabel,
          labelSize: 14,
          size: 32,
          ...(integerX ? { incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] } : {}),
        },
        {
          ...axis,
          size: axisSize,
          ...(integerY ? { incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] } : {}),
          values: percentY ? (_u, v) => v.map((t) => `${(t * 100).toFixed(percentDigits(v))}%`) : undefined,
        },
      ],
      series: [
        { label: xLabel },
        ...series.map((s) => ({
          label: s.label,
          stroke: s.colour,
          width: s.points ? 0 : 1.5,
          dash: s.dash,
          spanGaps: true,
          points: s.points
            ? {
                show: true,
                size: s.highlight ? 12 : 7,
                stroke: s.highlight ? '#ffffff' : s.colour,
                fill: s.colour,
                width: s.highlight ? 2 : 1,
              }
            : { show: x.length < 30, size: 4 },
          paths: s.points ? () => null : undefined,
        })),
      ],
    };
    plot.current = new uPlot(opts, [x, ...series.map((s) => s.values)] as uPlot.AlignedData, el);
    const ro = new ResizeObserver(() => plot.current?.setSize({ width: el.clientWidth, height }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
    // Rebuilt only when the shape of the chart changes; data updates below.
  }, [shapeKey, height, integerX, integerY]);

  useEffect(() => {
    plot.current?.setData([x, ...series.map((s) => s.values)] as uPlot.AlignedData);
  }, [x, series]);

  return (
    <figure
      className="mini-chart"
      data-testid={testId}
      data-points={series.reduce((n, s) => n + s.values.filter((v) => v !== null && Number.isFinite(v)).length, 0)}
    >
      <figcaption>
        <span>{title}</span>
        <button type="button" className="link" onClick={() => downloadElementPng(host.current, fileName)}>
          PNG
        </button>
      </figcaption>
      <div ref={host} role="img" aria-label={title} />
    </figure>
  );
}
