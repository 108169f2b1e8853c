/**
 * Training progress for the CLI: a bar redrawn in place on a terminal's stderr (step, loss,
 * examples/s, ETA), or, when stderr is not a terminal, a plain line at most every `every`
 * seconds (a log file stays readable). `--json` output on stdout is never touched.
 */
import type { StepEvent } from '../train/train.js';
import type { Out } from './main.js';

/** "42 s", "3m05s", "1h02m". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** The figures of one step, e.g. "epoch 1/3 step 120/938 · loss 0.4123 · 812 ex/s · ETA 1m02s". */
export function progressText(e: StepEvent, epochs: number): string {
  const rate =
    e.examplesPerSecond > 0
      ? `${e.examplesPerSecond >= 100 ? e.examplesPerSecond.toFixed(0) : e.examplesPerSecond.toPrecision(3)} ex/s`
      : '… ex/s';
  return `epoch ${e.epoch + 1}/${epochs} step ${e.step}/${e.stepsPerEpoch} · loss ${e.loss.toFixed(4)} · ${rate} · ETA ${formatDuration(e.etaSeconds)}`;
}

/** A bar of `width` cells for the fraction done, e.g. "[██████░░░░]". */
export function bar(fraction: number, width = 24): string {
  const f = Math.max(0, Math.min(1, fraction));
  const full = Math.round(f * width);
  return `[${'█'.repeat(full)}${'░'.repeat(width - full)}] ${(f * 100).toFixed(0).padStart(3)}%`;
}

export class TrainProgress {
  private lastDraw = -Infinity;
  private lastLine: number;
  constructor(
    private readonly out: Out,
    private readonly epochs: number,
    /** Seconds between plain lines where there is no terminal; 0 turns them off. */
    private readonly every = 10,
    private readonly now: () => number = () => Date.now(),
  ) {
    this.lastLine = now();
  }

  /** Whether a live bar is shown (a terminal): then the trainer may report every step. */
  get live(): boolean {
    return !!this.out.progress;
  }

  step(e: StepEvent): void {
    const t = this.now();
    const globalStep = e.epoch * e.stepsPerEpoch + e.step;
    if (this.out.progress) {
      // Redraw at most 10 times a second, and always on an epoch's last step.
      if (t - this.lastDraw < 100 && e.step !== e.stepsPerEpoch) return;
      this.lastDraw = t;
      this.out.progress(`${bar(globalStep / Math.max(1, e.totalSteps))} ${progressText(e, this.epochs)}`);
    } else if (this.out.progressLines && this.every > 0 && t - this.lastLine >= this.every * 1000) {
      this.lastLine = t;
      this.out.err(`progress: step ${globalStep}/${e.totalSteps} (${progressText(e, this.epochs)})`);
    }
  }

  /** Remove the bar (before a final message). */
  clear(): void {
    this.out.progress?.('');
  }
}
