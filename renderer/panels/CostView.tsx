import { useEffect, useMemo, useRef } from 'react';
import uPlot from 'uplot';
import { axisSize } from '../training/LossChart';
import { getKind } from '../../engine/kinds/registry';
import { formatBytes, formatFlops, formatInt } from '../format';
import { useAnalysis } from '../state/analysisContext';
import { activeDoc, focusNode, useEditor } from '../state/store';
import { costScaling, defaultMs } from './costScaling';

/** Totals per node (where the parameters and FLOPs are) and how cost grows with input size M. */
export function CostView() {
  const analysis = useAnalysis();
  const doc = useEditor((s) => activeDoc(s));
  const scaling = useMemo(() => {
    const probe = costScaling(doc, analysis, []);
    return 'error' in probe ? probe : costScaling(doc, analysis, defaultMs(probe.currentM));
  }, [doc, analysis]);
  const rows = analysis.order
    .map((id) => ({
      id,
      kind: getKind(analysis.nodes.get(id)!.kind)?.title ?? '?',
      cost: analysis.nodes.get(id)!.cost,
    }))
    .filter((r) => r.cost.params > 0 || r.cost.flops > 0 || r.cost.activationBytes > 0);
  const maxFlops = Math.max(1, ...rows.map((r) => r.cost.flops));
  const totalParams = Math.max(1, analysis.totals.params);
  return (
    <div className="cost-view" aria-label="Costs">
      <h3 className="section-title">Per node</h3>
      <table className="breakdown" aria-label="Parameters and FLOPs per node, with activation memory">
        <thead>
          <tr>
            <th scope="col">node</th>
            <th scope="col">params</th>
            <th scope="col">FLOPs / example</th>
            <th
              scope="col"
              title="Activations kept for the backward pass, per example (the summary bar shows the total at the batch size)"
            >
              activations / example
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id}>
              <td>
                <button type="button" className="link" onClick={() => focusNode(r.id)} title={r.kind}>
                  {r.id}
                </button>
              </td>
              <td>
                {formatInt(r.cost.params)}{' '}
                <span className="muted">({((100 * r.cost.params) / totalParams).toFixed(0)}%)</span>
              </td>
              <td>
                <div className="bar" style={{ width: `${(100 * r.cost.flops) / maxFlops}%` }} />
                {formatFlops(r.cost.flops)}
              </td>
              <td data-testid={`cost-act-${r.id}`}>{formatBytes(r.cost.activationBytes)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3 className="section-title">Scaling with input size M</h3>
      {'error' in scaling ? (
        <p className="muted">{scaling.error}</p>
      ) : (
        <>
          <p className="small">
            Perceiver: {scaling.latents} latents attend to M inputs — <b>O(M·N)</b>. Transformer: the same latent
            processing ({scaling.latentIds.join(', ') || 'none'}) run over the M inputs — <b>O(M²)</b>. This graph has M
            = {formatInt(scaling.currentM)}.
          </p>
          <p data-testid="crossover">
            {scaling.crossover !== null ? (
              <>
                The transformer costs more from <b>M ≈ {formatInt(scaling.crossover)}</b> inputs.
              </>
            ) : (
              'No crossover in the range shown.'
            )}
          </p>
          <ScalingChart points={scaling.points} currentM={scaling.currentM} />
          {(() => {
            const here = scaling.points.find((p) => p.m === scaling.currentM)!;
            return (
              <p className="muted small">
                At M = {formatInt(here.m)}: Perceiver {formatFlops(here.perceiverFlops)},{' '}
                {formatBytes(here.perceiverBytes)} activations; transformer {formatFlops(here.transformerFlops)},{' '}
                {formatBytes(here.transformerBytes)}.
              </p>
            );
          })()}
        </>
      )}
    </div>
  );
}

function ScalingChart({
  points,
  currentM,
}: {
  points: {
    m: number;
    perceiverFlops: number;
    transformerFlops: number;
    perceiverBytes: number;
    transformerBytes: number;
  }[];
  currentM: number;
}) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = host.current!;
    const axis = { stroke: '#8a93a6', grid: { stroke: '#262c38' }, ticks: { stroke: '#262c38' } };
    const plot = new uPlot(
      {
        width: el.clientWidth || 300,
        height: 200,
        legend: { show: false },
        scales: { x: { time: false, distr: 3 }, y: { distr: 3 }, b: { distr: 3 } },
        axes: [
          {
            ...axis,
            label: 'input tokens M',
            labelSize: 16,
            values: (_u, v) => v.map((x) => (x == null || !isPow10(x) ? '' : x >= 1000 ? `${x / 1000}k` : String(x))),
          },
          {
            ...axis,
            label: 'FLOPs / example',
            labelSize: 16,
            size: axisSize,
            values: (_u, v) => v.map((x) => (x == null || !isPow10(x) ? '' : si(x))),
          },
        ],
        series: [
          { label: 'M' },
          { label: 'Perceiver FLOPs', stroke: '#69f0ae', width: 2, points: { show: false } },
          { label: 'Transformer FLOPs', stroke: '#ff8a80', width: 2, points: { show: false } },
          { label: 'Perceiver memory', stroke: '#69f0ae', dash: [4, 4], scale: 'b', width: 1, points: { show: false } },
          {
            label: 'Transformer memory',
            stroke: '#ff8a80',
            dash: [4, 4],
            scale: 'b',
            width: 1,
            points: { show: false },
          },
        ],
      },
      [
        points.map((p) => p.m),
        points.map((p) => p.perceiverFlops),
        points.map((p) => p.transformerFlops),
        points.map((p) => p.perceiverBytes),
        points.map((p) => p.transformerBytes),
      ],
      el,
    );
    return () => plot.destroy();
  }, [points, currentM]);
  return (
    <>
      <div
        ref={host}
        role="img"
        aria-label="FLOPs and activation memory against input size M, Perceiver and transformer"
      />
      <div className="chart-legend small">
        <span style={{ color: '#69f0ae' }}>━ Perceiver FLOPs</span>{' '}
        <span style={{ color: '#ff8a80' }}>━ Transformer FLOPs</span>{' '}
        <span className="muted">┄ activation memory (same colours)</span>
      </div>
    </>
  );
}

/** 1e9 → "1G": short FLOP tick labels. */
function si(x: number): string {
  for (const [d, u] of [
    [1e12, 'T'],
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ] as const)
    if (x >= d) return `${x / d}${u}`;
  return String(x);
}

function isPow10(x: number): boolean {
  const l = Math.log10(x);
  return Math.abs(l - Math.round(l)) < 1e-6;
}
