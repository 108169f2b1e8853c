/**
 * The training loop shared by the app's worker and the CLI. It owns every tensor it creates:
 * after a run (finished, stopped or failed) tf.memory().numTensors is back at its baseline
 * apart from the model's own weights.
 */
import * as tf from '@tensorflow/tfjs';
import type { TrainingSettings } from '../graph/schema.js';
import type { Dataset, DataSplit } from '../data/dataset.js';
import { learningRateAt } from './schedule.js';
import { canShift, shiftImages } from './augment.js';
import { captureCheckpoint, restoreCheckpoint, type Checkpoint } from './checkpoint.js';
import { createOptimizer } from './fusedAdam.js';
import {
  batchTensors,
  classifierPlan,
  headLoss,
  metricValue,
  planFromModel,
  type MetricKind,
  type TrainPlan,
} from './losses.js';

export { classificationLoss } from './losses.js';

export interface StepEvent {
  epoch: number;
  step: number;
  stepsPerEpoch: number;
  totalSteps: number;
  loss: number;
  learningRate: number;
  examplesPerSecond: number;
  etaSeconds: number;
}

export interface EpochEvent {
  epoch: number;
  loss: number;
  /** The first head's metric (what `metric` names: accuracy, masked-token accuracy or MSE). */
  accuracy: number;
  valLoss: number | null;
  valAccuracy: number | null;
  seconds: number;
  /** Absent in records written before other heads trained: accuracy. */
  metric?: MetricKind;
  /**
   * Models with several heads: each head's own mean loss (unweighted; `loss` is Σ weight · loss)
   * on the training batches and on the validation split, in head order.
   */
  heads?: HeadLossRecord[];
}

export interface HeadLossRecord {
  nodeId: string;
  loss: number;
  valLoss: number | null;
  weight: number;
}

export interface HeadMetric {
  nodeId: string;
  metric: MetricKind;
  value: number;
}

export interface EvalResult {
  /** Sum of the heads' mean losses, each times its weight. */
  loss: number;
  /** Each head's own mean loss (unweighted), in head order. */
  headLosses: number[];
  /** Examples evaluated (fewer than the split's with maxEvalExamples). */
  examples: number;
  /** The first head's metric (see `metric`). */
  accuracy: number;
  metric: MetricKind;
  /** Every head's metric, in head order. */
  heads: HeadMetric[];
  /** confusion[true][predicted] of the first head when it is a classifier; empty otherwise. */
  confusion: number[][];
  perClassAccuracy: number[];
  /** A few misclassified examples (index into the split, true, predicted); classifiers only. */
  mistakes: { index: number; label: number; predicted: number }[];
}

export interface TrainResult {
  status: 'done' | 'stopped' | 'diverged' | 'early-stopped';
  message?: string;
  epochs: EpochEvent[];
  test: EvalResult | null;
  seconds: number;
  steps: number;
}

export interface TrainControl {
  /** Polled between steps: true stops the run cleanly after the current step. */
  shouldStop?: () => boolean;
  /** Awaited between steps; resolve to continue (pause/resume). */
  waitIfPaused?: () => Promise<void>;
  onStep?: (e: StepEvent) => void;
  onEpoch?: (e: EpochEvent) => void;
  /**
   * Called after each good epoch; `capture()` reads the weights and optimizer state into a
   * checkpoint (only when asked: it copies every weight off the device).
   */
  onCheckpoint?: (epoch: number, capture: () => Promise<Checkpoint>) => void | Promise<void>;
  /** Continue from a checkpoint: weights, optimizer state, epoch, step and history. */
  resume?: Checkpoint;
  /** Report every n steps (loss is read from the device that often). Default 1. */
  reportEvery?: number;
  /** Limit steps per epoch (tests, quick runs). */
  maxStepsPerEpoch?: number;
  /** Evaluate the test split at the end (default true). */
  evaluateTest?: boolean;
  /** Skip the test evaluation when shouldStop stopped the run (an interrupted CLI run exits promptly). */
  skipTestWhenStopped?: boolean;
  /** Evaluate (validation and test) on at most this many examples of each split (quick checks). */
  maxEvalExamples?: number;
  /**
   * Called once when shouldStop stops the run: `capture()` reads a checkpoint that resumes at
   * the very next batch (its manifest's partialEpoch holds the batches done in this epoch).
   */
  onStopCheckpoint?: (capture: () => Promise<Checkpoint>) => void | Promise<void>;
  /**
   * Inputs and heads checked against the data (losses.ts planTraining, from the analysis: its
   * errors name the nodes). Default: planned from the model's inputs and outputs.
   */
  plan?: TrainPlan;
}

/**
 * Adam (adam, adamw) or SGD with momentum, updating all variables on one flat buffer
 * (fusedAdam.ts: tfjs' maths and checkpoint layout, ~4× fewer kernels; measured in bench/README.md).
 */
function makeOptimizer(s: TrainingSettings): tf.Optimizer {
  return createOptimizer(s);
}

function setLearningRate(opt: tf.Optimizer, lr: number): void {
  (opt as unknown as { learningRate: number }).learningRate = lr;
}

/**
 * Scale all gradients together so their global L2 norm is at most maxNorm (tfjs has no
 * clipByGlobalNorm). Call inside tf.tidy.
 */
export function clipByGlobalNorm(grads: tf.NamedTensorMap, maxNorm: number): tf.NamedTensorMap {
  const names = Object.keys(grads);
  const sq = tf.addN(names.map((k) => tf.sum(tf.square(grads[k]!))));
  const norm = tf.sqrt(sq);
  const factor = tf.div(maxNorm, tf.maximum(norm, maxNorm));
  return Object.fromEntries(names.map((k) => [k, tf.mul(grads[k]!, factor)]));
}

/** The model's outputs for a batch as a list (one per head), in training or inference mode. */
function forward(model: tf.LayersModel, inputs: tf.Tensor[], training: boolean): tf.Tensor[] {
  const x = inputs.length === 1 ? inputs[0]! : inputs;
  const out = training ? model.apply(x, { training: true }) : model.predict(x);
  return Array.isArray(out) ? (out as tf.Tensor[]) : [out as tf.Tensor];
}

/**
 * Evaluate in chunks of at most 64 (the wasm heap never shrinks: keep evaluation small). The
 * loss of a batch is weighted by its examples, so the result is the mean over the split; token
 * and MSE metrics count positions and values over the whole split.
 */
export async function evaluate(
  model: tf.LayersModel,
  split: DataSplit,
  inputShape: number[],
  classes: number,
  opts: { maxMistakes?: number; plan?: TrainPlan; maxExamples?: number } = {},
): Promise<EvalResult> {
  const plan = opts.plan ?? classifierPlan(inputShape, classes);
  const first = plan.heads[0]!;
  const classifier = first.loss === 'classification';
  const k = classifier ? first.classes : 0;
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const tallies = plan.heads.map(() => [0, 0]);
  const headSums = plan.heads.map(() => 0);
  let lossSum = 0;
  let n = 0;
  let index = 0;
  const mistakes: EvalResult['mistakes'] = [];
  const limit = opts.maxExamples !== undefined && opts.maxExamples > 0 ? opts.maxExamples : Infinity;
  for await (const b of split.batches(Math.min(64, limit))) {
    if (n >= limit) break;
    const { inputs, targets } = batchTensors(plan, b);
    const [lossT, tallyT, predT] = tf.tidy(() => {
      const outs = forward(model, inputs, false);
      const per = plan.heads.map((h, i) => headLoss(h, outs[i]!, targets[i]!.y, targets[i]!.mask, 0));
      return [
        tf.mul(tf.stack(per.map((p) => p.loss)), b.n),
        tf.stack(per.map((p) => p.tally)),
        per[0]!.predicted ?? tf.zeros([0]),
      ];
    });
    const [lossV, tally, pred] = await Promise.all([lossT.data(), tallyT.data(), predT.data()]);
    tf.dispose([...inputs, ...targets.flatMap((t) => (t.mask ? [t.y, t.mask] : [t.y])), lossT, tallyT, predT]);
    plan.heads.forEach((h, i) => {
      headSums[i] += lossV[i]!;
      lossSum += h.weight * lossV[i]!;
    });
    tallies.forEach((t, i) => {
      t[0] += tally[2 * i]!;
      t[1] += tally[2 * i + 1]!;
    });
    if (classifier) {
      for (let i = 0; i < b.n; i++) {
        const t = b.y[i]!;
        const p = pred[i]!;
        confusion[t]![p]!++;
        if (t !== p && mistakes.length < (opts.maxMistakes ?? 24))
          mistakes.push({ index: index + i, label: t, predicted: p });
      }
    }
    n += b.n;
    index += b.n;
  }
  const heads = plan.heads.map((h, i) => ({
    nodeId: h.nodeId,
    metric: h.metric,
    value: metricValue(tallies[i]![0]!, tallies[i]![1]!),
  }));
  return {
    loss: n ? lossSum / n : NaN,
    headLosses: headSums.map((v) => (n ? v / n : NaN)),
    examples: n,
    accuracy: heads[0]!.value,
    metric: first.metric,
    heads,
    confusion,
    perClassAccuracy: confusion.map((row, i) => {
      const total = row.reduce((a, b) => a + b, 0);
      return total ? row[i]! / total : NaN;
    }),
    mistakes,
  };
}

/** Copies of the weights, to restore after a divergence. */
function snapshot(model: tf.LayersModel): tf.Tensor[] {
  return model.weights.map((w) => tf.keep(w.read().clone()));
}
function restore(model: tf.LayersModel, snap: tf.Tensor[]): void {
  model.weights.forEach((w, i) => w.write(snap[i]!));
}

export async function train(
  model: tf.LayersModel,
  data: Dataset,
  settings: TrainingSettings,
  control: TrainControl = {},
): Promise<TrainResult> {
  const classes = data.numClasses;
  const plan = control.plan ?? planFromModel(model, data);
  const optimizer = makeOptimizer(settings);
  const vars = model.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
  const decayVars = model.trainableWeights
    .filter((w) => w.shape.length >= 2)
    .map((w) => (w as unknown as { val: tf.Variable }).val);
  const fullSteps = Math.ceil(data.train.size / settings.batchSize);
  const stepsPerEpoch = Math.min(fullSteps, control.maxStepsPerEpoch ?? Infinity);
  const totalSteps = stepsPerEpoch * settings.epochs;
  const reportEvery = Math.max(1, control.reportEvery ?? 1);
  const started = Date.now();
  const epochs: EpochEvent[] = [];
  let step = 0;
  let firstEpoch = 0;
  let bestVal = Infinity;
  let sinceBest = 0;
  if (control.resume) {
    try {
      await restoreCheckpoint(model, optimizer, control.resume);
    } catch (err) {
      optimizer.dispose();
      throw err;
    }
    const m = control.resume.manifest;
    firstEpoch = m.epoch;
    step = m.step;
    epochs.push(...m.history);
    bestVal = m.earlyStopping.bestValLoss ?? Infinity;
    sinceBest = m.earlyStopping.epochsSinceBest;
  }
  // A checkpoint written by a stop inside an epoch continues that epoch at its next batch.
  let partial = control.resume?.manifest.partialEpoch;
  let status: TrainResult['status'] = 'done';
  let message: string | undefined;
  let lastGood = snapshot(model);
  let windowStart = Date.now();
  let windowExamples = 0;
  let rate = 0;

  try {
    outer: for (let epoch = firstEpoch; epoch < settings.epochs; epoch++) {
      const epochStart = Date.now() - (partial?.seconds ?? 0) * 1000;
      let lossSum = partial?.lossSum ?? 0;
      let lossCount = partial?.lossCount ?? 0;
      let hits = partial?.hits ?? 0;
      let counted = partial?.counted ?? 0;
      let inEpoch = partial?.steps ?? 0;
      // Per-head losses of a multi-head model (not kept across a stop inside an epoch: a resumed
      // epoch's per-head means cover the batches after the resume).
      const headSums = plan.heads.map(() => 0);
      let headCount = 0;
      // The epoch's batch order depends on (seed, epoch) only: skipping the batches already
      // trained lands exactly where the stopped run was.
      let skip = inEpoch;
      partial = undefined;
      let pendingLoss: tf.Scalar | null = null;
      for await (const b of data.train.batches(settings.batchSize, { shuffle: true, seed: settings.seed, epoch })) {
        if (skip > 0) {
          skip--;
          continue;
        }
        if (inEpoch >= stepsPerEpoch) break;
        if (control.shouldStop?.()) {
          status = 'stopped';
          pendingLoss?.dispose();
          if (control.onStopCheckpoint) {
            const state = {
              epoch,
              step,
              settings,
              history: [...epochs],
              bestValLoss: bestVal,
              epochsSinceBest: sinceBest,
              partialEpoch: {
                steps: inEpoch,
                lossSum,
                lossCount,
                hits,
                counted,
                seconds: (Date.now() - epochStart) / 1000,
              },
            };
            await control.onStopCheckpoint(() => captureCheckpoint(model, optimizer, state));
          }
          break outer;
        }
        await control.waitIfPaused?.();
        const lr = learningRateAt(settings, step, totalSteps);
        setLearningRate(optimizer, lr);
        const shifted =
          settings.augmentShift > 0 && canShift(data.inputShape)
            ? {
                ...b,
                x: shiftImages(
                  b.x,
                  b.n,
                  data.inputShape,
                  settings.augmentShift,
                  (settings.seed * 1000003 + step) >>> 0,
                ),
              }
            : b;
        const { inputs, targets } = batchTensors(plan, shifted);
        const multiHead = plan.heads.length > 1;
        const { loss, tallyT, headsT } = tf.tidy(() => {
          let tallyT: tf.Tensor | undefined;
          let headsT: tf.Tensor | undefined;
          const { value, grads } = tf.variableGrads(() => {
            const outs = forward(model, inputs, true);
            const per = plan.heads.map((h, i) =>
              headLoss(h, outs[i]!, targets[i]!.y, targets[i]!.mask, settings.labelSmoothing),
            );
            // The first head's tally is the epoch's metric; several heads train on Σ weight · loss.
            tallyT = tf.keep(per[0]!.tally);
            const weighted = (i: number) =>
              plan.heads[i]!.weight === 1 ? per[i]!.loss : tf.mul(per[i]!.loss, plan.heads[i]!.weight);
            if (!multiHead) return weighted(0) as tf.Scalar;
            headsT = tf.keep(tf.stack(per.map((p) => p.loss)));
            return tf.addN(per.map((_, i) => weighted(i))) as tf.Scalar;
          }, vars);
          optimizer.applyGradients(settings.gradClipNorm > 0 ? clipByGlobalNorm(grads, settings.gradClipNorm) : grads);
          if (settings.weightDecay > 0) {
            // AdamW / SGD: decoupled weight decay on kernels and arrays (not biases or norms).
            for (const v of decayVars) v.assign(tf.mul(v, 1 - lr * settings.weightDecay));
          }
          return { loss: tf.keep(value), tallyT: tallyT!, headsT };
        });
        tf.dispose([...inputs, ...targets.flatMap((t) => (t.mask ? [t.y, t.mask] : [t.y]))]);
        step++;
        inEpoch++;
        windowExamples += b.n;
        pendingLoss?.dispose();
        pendingLoss = loss;
        const tally = await tallyT.data();
        tallyT.dispose();
        if (headsT) {
          const hv = await headsT.data();
          headsT.dispose();
          hv.forEach((v, i) => (headSums[i] += v));
          headCount++;
        }
        hits += tally[0]!;
        counted += tally[1]!;
        if (step % reportEvery === 0 || inEpoch === stepsPerEpoch) {
          const lv = (await loss.data())[0]!;
          if (!Number.isFinite(lv) || lv > 1e6) {
            status = 'diverged';
            message = `The loss became ${Number.isFinite(lv) ? 'too large (' + lv.toExponential(2) + ')' : 'NaN'} at epoch ${epoch + 1}, step ${inEpoch}; training stopped and the weights of the last good epoch were restored. Lower the learning rate (now ${settings.learningRate}) or enable gradient clipping.`;
            restore(model, lastGood);
            break outer;
          }
          lossSum += lv;
          lossCount++;
          const now = Date.now();
          if (now - windowStart > 250) {
            rate = (windowExamples * 1000) / (now - windowStart);
            windowStart = now;
            windowExamples = 0;
          }
          control.onStep?.({
            epoch,
            step: inEpoch,
            stepsPerEpoch,
            totalSteps,
            loss: lv,
            learningRate: lr,
            examplesPerSecond: rate,
            etaSeconds: rate > 0 ? ((totalSteps - step) * settings.batchSize) / rate : NaN,
          });
        }
      }
      pendingLoss?.dispose();
      if (status !== 'done' || inEpoch === 0) break;
      const val =
        data.validation.size > 0
          ? await evaluate(model, data.validation, data.inputShape, classes, {
              maxMistakes: 0,
              plan,
              maxExamples: control.maxEvalExamples,
            })
          : null;
      const ev: EpochEvent = {
        epoch: epoch + 1,
        loss: lossCount ? lossSum / lossCount : NaN,
        accuracy: metricValue(hits, counted),
        valLoss: val ? val.loss : null,
        valAccuracy: val ? val.accuracy : null,
        seconds: (Date.now() - epochStart) / 1000,
        metric: plan.heads[0]!.metric,
        ...(plan.heads.length > 1
          ? {
              heads: plan.heads.map((h, i) => ({
                nodeId: h.nodeId,
                loss: headCount ? headSums[i]! / headCount : NaN,
                valLoss: val ? val.headLosses[i]! : null,
                weight: h.weight,
              })),
            }
          : {}),
      };
      epochs.push(ev);
      control.onEpoch?.(ev);
      tf.dispose(lastGood);
      lastGood = snapshot(model);
      let stopEarly = false;
      if (val && settings.earlyStoppingPatience > 0) {
        if (val.loss < bestVal - 1e-6) {
          bestVal = val.loss;
          sinceBest = 0;
        } else if (++sinceBest >= settings.earlyStoppingPatience) stopEarly = true;
      }
      if (control.onCheckpoint) {
        const state = {
          epoch: epoch + 1,
          step,
          settings,
          history: [...epochs],
          bestValLoss: bestVal,
          epochsSinceBest: sinceBest,
        };
        await control.onCheckpoint(epoch + 1, () => captureCheckpoint(model, optimizer, state));
      }
      if (stopEarly) {
        status = 'early-stopped';
        message = `Validation loss did not improve for ${settings.earlyStoppingPatience} epochs; stopped early.`;
        break;
      }
    }
  } finally {
    tf.dispose(lastGood);
    optimizer.dispose();
  }
  const skipTest =
    control.evaluateTest === false || status === 'diverged' || (status === 'stopped' && control.skipTestWhenStopped);
  const test = skipTest
    ? null
    : await evaluate(model, data.test, data.inputShape, classes, { plan, maxExamples: control.maxEvalExamples });
  return { status, message, epochs, test, seconds: (Date.now() - started) / 1000, steps: step };
}
