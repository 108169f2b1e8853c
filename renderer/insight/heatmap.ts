/**
 * Attention laid back onto the input: a query row of an attention map becomes a grid of cells
 * (the input's token grid) drawn as a heat map over the example, or a strip over a sequence.
 * The functions that compute are pure (unit-tested); the draw* functions only paint a canvas.
 */
import { queryRow, type AttentionMap } from '../../engine/insight/attentionStats';

export interface CellGrid {
  /** Cells across and down; a sequence is one row of `keys` cells. */
  w: number;
  h: number;
  values: Float32Array;
}

/**
 * One latent's (query's) attention as cells on the key grid. Grids with more than two axes
 * (video [T, H, W]) are summed over the leading axes, so the picture shows where on the frame
 * the latent looks whatever the time.
 */
export function cellsOf(map: AttentionMap, query: number, head: number | 'mean'): CellGrid {
  const row = queryRow(map, query, head);
  const grid = map.keyGrid;
  if (!grid || grid.length < 2) return { w: map.keys, h: 1, values: row };
  const h = grid[grid.length - 2]!;
  const w = grid[grid.length - 1]!;
  if (grid.length === 2) return { w, h, values: row };
  const values = new Float32Array(w * h);
  for (let k = 0; k < row.length; k++) values[k % (w * h)]! += row[k]!;
  return { w, h, values };
}

/** The same for every query, for the small-multiples view and shared colour scales. */
export function allCells(map: AttentionMap, head: number | 'mean'): CellGrid[] {
  return Array.from({ length: map.queries }, (_, q) => cellsOf(map, q, head));
}

export function maxOf(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) if (values[i]! > m) m = values[i]!;
  return m;
}

/** A perceptual dark-to-bright map (after matplotlib's inferno), t in [0, 1]. */
const STOPS: [number, number, number][] = [
  [0, 0, 4],
  [40, 11, 84],
  [101, 21, 110],
  [159, 42, 99],
  [212, 72, 66],
  [245, 125, 21],
  [250, 193, 39],
  [252, 255, 164],
];
export function colour(t: number): [number, number, number] {
  const x = Math.max(0, Math.min(1, Number.isFinite(t) ? t : 0)) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(x));
  const f = x - i;
  const a = STOPS[i]!;
  const b = STOPS[i + 1]!;
  return [
    Math.round(a[0] + (b[0] - a[0]) * f),
    Math.round(a[1] + (b[1] - a[1]) * f),
    Math.round(a[2] + (b[2] - a[2]) * f),
  ];
}

/**
 * Grey (or RGB) pixels of an [H, W, C] example, stretched to its own min…max so both 0…1 and
 * normalised inputs show.
 */
export function examplePixels(
  x: Float32Array,
  shape: number[],
): { w: number; h: number; rgba: Uint8ClampedArray } | null {
  if (shape.length !== 3) return null;
  const [h, w, c] = shape as [number, number, number];
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of x) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const span = hi > lo ? hi - lo : 1;
  const rgba = new Uint8ClampedArray(w * h * 4);
  for (let p = 0; p < w * h; p++) {
    const at = (ch: number) => Math.round(((x[p * c + Math.min(ch, c - 1)]! - lo) / span) * 255);
    rgba[p * 4] = at(0);
    rgba[p * 4 + 1] = c >= 3 ? at(1) : at(0);
    rgba[p * 4 + 2] = c >= 3 ? at(2) : at(0);
    rgba[p * 4 + 3] = 255;
  }
  return { w, h, rgba };
}

/** Cells as RGBA: colour by value / scale, alpha growing with the value so the image shows through. */
export function overlayPixels(cells: CellGrid, scale: number, opaque = false): Uint8ClampedArray {
  const rgba = new Uint8ClampedArray(cells.w * cells.h * 4);
  const s = scale > 0 ? scale : 1;
  for (let i = 0; i < cells.values.length; i++) {
    const t = cells.values[i]! / s;
    const [r, g, b] = colour(t);
    rgba[i * 4] = r;
    rgba[i * 4 + 1] = g;
    rgba[i * 4 + 2] = b;
    rgba[i * 4 + 3] = opaque ? 255 : Math.round(Math.min(1, 0.15 + 0.85 * Math.sqrt(Math.max(0, t))) * 230);
  }
  return rgba;
}

function paint(
  ctx: CanvasRenderingContext2D,
  w: number,
  h: number,
  rgba: Uint8ClampedArray,
  dw: number,
  dh: number,
): void {
  const tmp = new OffscreenCanvas(w, h);
  tmp.getContext('2d')!.putImageData(new ImageData(rgba as Uint8ClampedArray<ArrayBuffer>, w, h), 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(tmp, 0, 0, dw, dh);
}

/**
 * The example with the attention over it (images), or the attention strip alone (sequences).
 * `scale` is the value drawn brightest: the latent's own maximum, or a shared one.
 */
export function drawAttention(
  canvas: HTMLCanvasElement,
  example: { x: Float32Array; shape: number[] } | null,
  cells: CellGrid,
  scale: number,
): void {
  const ctx = canvas.getContext('2d')!;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const img = example ? examplePixels(example.x, example.shape) : null;
  if (img && cells.h > 1) {
    paint(ctx, img.w, img.h, img.rgba, canvas.width, canvas.height);
    ctx.globalAlpha = 1;
    paint(ctx, cells.w, cells.h, overlayPixels(cells, scale), canvas.width, canvas.height);
    return;
  }
  // A sequence (text, audio, tabular): one opaque strip, cells as wide as the canvas allows.
  paint(ctx, cells.w, cells.h, overlayPixels(cells, scale, true), canvas.width, canvas.height);
}

/** A matrix [rows × cols] as cells (decoder queries × latents, similarity). */
export function drawMatrix(
  canvas: HTMLCanvasElement,
  values: ArrayLike<number>,
  rows: number,
  cols: number,
  lo = 0,
  hi = maxOf(values),
): void {
  const ctx = canvas.getContext('2d')!;
  const rgba = new Uint8ClampedArray(rows * cols * 4);
  const span = hi > lo ? hi - lo : 1;
  for (let i = 0; i < rows * cols; i++) {
    const [r, g, b] = colour((values[i]! - lo) / span);
    rgba.set([r, g, b, 255], i * 4);
  }
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  paint(ctx, cols, rows, rgba, canvas.width, canvas.height);
}

/** A horizontal colour bar for legends. */
export function drawLegend(canvas: HTMLCanvasElement): void {
  const ctx = canvas.getContext('2d')!;
  for (let x = 0; x < canvas.width; x++) {
    const [r, g, b] = colour(x / Math.max(1, canvas.width - 1));
    ctx.fillStyle = `rgb(${r},${g},${b})`;
    ctx.fillRect(x, 0, 1, canvas.height);
  }
}

/** The encoder maps of each cross-attending node, in step order (successive cross-attends). */
export function encoderSeries(maps: AttentionMap[]): { nodeId: string; maps: AttentionMap[] }[] {
  const by = new Map<string, AttentionMap[]>();
  for (const m of maps) if (m.role === 'encoder') by.set(m.nodeId, [...(by.get(m.nodeId) ?? []), m]);
  return [...by].map(([nodeId, list]) => ({ nodeId, maps: list.sort((a, b) => a.step - b.step) }));
}

/** Where a latent looks most, and how spread out its attention is (1 = uniform). */
export function rowSummary(cells: CellGrid): { peak: number; peakAt: [number, number]; normalisedEntropy: number } {
  let peak = -Infinity;
  let at = 0;
  let sum = 0;
  for (let i = 0; i < cells.values.length; i++) {
    const v = cells.values[i]!;
    sum += v;
    if (v > peak) {
      peak = v;
      at = i;
    }
  }
  let e = 0;
  for (const v of cells.values) if (v > 0 && sum > 0) e -= (v / sum) * Math.log(v / sum);
  const n = cells.values.length;
  return { peak, peakAt: [Math.floor(at / cells.w), at % cells.w], normalisedEntropy: n > 1 ? e / Math.log(n) : 0 };
}
