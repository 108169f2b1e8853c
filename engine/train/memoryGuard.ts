/**
 * Refuse a model before allocating it when its training memory will not fit the backend.
 * Estimate: activations per example × batch × 3 (forward values kept for the backward pass,
 * their gradients, and temporaries) + parameters × 16 bytes with Adam (weights, gradients,
 * two moments; 12 with SGD momentum). Rough by design: it catches a model that is 10× too big,
 * not one that is 10% too big.
 */
import type { Analysis } from '../graph/analyse.js';
import type { TrainingSettings } from '../graph/schema.js';

export const GiB = 1024 ** 3;

/** What each backend can hold. wasm: the heap grows to 4 GiB at most and never shrinks. */
export const BACKEND_MEMORY_LIMITS: Record<string, number | undefined> = {
  wasm: 4 * GiB,
  // The cpu backend keeps tensors in JS typed arrays; Node's default old-space is the bound.
  cpu: 4 * GiB,
  // WebGL cannot report its memory; the caller passes a limit (settings) or this guess.
  webgl: 2 * GiB,
};

export interface MemoryEstimate {
  totalBytes: number;
  activationBytes: number;
  parameterBytes: number;
  limitBytes: number;
  backend: string;
  fits: boolean;
  /** Largest batch that fits, 0 if none does. */
  maxBatchSize: number;
  message: string;
}

export function formatBytes(b: number): string {
  if (b >= GiB) return `${(b / GiB).toFixed(2)} GiB`;
  if (b >= 1024 ** 2) return `${(b / 1024 ** 2).toFixed(1)} MiB`;
  return `${(b / 1024).toFixed(1)} KiB`;
}

export function bytesPerParameter(optimizer: TrainingSettings['optimizer']): number {
  return optimizer === 'sgd' ? 12 : 16;
}

export function estimateTrainingMemory(
  analysis: Analysis,
  settings: Pick<TrainingSettings, 'batchSize' | 'optimizer'>,
  backend: string,
  limitOverride?: number,
): MemoryEstimate {
  const perExample = analysis.totals.activationBytes * 3;
  const activationBytes = perExample * settings.batchSize;
  const parameterBytes = analysis.totals.params * bytesPerParameter(settings.optimizer);
  const totalBytes = activationBytes + parameterBytes;
  const limitBytes = limitOverride ?? BACKEND_MEMORY_LIMITS[backend] ?? 4 * GiB;
  const fits = totalBytes <= limitBytes;
  const maxBatchSize =
    perExample > 0 ? Math.max(0, Math.floor((limitBytes - parameterBytes) / perExample)) : settings.batchSize;
  let message = `Estimated training memory ${formatBytes(totalBytes)} (activations ${formatBytes(activationBytes)} at batch ${settings.batchSize}, parameters and optimizer state ${formatBytes(parameterBytes)}) — the ${backend} backend holds ${formatBytes(limitBytes)}.`;
  if (!fits) {
    const largest = [...analysis.nodes.values()]
      .filter((n) => n.cost.activationBytes > 0)
      .sort((a, b) => b.cost.activationBytes - a.cost.activationBytes)
      .slice(0, 3)
      .map((n) => `"${n.id}" ${formatBytes(n.cost.activationBytes * 3 * settings.batchSize)}`);
    const shrink: string[] = [];
    if (maxBatchSize >= 1) shrink.push(`lower the batch size to ${maxBatchSize} or less`);
    else
      shrink.push(
        parameterBytes > limitBytes
          ? `the parameters alone (${analysis.totals.params.toLocaleString('en-US')}) do not fit: use fewer or narrower layers`
          : `even batch 1 needs ${formatBytes(perExample + parameterBytes)}`,
      );
    if (largest.length)
      shrink.push(
        `shrink the largest activations (${largest.join(', ')}): fewer latents, channels or input tokens (patches)`,
      );
    message = `The model is too large to train here. ${message} To fit: ${shrink.join('; or ')}.`;
  }
  return { totalBytes, activationBytes, parameterBytes, limitBytes, backend, fits, maxBatchSize, message };
}

export class MemoryGuardError extends Error {
  constructor(readonly estimate: MemoryEstimate) {
    super(estimate.message);
    this.name = 'MemoryGuardError';
  }
}

export function assertFitsInMemory(
  analysis: Analysis,
  settings: Pick<TrainingSettings, 'batchSize' | 'optimizer'>,
  backend: string,
  limitOverride?: number,
): MemoryEstimate {
  const e = estimateTrainingMemory(analysis, settings, backend, limitOverride);
  if (!e.fits) throw new MemoryGuardError(e);
  return e;
}
