/**
 * Sweeps: pick one or two numeric parameters of the graph's nodes and their values; every
 * combination is trained in turn (same data, same seed, a small steps-per-epoch limit if wanted)
 * and drawn as accuracy against the parameter, the model size and the training time, with the
 * Pareto-best trade-offs marked.
 */
import { useMemo, useState } from 'react';
import type { GraphDoc } from '../../engine/graph/schema';
import { getKind } from '../../engine/kinds/registry';
import { axisKey, sweepVariants, type SweepAxis } from '../../engine/insight/sweep';
import { formatDuration, formatParams } from '../format';
import { fieldSpecs, humanise, type FieldSpec } from '../panels/paramFields';
import { activeDoc, useEditor } from '../state/store';
import { isTraining, useTrainer } from '../training/trainer';
import { MiniChart, PALETTE } from './MiniChart';
import { costChart, parameterChart, type SweepPoint } from './sweepCharts';
import { startSweep, stopSweep, useSweep, type SweepRow } from './sweepRunner';

type NumberSpec = Extract<FieldSpec, { type: 'number' }>;

function numericParams(doc: GraphDoc, nodeId: string): NumberSpec[] {
  const node = doc.nodes.find((n) => n.id === nodeId);
  const kind = node ? getKind(node.kind) : undefined;
  return kind ? fieldSpecs(kind.params).filter((f): f is NumberSpec => f.type === 'number') : [];
}

/** "16, 32 64" → numbers, checked against the param's schema; the error names the param. */
export function parseValues(
  text: string,
  spec: NumberSpec | undefined,
  name: string,
): { values: number[]; error: string | null } {
  const parts = text.split(/[\s,;]+/).filter(Boolean);
  if (!parts.length) return { values: [], error: `give ${name} some values, e.g. 16, 32` };
  const values: number[] = [];
  for (const p of parts) {
    const v = Number(p);
    if (!Number.isFinite(v)) return { values, error: `${name}: “${p}” is not a number` };
    if (spec?.int && !Number.isInteger(v)) return { values, error: `${name} takes whole numbers; “${p}” is not one` };
    if (spec?.min !== undefined && v < spec.min)
      return { values, error: `${name} must be at least ${spec.min}; “${p}” is smaller` };
    if (spec?.max !== undefined && v > spec.max)
      return { values, error: `${name} must be at most ${spec.max}; “${p}” is larger` };
    if (!values.includes(v)) values.push(v);
  }
  if (values.length > 12) return { values, error: `${name}: at most 12 values (${values.length} given)` };
  return { values, error: null };
}

interface AxisDraft {
  nodeId: string;
  param: string;
  text: string;
}

function AxisPicker({
  doc,
  draft,
  onChange,
  index,
}: {
  doc: GraphDoc;
  draft: AxisDraft;
  onChange: (d: AxisDraft) => void;
  index: number;
}) {
  const nodes = doc.nodes.filter((n) => numericParams(doc, n.id).length > 0);
  const params = numericParams(doc, draft.nodeId);
  const current = doc.nodes.find((n) => n.id === draft.nodeId)?.params[draft.param];
  return (
    <div className="sweep-axis" role="group" aria-label={`Sweep parameter ${index + 1}`}>
      <label>
        Node
        <select
          aria-label={`Parameter ${index + 1} node`}
          value={draft.nodeId}
          onChange={(e) =>
            onChange({ nodeId: e.target.value, param: numericParams(doc, e.target.value)[0]?.key ?? '', text: '' })
          }
        >
          {nodes.map((n) => (
            <option key={n.id} value={n.id}>
              {n.label ?? n.id}
            </option>
          ))}
        </select>
      </label>
      <label>
        Parameter
        <select
          aria-label={`Parameter ${index + 1}`}
          value={draft.param}
          onChange={(e) => onChange({ ...draft, param: e.target.value, text: '' })}
        >
          {params.map((p) => (
            <option key={p.key} value={p.key} title={p.help}>
              {humanise(p.key)}
            </option>
          ))}
        </select>
      </label>
      <label>
        Values
        <input
          aria-label={`Parameter ${index + 1} values`}
          value={draft.text}
          placeholder={
            current !== undefined && current !== null
              ? `now ${current}; e.g. ${current}, ${Number(current) * 2}`
              : 'e.g. 16, 32'
          }
          onChange={(e) => onChange({ ...draft, text: e.target.value })}
        />
      </label>
    </div>
  );
}

export function SweepView() {
  const doc = useEditor((s) => activeDoc(s));
  const sweep = useSweep((s) => s);
  const training = useTrainer((s) => isTraining(s));
  const firstNode = doc.nodes.find((n) => numericParams(doc, n.id).length > 0)?.id ?? '';
  const [axes, setAxes] = useState<AxisDraft[]>([
    { nodeId: firstNode, param: numericParams(doc, firstNode)[0]?.key ?? '', text: '' },
  ]);
  const [epochs, setEpochs] = useState('1');
  const [steps, setSteps] = useState('20');
  const [error, setError] = useState<string | null>(null);
  const running = sweep.status === 'running' || sweep.status === 'stopping';

  const parsed = axes.map((a) => {
    const spec = numericParams(doc, a.nodeId).find((p) => p.key === a.param);
    return { ...a, ...parseValues(a.text, spec, `${a.nodeId}.${a.param}`) };
  });
  const epochsN = Number(epochs);
  const stepsN = steps.trim() === '' ? null : Number(steps);
  const formError =
    parsed.find((p) => p.error)?.error ??
    (!Number.isInteger(epochsN) || epochsN < 1 ? 'Epochs per variant: a whole number ≥ 1' : null) ??
    (stepsN !== null && (!Number.isInteger(stepsN) || stepsN < 1)
      ? 'Steps per epoch: a whole number ≥ 1, or empty for full epochs'
      : null) ??
    (axes.length === 2 && axes[0]!.nodeId === axes[1]!.nodeId && axes[0]!.param === axes[1]!.param
      ? 'Pick two different parameters'
      : null);
  const sweepDoc = useMemo(
    () => ({
      ...doc,
      training: { ...doc.training, epochs: Number.isInteger(epochsN) && epochsN >= 1 ? epochsN : doc.training.epochs },
    }),
    [doc, epochsN],
  );
  const preview = useMemo(() => {
    if (formError) return null;
    try {
      return sweepVariants(
        sweepDoc,
        parsed.map((p): SweepAxis => ({ nodeId: p.nodeId, param: p.param, values: p.values })),
      );
    } catch (err) {
      return (err as Error).message;
    }
  }, [sweepDoc, formError, JSON.stringify(parsed.map((p) => [p.nodeId, p.param, p.values]))]);

  const run = () => {
    setError(null);
    try {
      startSweep(
        sweepDoc,
        parsed.map((p) => ({ nodeId: p.nodeId, param: p.param, values: p.values })),
        { maxStepsPerEpoch: stepsN },
      );
    } catch (err) {
      setError((err as Error).message);
    }
  };

  return (
    <div className="sweep-view" aria-label="Sweep">
      <fieldset disabled={running} className="sweep-form">
        <legend>Parameters to sweep</legend>
        {axes.map((a, i) => (
          <AxisPicker
            key={i}
            index={i}
            doc={doc}
            draft={a}
            onChange={(d) => setAxes(axes.map((x, j) => (j === i ? d : x)))}
          />
        ))}
        <div className="insight-controls">
          {axes.length === 1 ? (
            <button
              type="button"
              onClick={() =>
                setAxes([
                  ...axes,
                  {
                    nodeId: firstNode,
                    param: numericParams(doc, firstNode)[1]?.key ?? numericParams(doc, firstNode)[0]?.key ?? '',
                    text: '',
                  },
                ])
              }
            >
              + Second parameter
            </button>
          ) : (
            <button type="button" onClick={() => setAxes(axes.slice(0, 1))}>
              − Second parameter
            </button>
          )}
          <label>
            Epochs per variant
            <input
              aria-label="Epochs per variant"
              value={epochs}
              inputMode="numeric"
              onChange={(e) => setEpochs(e.target.value)}
            />
          </label>
          <label>
            Steps per epoch
            <input
              aria-label="Sweep steps per epoch"
              value={steps}
              placeholder="full"
              inputMode="numeric"
              onChange={(e) => setSteps(e.target.value)}
            />
          </label>
        </div>
        <div className="small muted">
          Every variant trains on the same data with seed {doc.training.seed}, batch {doc.training.batchSize},{' '}
          {doc.training.optimizer} at {doc.training.learningRate}.
        </div>
        {formError && axes.some((a) => a.text) && <div className="error-text small">{formError}</div>}
        {typeof preview === 'string' && <div className="error-text small">{preview}</div>}
        {Array.isArray(preview) && (
          <div className="small" data-testid="sweep-preview">
            {preview.length} variant{preview.length === 1 ? '' : 's'}:{' '}
            {preview.map((v) => (
              <span key={v.label} className={v.error ? 'bad' : ''} title={v.error}>
                {v.label} ({v.error ? 'invalid' : `${formatParams(v.totalParams)} params`}){' '}
              </span>
            ))}
          </div>
        )}
      </fieldset>
      <div className="insight-controls">
        {running ? (
          <button type="button" onClick={stopSweep} disabled={sweep.status === 'stopping'}>
            {sweep.status === 'stopping' ? 'Stopping…' : 'Stop sweep'}
          </button>
        ) : (
          <button
            type="button"
            className="primary"
            disabled={!!formError || !Array.isArray(preview) || training}
            onClick={run}
            title={training ? 'A training run is in progress' : undefined}
          >
            Run sweep
          </button>
        )}
        {sweep.status !== 'idle' && (
          <span className="small" data-testid="sweep-status">
            {sweep.status === 'running'
              ? `Training variant ${sweep.current + 1} of ${sweep.rows.length}…`
              : sweep.status === 'stopping'
                ? 'Stopping after this step…'
                : sweep.status === 'done'
                  ? 'Sweep finished'
                  : 'Sweep stopped'}
          </span>
        )}
      </div>
      {error && (
        <div className="error-text" role="alert">
          {error}
        </div>
      )}
      {sweep.rows.length > 0 && <SweepResults rows={sweep.rows} axes={sweep.axes} name={sweep.docName} />}
    </div>
  );
}

function SweepResults({ rows, axes, name }: { rows: SweepRow[]; axes: SweepAxis[]; name: string }) {
  const points: SweepPoint[] = rows
    .filter((r) => r.status === 'done')
    .map((r) => ({
      label: r.label,
      values: r.values,
      cost: r.totalParams,
      score: r.testAccuracy ?? r.valAccuracy ?? NaN,
    }));
  const byParams = costChart(points);
  const byTime = costChart(points.map((p) => ({ ...p, cost: rows.find((r) => r.label === p.label)!.seconds ?? NaN })));
  const keys = axes.map(axisKey);
  const byParam = parameterChart(points, keys[0]!, keys[1] ?? null);
  const best = new Set([...byParams.frontLabels, ...byTime.frontLabels]);
  const stem = name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  return (
    <>
      <div className="chart-grid">
        <MiniChart
          title={`Accuracy against ${keys[0]}`}
          x={byParam.x}
          xLabel={keys[0]!}
          series={byParam.series.map((s, i) => ({ ...s, colour: PALETTE[i % PALETTE.length]! }))}
          percentY
          integerX={byParam.x.every(Number.isInteger)}
          testId="sweep-chart-param"
          fileName={`${stem}-sweep-accuracy-vs-parameter`}
        />
        <MiniChart
          title="Accuracy against model size (ringed: Pareto-best)"
          x={byParams.x}
          xLabel="parameters"
          series={[
            { label: 'variant', values: byParams.all, colour: PALETTE[0]!, points: true },
            { label: 'Pareto-best', values: byParams.front, colour: PALETTE[2]!, points: true, highlight: true },
          ]}
          percentY
          testId="sweep-chart-size"
          fileName={`${stem}-sweep-accuracy-vs-size`}
        />
        <MiniChart
          title="Accuracy against training time (ringed: Pareto-best)"
          x={byTime.x}
          xLabel="seconds"
          series={[
            { label: 'variant', values: byTime.all, colour: PALETTE[0]!, points: true },
            { label: 'Pareto-best', values: byTime.front, colour: PALETTE[2]!, points: true, highlight: true },
          ]}
          percentY
          testId="sweep-chart-time"
          fileName={`${stem}-sweep-accuracy-vs-time`}
        />
      </div>
      <table className="runs-table" data-testid="sweep-table">
        <thead>
          <tr>
            <th>Variant</th>
            <th>Status</th>
            <th>Accuracy</th>
            <th>Params</th>
            <th>Time</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.label} className={`s-${r.status}`} data-status={r.status}>
              <td>
                {best.has(r.label) && (
                  <span title="Pareto-best: no other variant is both smaller/faster and more accurate">★ </span>
                )}
                {r.label}
              </td>
              <td title={r.error ?? r.message}>{r.status === 'skipped' ? `skipped: ${r.error}` : r.status}</td>
              <td data-testid="sweep-accuracy">
                {r.testAccuracy !== null
                  ? `${(r.testAccuracy * 100).toFixed(1)}%`
                  : r.valAccuracy !== null
                    ? `${(r.valAccuracy * 100).toFixed(1)}% (val)`
                    : '–'}
              </td>
              <td>{formatParams(r.totalParams)}</td>
              <td>{r.seconds !== null ? formatDuration(r.seconds) : '–'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
