/**
 * Where each latent looks: the encoder cross-attention of the newest model for one example, laid
 * over the input; all latents as small multiples; the original Perceiver's successive
 * cross-attends side by side and as a playable sequence; and which latents each output query
 * of the decoder reads.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { AttentionMap } from '../../engine/insight/attentionStats';
import { useTrainer } from '../training/trainer';
import { downloadCanvasPng, fileStem } from './download';
import { allCells, cellsOf, colour, encoderSeries, maxOf, rowSummary } from './heatmap';
import { requestAttention, useInsight } from './insightStore';
import { MapCanvas, MatrixCanvas } from './MapCanvas';
import { SequencePlayer } from './SequencePlayer';
import { SmallMultiples } from './SmallMultiples';

type Head = number | 'mean';

export function AttentionView() {
  const att = useInsight((s) => s.attention);
  const liveEpochs = useInsight((s) => s.runs.find((r) => r.id === s.liveRecordId)?.epochs.length ?? 0);
  const trainStatus = useTrainer((s) => s.status);
  const trainRun = useTrainer((s) => s.runId);
  const snap = att.snapshot;

  // Ask on first view, and again whenever the model has moved on (an epoch, the end of a run).
  useEffect(() => {
    requestAttention(att.split, att.index);
  }, [liveEpochs, trainStatus, trainRun]);

  const series = useMemo(() => (snap ? encoderSeries(snap.maps) : []), [snap]);
  const decoders = useMemo(() => (snap ? snap.maps.filter((m) => m.role === 'decoder') : []), [snap]);
  const [nodeId, setNodeId] = useState<string | null>(null);
  const current = series.find((s) => s.nodeId === nodeId) ?? series[0] ?? null;
  const [head, setHead] = useState<Head>('mean');
  const [latent, setLatent] = useState(0);
  const [step, setStep] = useState(0);
  const [sharedScale, setSharedScale] = useState(false);
  const main = useRef<HTMLCanvasElement>(null);

  const stepCount = current?.maps.length ?? 0;
  const map: AttentionMap | null = current ? current.maps[Math.min(step, stepCount - 1)]! : null;
  const latents = map?.queries ?? 0;
  const safeLatent = Math.min(latent, Math.max(0, latents - 1));
  const safeHead: Head = map && typeof head === 'number' && head >= map.heads ? 'mean' : head;
  const cells = useMemo(() => (map ? allCells(map, safeHead) : []), [map, safeHead]);
  const shared = useMemo(() => Math.max(...cells.map((c) => maxOf(c.values)), 0), [cells]);
  const one = cells[safeLatent];
  const summary = one ? rowSummary(one) : null;
  const example = snap ? { x: snap.example.x, shape: snap.example.shape } : null;

  if (!snap) {
    return (
      <div className="insight-empty" data-testid="attention-empty">
        {att.loading
          ? 'Asking the model…'
          : (att.error ?? 'Train the graph (a few steps are enough), then its attention shows here.')}
      </div>
    );
  }

  const e = snap.example;
  const gridText = map?.keyGrid ? `${map.keyGrid.join('×')} grid` : `${map?.keys ?? 0} tokens`;
  return (
    <div className="attention-view" aria-label="Attention maps">
      <div className="insight-meta muted small" data-testid="attention-meta">
        {snap.docName} · run {snap.runId} · {snap.training ? 'training, ' : ''}
        {snap.epoch === null ? 'during epoch 1' : `after epoch ${snap.epoch}`}
        {att.loading && ' · updating…'}
      </div>
      {att.error && <div className="error-text">{att.error}</div>}

      <div className="insight-controls">
        <label>
          Split
          <select
            aria-label="Example split"
            value={att.split}
            onChange={(ev) => requestAttention(ev.target.value as typeof att.split, 0)}
          >
            <option value="test">test</option>
            <option value="validation">validation</option>
            <option value="train">train</option>
          </select>
        </label>
        <Stepper
          label="Example"
          value={e.index}
          max={e.splitSize - 1}
          onChange={(i) => requestAttention(att.split, i)}
        />
        <span className="small" data-testid="attention-prediction">
          label <b>{e.classNames[e.label] ?? e.label}</b> → predicted{' '}
          <b className={e.predicted === e.label ? 'ok' : 'bad'}>{e.classNames[e.predicted] ?? e.predicted}</b> (
          {((e.probabilities[e.predicted] ?? 0) * 100).toFixed(0)}%)
        </span>
      </div>

      {!current && <div className="insight-empty">This graph has no encoder cross-attention to show.</div>}
      {current && map && one && (
        <>
          <div className="insight-controls">
            {series.length > 1 && (
              <label>
                Cross-attention
                <select
                  aria-label="Cross-attention node"
                  value={current.nodeId}
                  onChange={(ev) => (setNodeId(ev.target.value), setStep(0))}
                >
                  {series.map((s) => (
                    <option key={s.nodeId} value={s.nodeId}>
                      {s.nodeId}
                    </option>
                  ))}
                </select>
              </label>
            )}
            <label>
              Head
              <select
                aria-label="Head"
                value={String(safeHead)}
                onChange={(ev) => setHead(ev.target.value === 'mean' ? 'mean' : Number(ev.target.value))}
              >
                <option value="mean">mean of {map.heads}</option>
                {map.heads > 1 &&
                  Array.from({ length: map.heads }, (_, h) => (
                    <option key={h} value={h}>
                      head {h + 1}
                    </option>
                  ))}
              </select>
            </label>
            <label className="check">
              <input type="checkbox" checked={sharedScale} onChange={(ev) => setSharedScale(ev.target.checked)} /> one
              colour scale for all latents
            </label>
          </div>

          <div className="attention-main">
            <div>
              <MapCanvas
                ref={main}
                example={example}
                cells={one}
                scale={sharedScale ? shared : maxOf(one.values)}
                width={one.h > 1 ? 240 : 480}
                height={one.h > 1 ? Math.round((240 * (e.shape[0] ?? one.h)) / (e.shape[1] ?? one.w)) : 36}
                label={`Attention of latent ${safeLatent + 1} over the input`}
                testId="attention-main"
                data={{ latent: safeLatent, step: map.step, head: String(safeHead), peak: summary!.peak.toFixed(4) }}
              />
              <div className="legend-row small muted">
                <span>0</span>
                <span className="legend-bar" />
                <span>{(sharedScale ? shared : summary!.peak).toFixed(3)}</span>
              </div>
            </div>
            <div className="attention-side">
              <Stepper label="Latent" value={safeLatent} max={latents - 1} onChange={setLatent} oneBased />
              <input
                type="range"
                aria-label="Latent slider"
                min={0}
                max={latents - 1}
                value={safeLatent}
                onChange={(ev) => setLatent(Number(ev.target.value))}
              />
              <dl className="kv small">
                <dt>peak</dt>
                <dd>
                  {(summary!.peak * 100).toFixed(1)}% at{' '}
                  {one.h > 1
                    ? `row ${summary!.peakAt[0] + 1}, col ${summary!.peakAt[1] + 1}`
                    : `token ${summary!.peakAt[1] + 1}`}
                </dd>
                <dt>spread</dt>
                <dd title="entropy / log(keys): 1 = looks everywhere equally">
                  {(summary!.normalisedEntropy * 100).toFixed(0)}% of uniform
                </dd>
                <dt>keys</dt>
                <dd>{gridText}</dd>
                {stepCount > 1 && (
                  <>
                    <dt>cross-attend</dt>
                    <dd>
                      {map.step + 1} of {stepCount} ({map.layer.split('__')[1] ?? map.layer}, call {map.call + 1})
                    </dd>
                  </>
                )}
              </dl>
              <button
                type="button"
                onClick={() =>
                  main.current &&
                  downloadCanvasPng(
                    main.current,
                    `${fileStem(snap.docName)}-latent-${safeLatent + 1}-step-${map.step + 1}`,
                  )
                }
              >
                Export map PNG
              </button>
            </div>
          </div>

          {stepCount > 1 && (
            <SequencePlayer
              maps={current.maps}
              step={Math.min(step, stepCount - 1)}
              onStep={setStep}
              example={example}
              latent={safeLatent}
              head={safeHead}
              sharedScale={sharedScale}
              fileName={`${fileStem(snap.docName)}-latent-${safeLatent + 1}-cross-attends`}
            />
          )}

          {one.h === 1 && e.x.length === map.keys && (
            <TokenStrip x={e.x} cells={one} scale={sharedScale ? shared : maxOf(one.values)} />
          )}

          <SmallMultiples
            title={stepCount > 1 ? `All latents at cross-attend ${map.step + 1}` : 'All latents'}
            cells={cells}
            example={example}
            selected={safeLatent}
            onPick={setLatent}
            sharedScale={sharedScale ? shared : null}
            fileName={`${fileStem(snap.docName)}-all-latents-step-${map.step + 1}`}
          />
        </>
      )}

      {decoders.map((d) => (
        <DecoderMap
          key={d.layer + d.call}
          map={d}
          head={typeof head === 'number' && head < d.heads ? head : 'mean'}
          selected={safeLatent}
          onPick={setLatent}
          fileName={`${fileStem(snap.docName)}-${d.nodeId}`}
        />
      ))}
    </div>
  );
}

/**
 * A sequence input (text bytes, tabular features) token by token, each tinted by the latent's
 * attention: which characters or features it reads.
 */
function TokenStrip({ x, cells, scale }: { x: Float32Array; cells: { values: Float32Array }; scale: number }) {
  const shown = Math.min(x.length, 512);
  const bytes = Array.from(x.subarray(0, shown)).every((v) => Number.isInteger(v) && v >= 0 && v < 256);
  const text = (v: number) =>
    bytes
      ? v >= 32 && v < 127
        ? String.fromCharCode(v)
        : v === 0
          ? '∅'
          : '·'
      : Math.abs(v) >= 100
        ? v.toFixed(0)
        : v.toFixed(2);
  return (
    <div
      className={`token-strip${bytes ? ' bytes' : ''}`}
      aria-label="Attention over the input tokens"
      data-testid="token-strip"
    >
      {Array.from({ length: shown }, (_, i) => {
        const t = scale > 0 ? cells.values[i]! / scale : 0;
        const [r, g, b] = colour(t);
        return (
          <span
            key={i}
            title={`token ${i + 1}: ${(cells.values[i]! * 100).toFixed(2)}%`}
            style={{ background: `rgb(${r},${g},${b})`, color: t > 0.6 ? '#000' : '#fff' }}
          >
            {text(x[i]!)}
          </span>
        );
      })}
      {x.length > shown && <span className="muted"> … {x.length - shown} more</span>}
    </div>
  );
}

function Stepper({
  label,
  value,
  max,
  onChange,
  oneBased,
}: {
  label: string;
  value: number;
  max: number;
  onChange: (v: number) => void;
  oneBased?: boolean;
}) {
  const off = oneBased ? 1 : 0;
  const [text, setText] = useState(String(value + off));
  useEffect(() => setText(String(value + off)), [value, off]);
  const commit = () => {
    const n = Math.round(Number(text)) - off;
    if (Number.isFinite(n)) onChange(Math.max(0, Math.min(max, n)));
    else setText(String(value + off));
  };
  return (
    <span className="stepper">
      <span className="small">{label}</span>
      <button
        type="button"
        aria-label={`Previous ${label.toLowerCase()}`}
        disabled={value <= 0}
        onClick={() => onChange(value - 1)}
      >
        ‹
      </button>
      <input
        aria-label={label}
        value={text}
        inputMode="numeric"
        onChange={(ev) => setText(ev.target.value)}
        onBlur={commit}
        onKeyDown={(ev) => ev.key === 'Enter' && commit()}
      />
      <span className="small muted">/ {max + off}</span>
      <button
        type="button"
        aria-label={`Next ${label.toLowerCase()}`}
        disabled={value >= max}
        onClick={() => onChange(value + 1)}
      >
        ›
      </button>
    </span>
  );
}

/** Which latents each output query reads: queries × latents, one row per query. */
function DecoderMap({
  map,
  head,
  selected,
  onPick,
  fileName,
}: {
  map: AttentionMap;
  head: Head;
  selected: number;
  onPick: (l: number) => void;
  fileName: string;
}) {
  const ref = useRef<HTMLCanvasElement>(null);
  const rowsShown = Math.min(map.queries, 64);
  const values = useMemo(() => {
    const out = new Float32Array(rowsShown * map.keys);
    for (let q = 0; q < rowsShown; q++) out.set(cellsOf(map, q, head).values, q * map.keys);
    return out;
  }, [map, head, rowsShown]);
  const top = useMemo(() => {
    const row = Array.from(values.subarray(0, map.keys));
    return row
      .map((v, i) => [v, i] as const)
      .sort((a, b) => b[0] - a[0])
      .slice(0, 3);
  }, [values, map.keys]);
  return (
    <section className="decoder-map" aria-label={`Decoder ${map.nodeId}`}>
      <h4>
        Decoder <code>{map.nodeId}</code>: which latents{' '}
        {map.queries === 1 ? 'the output query reads' : 'each output query reads'}
      </h4>
      <MatrixCanvas
        ref={ref}
        values={values}
        rows={rowsShown}
        cols={map.keys}
        width={Math.max(map.keys * 12, 240)}
        height={Math.min(200, Math.max(24, rowsShown * 12))}
        label={`Decoder ${map.nodeId} attention over latents`}
        testId="decoder-map"
        onCell={(_r, c) => onPick(c)}
      />
      <div className="small muted">
        latents 1…{map.keys} across
        {map.queries > 1 ? `, queries 1…${rowsShown}${rowsShown < map.queries ? ` of ${map.queries}` : ''} down` : ''} ·
        query 1 reads most:{' '}
        {top.map(([v, i]) => `${i === selected ? '▸' : ''}${i + 1} (${(v * 100).toFixed(0)}%)`).join(', ')} · click a
        latent to show it above
      </div>
      <button type="button" onClick={() => ref.current && downloadCanvasPng(ref.current, fileName)}>
        Export decoder PNG
      </button>
    </section>
  );
}
