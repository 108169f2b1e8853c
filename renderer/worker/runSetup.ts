/**
 * What the training worker does around the engine's train(): choose the data (a picked file or
 * folder, else the built-in MNIST), fill "from data" params and check the graph fits the data,
 * refuse a model that will not fit in memory before allocating it, resume from a stored
 * checkpoint, pause/resume, and collect the results the panel shows (mistakes with their pixels).
 */
import type { Dataset } from '../../engine/data/dataset';
import type { ImageFolderSplit } from '../../engine/data/images';
import { analyse, type Analysis } from '../../engine/graph/analyse';
import type { GraphDoc, TrainingSettings } from '../../engine/graph/schema';
import { BindError, bindToData, declaredInputShape } from '../../engine/train/bindData';
import { modelHeadsInfo, modelInputInfo, modelInputsInfo } from '../../engine/train/inputInfo';
import type { Checkpoint } from '../../engine/train/checkpoint';
import { estimateTrainingMemory, type MemoryEstimate } from '../../engine/train/memoryGuard';
import { headLossTypes, planTraining, type TrainPlan } from '../../engine/train/losses';
import type { EvalResult } from '../../engine/train/train';
import { getCheckpoint } from './checkpointStore';
import type { WorkerDataSources } from './dataSource';
import type { MemoryRefusal, RunResults, TrainDataOptions } from './protocol';

export class RunRefused extends Error {
  constructor(readonly refusal: MemoryRefusal) {
    super(refusal.message);
    this.name = 'RunRefused';
  }
}

export interface PreparedRun {
  data: Dataset;
  doc: GraphDoc;
  analysis: Analysis;
  settings: TrainingSettings;
  filled: string[];
  estimate: MemoryEstimate;
  resume: Checkpoint | undefined;
  /** Inputs and heads checked against the data: the loss and metric of each head. */
  plan: TrainPlan;
}

export async function prepareRun(
  doc: GraphDoc,
  options: TrainDataOptions,
  backend: string,
  sources: WorkerDataSources,
): Promise<PreparedRun> {
  const source = options.data ?? null;
  if (doc.data && doc.data.source !== 'mnist' && !source) {
    throw new BindError(
      `This graph is bound to ${doc.data.path ? `“${doc.data.path}”` : `a ${doc.data.source} dataset`}; load it in the Dataset tab first (a browser cannot reopen a file by its path).`,
    );
  }
  const targetKind = headLossTypes(doc)[0]?.type === 'regression' ? 'values' : 'classes';
  const data = await sources.dataset(
    source,
    doc.data,
    declaredInputShape(doc) ?? null,
    options.skipBadRows ?? false,
    targetKind,
    modelInputInfo(doc),
    false,
    modelInputsInfo(doc),
    modelHeadsInfo(doc),
  );
  const { doc: bound, filled } = bindToData(doc, data);
  const analysis = analyse(bound);
  if (!analysis.valid) {
    const first = analysis.problems.find((p) => p.severity === 'error')!;
    throw new BindError(`The graph cannot be trained on this data: ${first.message}`, first.nodeId);
  }
  // Each head's loss must fit the data's targets (classes, masked tokens, values); the error names the head.
  const plan = planTraining(analysis, data);
  const settings: TrainingSettings = { ...doc.training };
  let resume: Checkpoint | undefined;
  if (options.resumeKey) {
    const ckpt = await getCheckpoint(options.resumeKey);
    if (!ckpt) throw new Error('There is no stored checkpoint for this graph and dataset any more; start a new run.');
    const m = ckpt.manifest;
    if (m.settings.optimizer !== settings.optimizer) {
      throw new Error(
        `The checkpoint was trained with ${m.settings.optimizer}; set the optimizer back to ${m.settings.optimizer} to resume from it (its optimizer state is ${m.settings.optimizer}'s).`,
      );
    }
    if (m.epoch >= settings.epochs) {
      throw new Error(
        `The checkpoint has finished ${m.epoch} of ${settings.epochs} epochs; raise Epochs above ${m.epoch} to train further.`,
      );
    }
    resume = ckpt;
  }
  const estimate = estimateTrainingMemory(analysis, settings, backend);
  if (!estimate.fits) {
    throw new RunRefused({
      message: estimate.message,
      totalBytes: estimate.totalBytes,
      limitBytes: estimate.limitBytes,
      maxBatchSize: estimate.maxBatchSize,
      backend,
    });
  }
  return { data, doc: bound, analysis, settings, filled, estimate, resume, plan };
}

/** The test results with each misclassified example's values (and file, for images). */
export async function collectResults(data: Dataset, test: EvalResult): Promise<RunResults> {
  const isImage = data.inputShape.length === 3;
  const mistakes: RunResults['mistakes'] = [];
  for (const m of test.mistakes) {
    const e = await data.test.example(m.index);
    const withFile = data.test as Partial<ImageFolderSplit>;
    mistakes.push({
      label: m.label,
      predicted: m.predicted,
      x: e.x,
      path: typeof withFile.file === 'function' ? withFile.file(m.index).path : undefined,
    });
  }
  return {
    classNames: data.classNames,
    perClassAccuracy: test.perClassAccuracy,
    mistakes,
    imageShape: isImage ? data.inputShape : null,
    featureNames: (data as { featureNames?: string[] }).featureNames ?? [],
    testSize: data.test.size,
  };
}

/** Pause/resume between steps: paused runs wait here until resumed or stopped. */
export class PauseGate {
  private paused = new Set<number>();
  private waiters: (() => void)[] = [];

  set(runId: number, paused: boolean): void {
    if (paused) this.paused.add(runId);
    else this.paused.delete(runId);
    if (!paused) this.wake();
  }
  /** Wake everyone to re-check (a stop arrived). */
  wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
  isPaused(runId: number): boolean {
    return this.paused.has(runId);
  }
  async wait(runId: number, stopped: () => boolean): Promise<void> {
    while (this.paused.has(runId) && !stopped()) await new Promise<void>((r) => this.waiters.push(r));
  }
  clear(runId: number): void {
    this.paused.delete(runId);
  }
}
