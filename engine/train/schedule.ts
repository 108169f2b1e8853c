import type { TrainingSettings } from '../graph/schema.js';

/** Learning rate at a step: linear warm-up, then constant, cosine to zero, or step decay. */
export function learningRateAt(s: TrainingSettings, step: number, totalSteps: number): number {
  const base = s.learningRate;
  if (s.warmupSteps > 0 && step < s.warmupSteps) return (base * (step + 1)) / s.warmupSteps;
  const after = step - s.warmupSteps;
  const span = Math.max(1, totalSteps - s.warmupSteps);
  switch (s.schedule) {
    case 'cosine':
      return base * 0.5 * (1 + Math.cos((Math.PI * Math.min(after, span)) / span));
    case 'step':
      return base * Math.pow(s.stepGamma, Math.floor(after / s.stepEvery));
    default:
      return base;
  }
}
