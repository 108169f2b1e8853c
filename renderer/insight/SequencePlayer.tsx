import { useEffect, useMemo, useRef, useState } from 'react';
import type { AttentionMap } from '../../engine/insight/attentionStats';
import { downloadCanvasPng } from './download';
import { cellsOf, maxOf, rowSummary } from './heatmap';
import { MapCanvas } from './MapCanvas';
import { composeCanvases } from './SmallMultiples';

/** Milliseconds each cross-attend is shown while playing. */
const FRAME_MS = 800;

/**
 * The original Perceiver's latents cross-attend to the input again and again: one latent's map
 * at every cross-attend side by side, and played in order so the glance can be seen moving.
 */
export function SequencePlayer({
  maps,
  step,
  onStep,
  example,
  latent,
  head,
  sharedScale,
  fileName,
}: {
  maps: AttentionMap[];
  step: number;
  onStep: (s: number) => void;
  example: { x: Float32Array; shape: number[] } | null;
  latent: number;
  head: number | 'mean';
  sharedScale: boolean;
  fileName: string;
}) {
  const [playing, setPlaying] = useState(false);
  const host = useRef<HTMLDivElement>(null);
  const stepRef = useRef(step);
  stepRef.current = step;
  const cells = useMemo(
    () =>
      maps.map((m) =>
        cellsOf(m, Math.min(latent, m.queries - 1), typeof head === 'number' && head < m.heads ? head : 'mean'),
      ),
    [maps, latent, head],
  );
  const scale = Math.max(...cells.map((c) => maxOf(c.values)));
  useEffect(() => {
    if (!playing) return;
    const t = setInterval(() => onStep((stepRef.current + 1) % maps.length), FRAME_MS);
    return () => clearInterval(t);
  }, [playing, maps.length, onStep]);
  const peaks = cells.map((c) => rowSummary(c).peakAt);
  return (
    <section className="sequence" aria-label="Successive cross-attends">
      <h4>
        Latent {latent + 1} at each of {maps.length} cross-attends
        <button
          type="button"
          className="link"
          onClick={() =>
            host.current &&
            downloadCanvasPng(composeCanvases([...host.current.querySelectorAll('canvas')], maps.length), fileName)
          }
        >
          Export PNG
        </button>
      </h4>
      <div className="player" role="group" aria-label="Cross-attend player">
        <button type="button" onClick={() => setPlaying((p) => !p)} aria-pressed={playing}>
          {playing ? '❚❚ Pause' : '▶ Play'}
        </button>
        <button type="button" onClick={() => (setPlaying(false), onStep((step + 1) % maps.length))}>
          Step ›
        </button>
        <input
          type="range"
          aria-label="Cross-attend step"
          min={0}
          max={maps.length - 1}
          value={step}
          onChange={(e) => (setPlaying(false), onStep(Number(e.target.value)))}
        />
        <span className="small" data-testid="sequence-step">
          cross-attend {step + 1} / {maps.length}
        </span>
      </div>
      <div ref={host} className="sequence-row" data-testid="sequence-row">
        {cells.map((c, i) => (
          <figure key={i} className={i === step ? 'selected' : ''}>
            <MapCanvas
              example={example}
              cells={c}
              scale={sharedScale ? scale : maxOf(c.values)}
              width={c.h > 1 ? 72 : 200}
              height={c.h > 1 ? 72 : 14}
              label={`Cross-attend ${i + 1}`}
              onClick={() => (setPlaying(false), onStep(i))}
            />
            <figcaption>
              {i + 1}
              {c.h > 1 && peaks[i] ? ` · ${peaks[i]![0] + 1},${peaks[i]![1] + 1}` : ''}
            </figcaption>
          </figure>
        ))}
      </div>
    </section>
  );
}
