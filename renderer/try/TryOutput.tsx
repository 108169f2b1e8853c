/**
 * A Try prediction: top-k classes with probability bars, regression values, or the filled-in
 * bytes with their candidates; beside it the encoder attention over this very input (the Insight
 * overlay: MapCanvas over what the model saw, one latent or the mean of all) and each decoder's
 * query × latent map.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { allCells, cellsOf, colour, encoderSeries, examplePixels, maxOf, type CellGrid } from '../insight/heatmap';
import { MapCanvas, MatrixCanvas } from '../insight/MapCanvas';
import type { AttentionMap } from '../../engine/insight/attentionMaps';
import type { TryPrediction, TryWeightsInfo } from '../worker/protocol';
import { MASK_ID } from '../../engine/data/text';
import { tokenText } from '../worker/tryInput';
import { meanCells, percent } from './tryLogic';

export function TryOutput({ info, prediction }: { info: TryWeightsInfo; prediction: TryPrediction }) {
  const out = prediction.output;
  return (
    <div className="try-output">
      <section className="try-result" aria-label="Prediction" data-testid="try-prediction">
        <h4>Prediction</h4>
        <OutputOf info={info} out={out} nodeId={info.output.nodeId} />
        {prediction.more?.map((m) => (
          <div key={m.nodeId} className="try-more">
            <h4>
              <code>{m.nodeId}</code>
            </h4>
            <OutputOf info={info} out={m.output} nodeId={m.nodeId} />
          </div>
        ))}
      </section>
      <AttentionOfInput info={info} prediction={prediction} />
    </div>
  );
}

function OutputOf({ out, nodeId }: { info: TryWeightsInfo; out: TryPrediction['output']; nodeId: string }) {
  return (
    <>
      {out.kind === 'classes' && (
        <ol className="try-topk-list">
          {out.top.map((t, i) => (
            <li key={t.index} className={i === 0 ? 'best' : ''} data-testid="try-class">
              <span className="name">{t.name}</span>
              <span className="bar" aria-hidden="true">
                <span style={{ width: `${Math.max(0.5, t.p * 100)}%` }} />
              </span>
              <span className="p">{percent(t.p)}</span>
            </li>
          ))}
        </ol>
      )}
      {out.kind === 'values' && (
        <dl className="kv" data-testid="try-values">
          {out.values.slice(0, 64).map((v, i) => (
            <FragmentRow
              key={i}
              name={out.values.length === 1 ? nodeId : `${nodeId}[${i}]`}
              value={Number(v.toPrecision(6)).toString()}
            />
          ))}
          {out.values.length > 64 && <dd className="muted">… {out.values.length - 64} more values</dd>}
        </dl>
      )}
      {out.kind === 'tokens' && <TokenOutput out={out} />}
    </>
  );
}

function FragmentRow({ name, value }: { name: string; value: string }) {
  return (
    <>
      <dt>{name}</dt>
      <dd>{value}</dd>
    </>
  );
}

function TokenOutput({ out }: { out: Extract<TryPrediction['output'], { kind: 'tokens' }> }) {
  return (
    <div className="try-tokens">
      <div className="small muted">Filled in:</div>
      <pre className="try-filled" data-testid="try-filled">
        {out.filled}
      </pre>
      <table className="try-token-table" aria-label="Predicted bytes">
        <thead>
          <tr>
            <th>pos</th>
            <th>candidates</th>
          </tr>
        </thead>
        <tbody>
          {out.positions.slice(0, 48).map((p) => (
            <tr key={p.index} data-testid="try-token">
              <td>{p.index + 1}</td>
              <td>
                {p.top.map((t, i) => (
                  <span key={i} className={`cand${i === 0 ? ' best' : ''}`} title={`byte id ${t.byte}`}>
                    <code>{t.text}</code> {percent(t.p)}
                  </span>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {out.positions.length > 48 && <div className="small muted">… {out.positions.length - 48} more positions</div>}
    </div>
  );
}

type Pick = number | 'mean';

function AttentionOfInput({ info, prediction }: { info: TryWeightsInfo; prediction: TryPrediction }) {
  const series = useMemo(() => encoderSeries(prediction.maps), [prediction.maps]);
  const decoders = useMemo(() => prediction.maps.filter((m) => m.role === 'decoder'), [prediction.maps]);
  const [latent, setLatent] = useState<Pick>('mean');
  // The first encoder cross-attention (its first cross-attend): where the latents read this input.
  const map: AttentionMap | undefined = series[0]?.maps[0];
  const cells = useMemo(() => (map ? allCells(map, 'mean') : []), [map]);
  const shown: CellGrid | null =
    latent === 'mean' ? meanCells(cells) : (cells[Math.min(latent, cells.length - 1)] ?? null);
  const seen = prediction.seen;
  const image = seen.shape.length === 3;
  const [h, w] = seen.shape;
  const size = image ? { w: 200, h: Math.round((200 * h!) / w!) } : { w: 320, h: 28 };
  return (
    <section className="try-attention" aria-label="Attention over this input">
      <h4>Encoder attention over this input</h4>
      {prediction.mapsNote && <div className="small muted">{prediction.mapsNote}</div>}
      {!map && !prediction.mapsNote && (
        <div className="small muted">This graph has no encoder cross-attention to show.</div>
      )}
      {map && shown && (
        <>
          <div className="insight-controls">
            <label>
              Latent
              <select
                aria-label="Latent shown"
                value={String(latent)}
                onChange={(ev) => setLatent(ev.target.value === 'mean' ? 'mean' : Number(ev.target.value))}
              >
                <option value="mean">mean of {map.queries}</option>
                {Array.from({ length: map.queries }, (_, q) => (
                  <option key={q} value={q}>
                    latent {q + 1}
                  </option>
                ))}
              </select>
            </label>
            <span className="small muted">
              {map.nodeId} · {map.heads > 1 ? `mean of ${map.heads} heads` : '1 head'}
            </span>
          </div>
          <div className="try-maps">
            {image && (
              <figure>
                <SeenCanvas x={seen.x} shape={seen.shape} width={size.w} height={size.h} />
                <figcaption className="small muted">what the model saw</figcaption>
              </figure>
            )}
            <figure>
              <MapCanvas
                example={image ? seen : null}
                cells={shown}
                scale={maxOf(shown.values)}
                width={size.w}
                height={size.h}
                label={`Attention of ${latent === 'mean' ? 'all latents (mean)' : `latent ${latent + 1}`} over this input`}
                testId="try-attention-map"
                data={{
                  latent: String(latent),
                  peak: maxOf(shown.values).toFixed(4),
                }}
              />
              <figcaption className="small muted">
                {latent === 'mean' ? 'mean over latents' : `latent ${latent + 1}`}
              </figcaption>
            </figure>
          </div>
          {!image && seen.x.length === shown.values.length && (
            <InputStrip x={seen.x} cells={shown} names={info.input.kind === 'table' ? info.featureNames : []} />
          )}
        </>
      )}
      {decoders.map((d) => (
        <DecoderMatrix key={d.layer + d.call} map={d} onPick={(l) => setLatent(l)} />
      ))}
    </section>
  );
}

/** Text bytes (token ids) or table features (by column name) tinted by the attention each position receives. */
function InputStrip({ x, cells, names }: { x: Float32Array; cells: CellGrid; names: string[] }) {
  const scale = maxOf(cells.values);
  const ids = Array.from(x);
  const isText = !names.length && ids.every((v) => Number.isInteger(v) && v >= 0 && v < 262);
  let n = ids.length;
  if (isText) while (n > 0 && ids[n - 1] === 0) n--;
  return (
    <div className="token-strip bytes" data-testid="try-strip" aria-label="Attention over the input positions">
      {ids.slice(0, Math.min(n, 512)).map((v, i) => {
        const t = scale > 0 ? cells.values[i]! / scale : 0;
        const [r, g, b] = colour(t);
        return (
          <span
            key={i}
            title={`${names[i] ?? `position ${i + 1}`}${isText ? '' : ` = ${v.toFixed(3)} (as the model saw it)`}: ${(cells.values[i]! * 100).toFixed(2)}% of the attention`}
            style={{
              background: `rgb(${r},${g},${b})`,
              color: t > 0.6 ? '#000' : '#fff',
            }}
          >
            {isText ? stripText(v) : (names[i] ?? v.toFixed(2))}
          </span>
        );
      })}
    </div>
  );
}

/** One cell of the strip: a character, "·" for a space, "_" for a hidden byte. */
function stripText(id: number): string {
  if (id === MASK_ID) return '_';
  const t = tokenText(id);
  return t === 'space' ? '·' : t;
}

function DecoderMatrix({ map, onPick }: { map: AttentionMap; onPick: (latent: number) => void }) {
  const rows = Math.min(map.queries, 64);
  const values = useMemo(() => {
    const out = new Float32Array(rows * map.keys);
    for (let q = 0; q < rows; q++) out.set(cellsOf(map, q, 'mean').values, q * map.keys);
    return out;
  }, [map, rows]);
  return (
    <section className="try-decoder" aria-label={`Decoder ${map.nodeId}`}>
      <h4>
        Decoder <code>{map.nodeId}</code>: query × latent
      </h4>
      <MatrixCanvas
        values={values}
        rows={rows}
        cols={map.keys}
        width={Math.min(480, Math.max(map.keys * 8, 200))}
        height={Math.min(160, Math.max(20, rows * 6))}
        label={`Decoder ${map.nodeId}: which latents each query reads`}
        testId="try-decoder-map"
        onCell={(_r, c) => onPick(c)}
      />
      <div className="small muted">
        latents 1…{map.keys} across
        {map.queries > 1
          ? `, queries 1…${rows}${rows < map.queries ? ` of ${map.queries}` : ''} down`
          : ', the one output query'}{' '}
        · click a latent to show it above
      </div>
    </section>
  );
}

/** The input as the model received it (resized, normalised; stretched to its own range like Insight's examples). */
function SeenCanvas({ x, shape, width, height }: { x: Float32Array; shape: number[]; width: number; height: number }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const c = ref.current;
    const img = examplePixels(x, shape);
    if (!c || !img) return;
    const tmp = new OffscreenCanvas(img.w, img.h);
    tmp.getContext('2d')!.putImageData(new ImageData(img.rgba as Uint8ClampedArray<ArrayBuffer>, img.w, img.h), 0, 0);
    const ctx = c.getContext('2d')!;
    ctx.imageSmoothingEnabled = false;
    ctx.clearRect(0, 0, c.width, c.height);
    ctx.drawImage(tmp, 0, 0, c.width, c.height);
  }, [x, shape, width, height]);
  return (
    <canvas
      ref={ref}
      width={width}
      height={height}
      role="img"
      aria-label="What the model saw (after resizing and normalisation)"
      data-testid="try-seen"
    />
  );
}
