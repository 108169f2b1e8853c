/**
 * Decisions of the Try panel that are not drawing: which state it is in (no weights, graph
 * changed, cannot feed this model, ready), the drawing pad's geometry for an input size, the
 * mean attention over latents, and the live-prediction scheduler (one request in flight, the
 * newest input waiting, a minimum interval). Pure; unit-tested in tryLogic.test.ts.
 */
import type { CellGrid } from '../insight/heatmap';
import type { TryWeightsInfo } from '../worker/protocol';

export type TryState =
  | { kind: 'waiting' }
  | { kind: 'no-weights'; message: string }
  | { kind: 'changed'; message: string; changes: string[] }
  | { kind: 'unsupported'; message: string }
  | { kind: 'ready'; info: TryWeightsInfo };

/** What the panel shows, from the worker's answer about the current weights. */
export function tryStateOf(answer: { info: TryWeightsInfo | null; changes: string[] } | null): TryState {
  if (!answer) return { kind: 'waiting' };
  const { info, changes } = answer;
  if (!info)
    return {
      kind: 'no-weights',
      message:
        'No weights yet: train or import first. Train the graph in the Training tab (a few steps are enough), use a stored checkpoint, or open a model folder (import-hf, train --save-model); then try it here.',
    };
  if (changes.length) {
    const shown = changes.slice(0, 4).join('; ');
    return {
      kind: 'changed',
      changes,
      message: `The graph has changed since these weights (${info.label}) were made: ${shown}${changes.length > 4 ? `; ${changes.length - 4} more` : ''}. Undo the change, or train again to try this graph.`,
    };
  }
  if (info.unsupported) return { kind: 'unsupported', message: `Cannot try this model: ${info.unsupported}.` };
  return { kind: 'ready', info };
}

export interface PadGeometry {
  /** Screen pixels per input pixel. */
  zoom: number;
  /** The pad's own resolution (what is sent to the worker and resized to the input). */
  width: number;
  height: number;
  /** Default brush radius in pad pixels (about 1.2 input pixels: MNIST-like strokes). */
  brush: number;
}

/** A pad about `target` screen pixels on its long side, a whole number of pixels per input pixel. */
export function padGeometry(shape: readonly number[], target = 280): PadGeometry {
  const h = Math.max(1, shape[0] ?? 1);
  const w = Math.max(1, shape[1] ?? 1);
  const zoom = Math.max(1, Math.min(16, Math.round(target / Math.max(h, w))));
  return { zoom, width: w * zoom, height: h * zoom, brush: Math.max(1, Math.round(1.2 * zoom)) };
}

/** The mean over latents (queries) of their cell grids: where the encoder as a whole reads. */
export function meanCells(cells: readonly CellGrid[]): CellGrid | null {
  const first = cells[0];
  if (!first) return null;
  const values = new Float32Array(first.values.length);
  for (const c of cells) for (let i = 0; i < values.length; i++) values[i]! += c.values[i]! / cells.length;
  return { w: first.w, h: first.h, values };
}

/** "87.5%" for a probability; small ones keep a digit ("0.3%"). */
export function percent(p: number): string {
  const v = p * 100;
  return `${v >= 10 ? v.toFixed(1) : v.toFixed(v >= 1 ? 1 : 2)}%`;
}

/**
 * Live predictions while drawing: at most one request in flight; inputs made meanwhile replace
 * each other and only the newest is sent when the answer arrives, no sooner than `minGapMs`
 * after the previous send. `send` returns a promise that settles with the answer.
 */
export class LiveScheduler<T> {
  private inFlight = false;
  private pending: { input: T } | null = null;
  private lastSent = -Infinity;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly send: (input: T) => Promise<unknown>,
    private readonly minGapMs = 100,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** Ask for a prediction of `input` (the newest wins). */
  push(input: T): void {
    this.pending = { input };
    this.pump();
  }

  /** Drop a waiting input (the panel closed, the pad was cleared). */
  cancel(): void {
    this.pending = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  get busy(): boolean {
    return this.inFlight || this.pending !== null;
  }

  private pump(): void {
    if (this.inFlight || !this.pending || this.timer) return;
    const wait = this.lastSent + this.minGapMs - this.now();
    if (wait > 0) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.pump();
      }, wait);
      return;
    }
    const { input } = this.pending;
    this.pending = null;
    this.inFlight = true;
    this.lastSent = this.now();
    void this.send(input)
      .catch(() => undefined)
      .finally(() => {
        this.inFlight = false;
        this.pump();
      });
  }
}
