import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/**
 * Live loss (per step) and the head's metric (per epoch, train and validation) on two axes:
 * accuracies on a 0–100% axis, an error such as MSE on its own auto-ranged axis.
 */
export function LossChart({
  steps,
  losses,
  epochEnds,
  trainAcc,
  valAcc,
  metric = 'acc',
  percent = true,
}: {
  steps: number[];
  losses: number[];
  epochEnds: number[];
  trainAcc: number[];
  valAcc: (number | null)[];
  metric?: string;
  percent?: boolean;
}) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);

  useEffect(() => {
    const el = host.current!;
    const opts: uPlot.Options = {
      width: el.clientWidth || 320,
      height: 180,
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: false }, acc: percent ? { range: [0, 1] } : { auto: true } },
      axes: [
        {
          stroke: '#8a93a6',
          grid: { stroke: '#262c38' },
          ticks: { stroke: '#262c38' },
          label: 'step',
          labelSize: 16,
          size: 36,
        },
        { stroke: '#8a93a6', grid: { stroke: '#262c38' }, ticks: { stroke: '#262c38' }, size: axisSize },
        {
          scale: 'acc',
          side: 1,
          stroke: '#8a93a6',
          grid: { show: false },
          size: axisSize,
          values: (_u, v) => v.map((x) => (percent ? `${Math.round(x * 100)}%` : x.toPrecision(2))),
        },
      ],
      series: [
        { label: 'step' },
        { label: 'loss', stroke: '#ffb74d', width: 1.5, points: { show: false } },
        {
          label: `train ${metric}`,
          stroke: '#4fc3f7',
          scale: 'acc',
          width: 2,
          spanGaps: true,
          points: { show: true, size: 5 },
        },
        {
          label: `val ${metric}`,
          stroke: '#69f0ae',
          scale: 'acc',
          width: 2,
          spanGaps: true,
          points: { show: true, size: 5 },
        },
      ],
    };
    plot.current = new uPlot(opts, [[], [], [], []], el);
    const ro = new ResizeObserver(() => plot.current?.setSize({ width: el.clientWidth, height: 180 }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
    // A new metric (another head's run) needs new axes and legend labels.
  }, [metric, percent]);

  useEffect(() => {
    const acc: (number | null)[] = steps.map(() => null);
    const val: (number | null)[] = steps.map(() => null);
    epochEnds.forEach((s, i) => {
      const idx = steps.lastIndexOf(s);
      if (idx >= 0) {
        acc[idx] = trainAcc[i] ?? null;
        val[idx] = valAcc[i] ?? null;
      }
    });
    plot.current?.setData([steps, losses, acc, val] as uPlot.AlignedData);
  }, [steps, losses, epochEnds, trainAcc, valAcc, metric, percent]);

  return <div ref={host} className="loss-chart" role="img" aria-label="Training loss and accuracy chart" />;
}

/** An axis wide enough for its longest tick label ("100%", "0.0012"), so none is cut. */
export function axisSize(u: uPlot, values: string[] | null): number {
  const longest = Math.max(3, ...(values ?? []).map((v) => String(v ?? '').length));
  return 18 + Math.ceil(longest * 7.2);
}
