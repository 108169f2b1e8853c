/**
 * Latent diagnostics per epoch: how spread out each latent's attention is (entropy), latents
 * that look nowhere in particular or that copy another, how alike the latents are, and the
 * gradient norm of every block. Measured by the worker after each epoch on one fixed example
 * and one fixed batch, so epochs compare like with like.
 */
import { useMemo, useRef, useState } from 'react';
import type { EpochDiagnostics } from '../../engine/insight/diagnostics';
import type { RunRecord } from '../../engine/insight/runs';
import { downloadCanvasPng, fileStem } from './download';
import { useInsight } from './insightStore';
import { MatrixCanvas } from './MapCanvas';
import { MiniChart, PALETTE, type ChartSeries } from './MiniChart';

export function DiagnosticsView() {
  const runs = useInsight((s) => s.runs);
  const liveId = useInsight((s) => s.liveRecordId);
  const withDiag = runs.filter((r) => (r.diagnostics?.length ?? 0) > 0 || r.id === liveId);
  const [picked, setPicked] = useState<string | null>(null);
  const run =
    withDiag.find((r) => r.id === picked) ??
    withDiag.find((r) => r.id === liveId) ??
    withDiag[withDiag.length - 1] ??
    null;
  const diags = run?.diagnostics ?? [];

  return (
    <div className="diagnostics-view" aria-label="Latent diagnostics">
      <div className="insight-controls">
        <label>
          Run
          <select
            aria-label="Diagnostics run"
            value={run?.id ?? ''}
            onChange={(e) => setPicked(e.target.value)}
            disabled={withDiag.length === 0}
          >
            {withDiag.length === 0 && <option value="">no runs yet</option>}
            {[...withDiag].reverse().map((r) => (
              <option key={r.id} value={r.id}>
                {r.name} ({r.status})
              </option>
            ))}
          </select>
        </label>
      </div>
      {diags.length === 0 ? (
        <div className="insight-empty" data-testid="diagnostics-empty">
          {run
            ? 'Diagnostics appear after each epoch of this run (set a small “Max steps per epoch” for quick epochs).'
            : 'Train the graph: attention entropy, latent similarity and gradient norms are measured after each epoch.'}
        </div>
      ) : (
        <RunDiagnostics run={run!} diags={diags} />
      )}
    </div>
  );
}

function RunDiagnostics({ run, diags }: { run: RunRecord; diags: EpochDiagnostics[] }) {
  const crossKeys = useMemo(() => {
    const seen = new Map<string, string>();
    for (const d of diags)
      for (const c of d.crossAttends)
        seen.set(
          `${c.nodeId}#${c.step}`,
          c.step > 0 || d.crossAttends.some((o) => o.nodeId === c.nodeId && o.step > 0)
            ? `${c.nodeId}, cross-attend ${c.step + 1}`
            : c.nodeId,
        );
    return [...seen];
  }, [diags]);
  const [key, setKey] = useState<string | null>(null);
  const chosen = crossKeys.find(([k]) => k === key)?.[0] ?? crossKeys[0]?.[0] ?? null;
  const epochs = diags.map((d) => d.epoch);
  const per = diags.map((d) => d.crossAttends.find((c) => `${c.nodeId}#${c.step}` === chosen) ?? null);
  const last = per[per.length - 1] ?? null;
  const stem = fileStem(run.name);

  const entropySeries: ChartSeries[] = useMemo(() => {
    const stat = (f: (v: number[]) => number) =>
      per.map((c) => (c && c.normalisedEntropy.length ? f(c.normalisedEntropy) : null));
    return [
      { label: 'mean', values: stat((v) => v.reduce((a, b) => a + b, 0) / v.length), colour: PALETTE[0]! },
      { label: 'min', values: stat((v) => Math.min(...v)), colour: PALETTE[2]!, dash: [4, 3] },
      { label: 'max', values: stat((v) => Math.max(...v)), colour: PALETTE[1]!, dash: [4, 3] },
    ];
  }, [per]);
  const healthSeries: ChartSeries[] = useMemo(
    () => [
      { label: 'near-uniform latents', values: per.map((c) => c?.nearUniform.length ?? null), colour: PALETTE[1]! },
      { label: 'collapsed pairs', values: per.map((c) => c?.collapsedPairs.length ?? null), colour: PALETTE[3]! },
    ],
    [per],
  );
  const similaritySeries: ChartSeries[] = useMemo(
    () => [{ label: 'mean similarity', values: per.map((c) => c?.meanSimilarity ?? null), colour: PALETTE[4]! }],
    [per],
  );
  const gradSeries: ChartSeries[] = useMemo(() => {
    const ids = [...new Set(diags.flatMap((d) => d.gradients.map((g) => g.nodeId)))];
    return ids.map((id, i) => ({
      label: id,
      values: diags.map((d) => d.gradients.find((g) => g.nodeId === id)?.norm ?? null),
      colour: PALETTE[i % PALETTE.length]!,
    }));
  }, [diags]);

  const latents = last?.latents ?? 0;
  /** Entropy per latent (rows) over epochs (columns). */
  const strip = useMemo(() => {
    const out = new Float32Array(latents * epochs.length);
    per.forEach((c, e) => c?.normalisedEntropy.forEach((v, l) => (out[l * epochs.length + e] = v)));
    return out;
  }, [per, latents, epochs.length]);
  const stripRef = useRef<HTMLCanvasElement>(null);
  const simRef = useRef<HTMLCanvasElement>(null);

  return (
    <>
      {crossKeys.length > 1 && (
        <label className="insight-controls">
          Cross-attention
          <select
            aria-label="Diagnostics cross-attention"
            value={chosen ?? ''}
            onChange={(e) => setKey(e.target.value)}
          >
            {crossKeys.map(([k, label]) => (
              <option key={k} value={k}>
                {label}
              </option>
            ))}
          </select>
        </label>
      )}
      {last && (
        <div className="diag-summary small" data-testid="diagnostics-summary">
          Epoch {diags[diags.length - 1]!.epoch}: {last.latents} latents over {last.keys} keys ·{' '}
          <b>{last.nearUniform.length}</b> near-uniform
          {last.nearUniform.length
            ? ` (${last.nearUniform
                .slice(0, 8)
                .map((l) => l + 1)
                .join(', ')}${last.nearUniform.length > 8 ? '…' : ''})`
            : ''}{' '}
          · <b>{last.collapsedPairs.length}</b> collapsed pairs
          {last.collapsedPairs.length
            ? ` (${last.collapsedPairs
                .slice(0, 4)
                .map(([a, b]) => `${a + 1}=${b + 1}`)
                .join(', ')}${last.collapsedPairs.length > 4 ? '…' : ''})`
            : ''}{' '}
          · mean similarity {last.meanSimilarity.toFixed(2)}
        </div>
      )}
      <div className="chart-grid">
        <MiniChart
          title="Attention entropy per latent (1 = uniform)"
          x={epochs}
          xLabel="epoch"
          integerX
          series={entropySeries}
          yRange={[0, 1]}
          testId="chart-entropy"
          fileName={`${stem}-entropy`}
        />
        <figure className="mini-chart">
          <figcaption>
            <span>Entropy of each latent (rows) by epoch</span>
            <button
              type="button"
              className="link"
              onClick={() => stripRef.current && downloadCanvasPng(stripRef.current, `${stem}-entropy-per-latent`)}
            >
              PNG
            </button>
          </figcaption>
          <MatrixCanvas
            ref={stripRef}
            values={strip}
            rows={latents}
            cols={epochs.length}
            width={Math.max(120, Math.min(260, epochs.length * 24))}
            height={Math.min(160, Math.max(40, latents * 4))}
            lo={0}
            hi={1}
            label="Entropy of each latent by epoch"
            testId="entropy-strip"
          />
        </figure>
        <MiniChart
          title="Near-uniform latents and collapsed pairs"
          x={epochs}
          xLabel="epoch"
          integerX
          series={healthSeries}
          integerY
          testId="chart-health"
          fileName={`${stem}-latent-health`}
        />
        <MiniChart
          title="Mean similarity between latents’ attention"
          x={epochs}
          xLabel="epoch"
          integerX
          series={similaritySeries}
          yRange={[0, 1]}
          testId="chart-similarity"
          fileName={`${stem}-similarity`}
        />
        {last?.similarity && (
          <figure className="mini-chart">
            <figcaption>
              <span>Latent × latent similarity, epoch {diags[diags.length - 1]!.epoch}</span>
              <button
                type="button"
                className="link"
                onClick={() => simRef.current && downloadCanvasPng(simRef.current, `${stem}-similarity-matrix`)}
              >
                PNG
              </button>
            </figcaption>
            <MatrixCanvas
              ref={simRef}
              values={last.similarity}
              rows={latents}
              cols={latents}
              width={160}
              height={160}
              lo={0}
              hi={1}
              label="Similarity between latents"
              testId="similarity-matrix"
            />
          </figure>
        )}
        <MiniChart
          title="Gradient norm per block (log)"
          x={epochs}
          xLabel="epoch"
          integerX
          series={gradSeries}
          logY
          testId="chart-gradients"
          fileName={`${stem}-gradient-norms`}
          height={180}
        />
      </div>
    </>
  );
}
