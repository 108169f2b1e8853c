/**
 * The worker's side of the insight views. It keeps the newest model (while it trains and after)
 * so the attention view can ask for any example's maps at any time, and after every epoch it
 * computes the latent diagnostics (attention entropy and similarity on one fixed example,
 * gradient norm per node on one fixed batch) and posts them as plain numbers.
 */
import * as tf from '@tensorflow/tfjs';
import type { Batch, Dataset, DataSplit } from '../../engine/data/dataset';
import type { Analysis } from '../../engine/graph/analyse';
import type { GraphDoc, TrainingSettings } from '../../engine/graph/schema';
import { captureAttention, type AttentionMap } from '../../engine/insight/attentionMaps';
import { summariseEpoch } from '../../engine/insight/diagnostics';
import { gradientNormsByNode } from '../../engine/insight/gradients';
import { batchTensors, headLoss, planTraining } from '../../engine/train/losses';
import type { AttentionSnapshot, FromWorker, ToWorkerInsight } from './protocol';

/** Examples in the batch the gradient norms are measured on. */
const GRADIENT_BATCH = 16;
/** Larger maps are not sent to the UI (a 512-latent ImageNet map is 25M numbers). */
const MAX_MAP_VALUES = 8_000_000;

interface Kept {
  runId: number;
  /** The run's name in the Runs view ("MNIST Perceiver IO #2"), once the UI has told it (runName). */
  name: string | null;
  model: tf.LayersModel;
  doc: GraphDoc;
  analysis: Analysis;
  data: Dataset;
  /** Epochs completed by the kept model (null before the first). */
  epoch: number | null;
  training: boolean;
  probe: { x: Float32Array; y: number } | null;
  batch: Batch | null;
}

let kept: Kept | null = null;

/**
 * Take ownership of a run's model: it lives until the next run's model replaces it. Also picks
 * the fixed example and batch the per-epoch diagnostics use, so epochs compare like with like.
 */
export async function keepModelForInsight(
  post: (m: FromWorker) => void,
  run: {
    runId: number;
    model: tf.LayersModel;
    doc: GraphDoc;
    analysis: Analysis;
    data: Dataset;
    settings: TrainingSettings;
    backend: string;
  },
): Promise<void> {
  if (kept && kept.model !== run.model) kept.model.dispose();
  const source: DataSplit = run.data.validation.size > 0 ? run.data.validation : run.data.train;
  let probe: Kept['probe'] = null;
  let batch: Kept['batch'] = null;
  if (source.size > 0) {
    probe = await source.example(0);
    for await (const b of source.batches(Math.min(GRADIENT_BATCH, source.size))) {
      batch = b;
      break;
    }
  }
  kept = {
    runId: run.runId,
    name: null,
    model: run.model,
    doc: run.doc,
    analysis: run.analysis,
    data: run.data,
    epoch: null,
    training: true,
    probe,
    batch,
  };
  post({
    type: 'insightRun',
    runId: run.runId,
    doc: run.doc,
    settings: run.settings,
    dataName: run.data.name,
    backend: run.backend,
    params: run.model.countParams(),
    flops: run.analysis.totals.flops,
  });
}

/** Whether `model` is now owned by the insight views (the caller must not dispose it). */
export function isKeptForInsight(model: tf.LayersModel): boolean {
  return kept?.model === model;
}

/** Free the kept model (and forget it): nothing to show until the next run. */
export function releaseInsightModel(): void {
  kept?.model.dispose();
  kept = null;
}

export function runEndedForInsight(runId: number): void {
  if (kept?.runId === runId) kept.training = false;
}

/** Diagnostics after an epoch; synchronous so it runs between the trainer's steps. */
export function epochDiagnostics(post: (m: FromWorker) => void, runId: number, epoch: number): void {
  if (!kept || kept.runId !== runId) return;
  kept.epoch = epoch;
  const { model, doc, analysis, data, probe, batch } = kept;
  if (!probe || !batch) return;
  try {
    const x1 = tf.tensor(probe.x, [1, ...data.inputShape]);
    const maps = captureAttention(model, x1, doc, analysis);
    x1.dispose();
    // The head's own loss (class, masked-token or MSE); several heads: no per-node gradients.
    const plan = planTraining(analysis, data);
    const { inputs, targets } = batchTensors(plan, batch);
    const head = plan.heads[0]!;
    const gradients =
      plan.heads.length === 1
        ? gradientNormsByNode(
            model,
            doc,
            inputs.length === 1 ? inputs[0]! : inputs,
            targets[0]!.y,
            (out, y) => headLoss(head, out, y, targets[0]!.mask, 0).loss,
          )
        : [];
    tf.dispose([...inputs, ...targets.flatMap((t) => (t.mask ? [t.y, t.mask] : [t.y]))]);
    post({ type: 'diagnostics', runId, diagnostics: summariseEpoch(epoch, maps, gradients) });
  } catch (err) {
    post({
      type: 'status',
      runId,
      phase: 'training',
      message: `Latent diagnostics of epoch ${epoch} failed: ${(err as Error).message}`,
    });
  }
}

/** Answer an attention request from the UI with the kept model's maps for one example. */
export async function answerAttention(
  post: (m: FromWorker) => void,
  req: Extract<ToWorkerInsight, { type: 'attention' }>,
): Promise<void> {
  const { requestId } = req;
  const fail = (error: string) => post({ type: 'attention', requestId, snapshot: null, error });
  if (!kept) return fail('No trained model yet: train the graph (a few steps are enough), then look at its attention.');
  const k = kept;
  const split = k.data[req.split];
  if (split.size === 0) return fail(`The ${req.split} split is empty; pick another split.`);
  const index = Math.max(0, Math.min(split.size - 1, Math.floor(req.index)));
  try {
    const example = await split.example(index);
    const x = tf.tensor(example.x, [1, ...k.data.inputShape]);
    let maps: AttentionMap[];
    let probabilities: number[];
    try {
      maps = captureAttention(k.model, x, k.doc, k.analysis).filter((m) => m.role !== 'self');
      probabilities = Array.from(tf.tidy(() => tf.softmax(k.model.predict(x) as tf.Tensor).dataSync()));
    } finally {
      x.dispose();
    }
    const tooBig = maps.find((m) => m.probs.length > MAX_MAP_VALUES);
    if (tooBig)
      return fail(
        `The attention of "${tooBig.layer}" has ${tooBig.probs.length.toLocaleString('en')} values, too many to draw; look at a smaller model.`,
      );
    const predicted = probabilities.indexOf(Math.max(...probabilities));
    const snapshot: AttentionSnapshot = {
      runId: k.runId,
      docName: k.doc.name,
      epoch: k.epoch,
      training: k.training,
      maps,
      example: {
        split: req.split,
        index,
        splitSize: split.size,
        x: example.x,
        shape: k.data.inputShape,
        label: example.y,
        predicted,
        probabilities,
        classNames: k.data.classNames,
      },
    };
    post({ type: 'attention', requestId, snapshot });
  } catch (err) {
    fail(`Could not compute the attention maps: ${(err as Error).message}`);
  }
}

/**
 * The newest run's model, the graph as it was trained (data-derived params filled in) and its
 * data, for the Export menu (PyTorch or tfjs files with the trained weights). Read-only: the
 * insight views keep owning the model.
 */
export function keptModelForExport(): {
  runId: number;
  name: string;
  model: tf.LayersModel;
  doc: GraphDoc;
  data: Dataset;
  epoch: number | null;
  training: boolean;
} | null {
  return kept
    ? {
        runId: kept.runId,
        name: runLabel(kept),
        model: kept.model,
        doc: kept.doc,
        data: kept.data,
        epoch: kept.epoch,
        training: kept.training,
      }
    : null;
}

/** How Export and Try name the kept run: its name in the Runs view, so the two number runs alike. */
function runLabel(k: Kept): string {
  return k.name ?? `run ${k.runId}`;
}

/** The UI's name for a run (its run record's, e.g. "MNIST Perceiver IO #2"). */
export function nameRunForInsight(runId: number, name: string): void {
  if (kept?.runId === runId) kept.name = name;
}
