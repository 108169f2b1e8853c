/**
 * Run history: every training run with its graph, settings, data and results. Overlay the curves
 * of selected runs, sort by any result, export the table as CSV, and restore a run's graph into a
 * new tab (the current graph is left as it is).
 */
import { useMemo, useState } from 'react';
import { finalValAccuracy, runsToCsv, sortRuns, type RunRecord, type RunSortKey } from '../../engine/insight/runs';
import { formatDuration, formatParams } from '../format';
import { newTab, notify } from '../state/store';
import { downloadText } from './download';
import { removeRuns, useInsight } from './insightStore';
import { MiniChart, PALETTE, type ChartSeries } from './MiniChart';

const METRICS = {
  valAccuracy: { label: 'validation accuracy', pick: (e: RunRecord['epochs'][number]) => e.valAccuracy, percent: true },
  accuracy: { label: 'training accuracy', pick: (e: RunRecord['epochs'][number]) => e.accuracy, percent: true },
  loss: { label: 'training loss', pick: (e: RunRecord['epochs'][number]) => e.loss, percent: false },
  valLoss: { label: 'validation loss', pick: (e: RunRecord['epochs'][number]) => e.valLoss, percent: false },
} as const;
type Metric = keyof typeof METRICS;

const COLUMNS: { key: RunSortKey; label: string }[] = [
  { key: 'name', label: 'Run' },
  { key: 'testAccuracy', label: 'Test acc' },
  { key: 'valAccuracy', label: 'Val acc' },
  { key: 'testLoss', label: 'Test loss' },
  { key: 'totalParams', label: 'Params' },
  { key: 'seconds', label: 'Time' },
  { key: 'startedMs', label: 'Started' },
];

const pct = (v: number | null | undefined) =>
  v === null || v === undefined || !Number.isFinite(v) ? '–' : `${(v * 100).toFixed(1)}%`;

export function RunsView() {
  const runs = useInsight((s) => s.runs);
  const loaded = useInsight((s) => s.runsLoaded);
  const storageError = useInsight((s) => s.storageError);
  const [sort, setSort] = useState<{ key: RunSortKey; desc: boolean }>({ key: 'startedMs', desc: true });
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [metric, setMetric] = useState<Metric>('valAccuracy');
  const sorted = useMemo(() => sortRuns(runs, sort.key, sort.desc), [runs, sort]);
  // Until the user picks, overlay the newest few runs.
  const overlay = selected.size ? runs.filter((r) => selected.has(r.id)) : runs.slice(-3);

  const chart = useMemo(() => {
    const maxEpochs = Math.max(0, ...overlay.map((r) => r.epochs.length));
    const x = Array.from({ length: maxEpochs }, (_, i) => i + 1);
    const series: ChartSeries[] = overlay.map((r, i) => ({
      label: r.name,
      colour: PALETTE[i % PALETTE.length]!,
      values: x.map((_, e) => (r.epochs[e] ? METRICS[metric].pick(r.epochs[e]!) : null)),
    }));
    return { x, series };
  }, [overlay, metric]);

  const toggle = (id: string) =>
    setSelected((s) => {
      const n = new Set(s);
      if (n.has(id)) n.delete(id);
      else n.add(id);
      return n;
    });
  const sortBy = (key: RunSortKey) =>
    setSort((s) => ({ key, desc: s.key === key ? !s.desc : key !== 'name' && key !== 'testLoss' }));
  const restore = (r: RunRecord) => {
    newTab({ ...r.graph, name: `${r.graph.name} (from ${r.name})` });
    notify('info', `Opened the graph of “${r.name}” in a new tab`);
  };

  return (
    <div className="runs-view" aria-label="Run history">
      {storageError && <div className="error-text small">{storageError}</div>}
      <div className="insight-controls">
        <label>
          Curve
          <select aria-label="Overlay metric" value={metric} onChange={(e) => setMetric(e.target.value as Metric)}>
            {Object.entries(METRICS).map(([k, m]) => (
              <option key={k} value={k}>
                {m.label}
              </option>
            ))}
          </select>
        </label>
        <span className="small muted">
          {selected.size ? `${selected.size} selected` : 'tick runs to overlay them (showing the newest)'}
        </span>
      </div>
      <MiniChart
        title={`${METRICS[metric].label} by epoch`}
        x={chart.x}
        xLabel="epoch"
        integerX
        series={chart.series}
        percentY={METRICS[metric].percent}
        testId="runs-overlay"
        fileName={`runs-${metric}`}
        height={170}
      />

      <div className="insight-controls">
        <button
          type="button"
          disabled={!runs.length}
          onClick={() => downloadText(runsToCsv(sorted), 'perceiver-runs.csv')}
        >
          Export CSV
        </button>
        <button
          type="button"
          disabled={!selected.size}
          onClick={() => (void removeRuns([...selected]), setSelected(new Set()))}
        >
          Delete selected
        </button>
        <span className="small muted">
          {loaded ? `${runs.length} run${runs.length === 1 ? '' : 's'}` : 'loading the run history…'}
        </span>
      </div>
      {runs.length === 0 ? (
        <div className="insight-empty">No runs yet: every training run (and every sweep variant) is recorded here.</div>
      ) : (
        <div className="table-scroll">
          <table className="runs-table" data-testid="runs-table">
            <thead>
              <tr>
                <th aria-label="Overlay" />
                {COLUMNS.map((c) => (
                  <th key={c.key} aria-sort={sort.key === c.key ? (sort.desc ? 'descending' : 'ascending') : 'none'}>
                    <button type="button" className="th-sort" onClick={() => sortBy(c.key)}>
                      {c.label}
                      {sort.key === c.key ? (sort.desc ? ' ▾' : ' ▴') : ''}
                    </button>
                  </th>
                ))}
                <th />
              </tr>
            </thead>
            <tbody>
              {sorted.map((r) => (
                <tr key={r.id} className={`s-${r.status}`}>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`Overlay ${r.name}`}
                      checked={selected.has(r.id)}
                      onChange={() => toggle(r.id)}
                    />
                  </td>
                  <td
                    className="run-name"
                    title={`${r.dataName} · ${r.backend} · ${r.status}${r.message ? ` — ${r.message}` : ''}`}
                  >
                    {r.name}
                    <div className="small muted">
                      {r.status}
                      {r.sweep
                        ? ` · sweep ${Object.entries(r.sweep.values)
                            .map(([k, v]) => `${k}=${v}`)
                            .join(', ')}`
                        : ''}
                      {r.startedFrom
                        ? ` · fine-tuned from ${r.startedFrom.label}${r.startedFrom.frozenNodes.length ? ', encoder frozen' : ''}`
                        : ''}
                    </div>
                  </td>
                  <td>{pct(r.testAccuracy)}</td>
                  <td>{pct(finalValAccuracy(r))}</td>
                  <td>{r.testLoss?.toFixed(3) ?? '–'}</td>
                  <td>{formatParams(r.totalParams)}</td>
                  <td>{r.seconds !== null ? formatDuration(r.seconds) : '–'}</td>
                  <td className="small">{new Date(r.startedMs).toLocaleString()}</td>
                  <td>
                    <button
                      type="button"
                      className="link"
                      onClick={() => restore(r)}
                      aria-label={`Restore the graph of ${r.name}`}
                    >
                      Restore
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
