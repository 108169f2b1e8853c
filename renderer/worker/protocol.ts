/**
 * Messages between the UI and the training worker. The worker owns tfjs; the UI only draws what
 * these messages report. New features (datasets, attention maps, checkpoints) add message types
 * here rather than reaching into the worker.
 */
import type { GraphDoc } from '../../engine/graph/schema';
import type { EpochEvent, StepEvent } from '../../engine/train/train';

export interface TrainRequestOptions {
  /** Limit steps per epoch for quick runs (null: full epochs). */
  maxStepsPerEpoch: number | null;
  /** Force a backend instead of the automatic choice (diagnostics, tests). */
  backend?: 'webgl' | 'wasm' | 'cpu';
}

export type ToWorker =
  | { type: 'train'; runId: number; doc: GraphDoc; options: TrainRequestOptions }
  | { type: 'stop'; runId: number };

export interface BackendInfo {
  name: 'webgl' | 'wasm' | 'cpu';
  /** Why this backend was chosen, for the screen ("WebGL is software-rendered (SwiftShader) …"). */
  reason: string;
  /** The WebGL renderer string, when one could be read. */
  gpu?: string;
  threads?: number;
}

export interface TestSummary {
  accuracy: number;
  loss: number;
  /** confusion[true][predicted] */
  confusion: number[][];
}

export type FromWorker =
  | { type: 'status'; runId: number; phase: 'starting' | 'loading-data' | 'compiling' | 'warming-up' | 'training' | 'evaluating'; message: string }
  | { type: 'backend'; runId: number; backend: BackendInfo }
  | { type: 'ready'; runId: number; params: number; trainSize: number; testSize: number; dataName: string }
  | { type: 'step'; runId: number; step: StepEvent }
  | { type: 'epoch'; runId: number; epoch: EpochEvent }
  | { type: 'done'; runId: number; status: 'done' | 'stopped' | 'diverged' | 'early-stopped'; message?: string; test: TestSummary | null; seconds: number; steps: number }
  | { type: 'error'; runId: number; message: string; nodeId?: string };
