import { useRef } from 'react';
import { downloadCanvasPng } from './download';
import { maxOf, type CellGrid } from './heatmap';
import { MapCanvas } from './MapCanvas';

/** Canvases side by side as one PNG (small multiples, cross-attend sequences). */
export function composeCanvases(canvases: HTMLCanvasElement[], cols: number, gap = 4): HTMLCanvasElement {
  const w = Math.max(...canvases.map((c) => c.width));
  const h = Math.max(...canvases.map((c) => c.height));
  const rows = Math.ceil(canvases.length / cols);
  const out = document.createElement('canvas');
  out.width = cols * w + (cols - 1) * gap;
  out.height = rows * h + (rows - 1) * gap;
  const ctx = out.getContext('2d')!;
  canvases.forEach((c, i) => ctx.drawImage(c, (i % cols) * (w + gap), Math.floor(i / cols) * (h + gap)));
  return out;
}

/** Every latent's map at once; click one to pick it. */
export function SmallMultiples({
  title,
  cells,
  example,
  selected,
  onPick,
  sharedScale,
  fileName,
}: {
  title: string;
  cells: CellGrid[];
  example: { x: Float32Array; shape: number[] } | null;
  selected: number;
  onPick: (l: number) => void;
  sharedScale: number | null;
  fileName: string;
}) {
  const host = useRef<HTMLDivElement>(null);
  const seq = (cells[0]?.h ?? 1) === 1;
  const size = cells.length > 64 ? 48 : 64;
  const shown = cells.slice(0, 256);
  return (
    <section className="small-multiples" aria-label="All latents">
      <h4>
        {title}
        {cells.length > shown.length ? ` (first ${shown.length} of ${cells.length})` : ''}
        <button
          type="button"
          className="link"
          onClick={() =>
            host.current &&
            downloadCanvasPng(composeCanvases([...host.current.querySelectorAll('canvas')], seq ? 1 : 8), fileName)
          }
        >
          Export PNG
        </button>
      </h4>
      <div ref={host} className={seq ? 'sm-list' : 'sm-grid'} data-testid="all-latents">
        {shown.map((c, i) => (
          <figure key={i} className={i === selected ? 'selected' : ''}>
            <MapCanvas
              example={example}
              cells={c}
              scale={sharedScale ?? maxOf(c.values)}
              width={seq ? 400 : size}
              height={seq ? 14 : size}
              label={`Latent ${i + 1}`}
              onClick={() => onPick(i)}
            />
            <figcaption>{i + 1}</figcaption>
          </figure>
        ))}
      </div>
    </section>
  );
}
