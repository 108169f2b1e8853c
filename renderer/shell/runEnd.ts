/**
 * A run that ends while the user looks elsewhere: what the notice says, and the progress shown
 * in the window title (and Electron's taskbar). Pure, so it is unit-tested.
 */
import { formatDuration } from '../format';
import type { TrainState } from '../training/trainer';

export interface RunEnd {
  runId: number;
  ok: boolean;
  title: string;
  body: string;
}

const TERMINAL: ReadonlySet<TrainState['status']> = new Set(['done', 'stopped', 'diverged', 'early-stopped', 'error']);

/**
 * The notice for a run that ended by itself (status went from running to a final one), else null.
 * A run the user stopped with Stop gets none: they were looking.
 */
export function runEndOf(prev: Pick<TrainState, 'status'>, next: TrainState): RunEnd | null {
  if (!(prev.status === 'running' || prev.status === 'stopping') || !TERMINAL.has(next.status)) return null;
  if (next.status === 'stopped') return null;
  const name = next.docName ? `“${next.docName}”` : 'the graph';
  const time = next.seconds !== null ? ` in ${formatDuration(next.seconds)}` : '';
  const metric = next.test
    ? next.test.metric === 'mse'
      ? `test MSE ${next.test.accuracy.toPrecision(3)}`
      : `${(100 * next.test.accuracy).toFixed(1)}% ${next.test.metric === 'maskedTokenAccuracy' ? 'masked-token accuracy' : 'test accuracy'}`
    : null;
  switch (next.status) {
    case 'done':
      return {
        runId: next.runId,
        ok: true,
        title: `Training finished: ${name}`,
        body: `${metric ?? 'Finished'}${time}.`,
      };
    case 'early-stopped':
      return {
        runId: next.runId,
        ok: true,
        title: `Training stopped early: ${name}`,
        body: `Validation stopped improving; ${metric ?? 'finished'}${time}.`,
      };
    case 'diverged':
      return {
        runId: next.runId,
        ok: false,
        title: `Training diverged: ${name}`,
        body: next.message || 'The loss became NaN or exploded; try a lower learning rate.',
      };
    default:
      return {
        runId: next.runId,
        ok: false,
        title: `Training failed: ${name}`,
        body: next.error ?? next.refusal?.message ?? 'See the Training tab.',
      };
  }
}

/** Fraction of the run done (0..1), or null when no run is going. */
export function runProgress(s: Pick<TrainState, 'status' | 'last'>): number | null {
  if (s.status !== 'running' && s.status !== 'stopping') return null;
  const l = s.last;
  if (!l || l.totalSteps <= 0) return 0;
  return Math.min(1, Math.max(0, (l.epoch * l.stepsPerEpoch + l.step) / l.totalSteps));
}

/** The window title: the run's progress first while training, so it shows in the taskbar. */
export function windowTitle(docName: string, dirty: boolean, progress: number | null): string {
  const run = progress === null ? '' : `${Math.floor(progress * 100)}% training · `;
  return `${run}${docName}${dirty ? ' •' : ''} — Perceiver Studio`;
}
