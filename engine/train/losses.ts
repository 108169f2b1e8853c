/**
 * Loss and metric by head. A head's kind declares its loss (KindDefinition.loss → HeadLoss);
 * the dataset declares its targets (Dataset.targets → TargetSpec). `planTraining` checks that
 * they agree — one message naming the head and the data when they do not — and the trainer
 * then calls `headLoss` per head and sums the losses.
 *
 *   classification       softmax cross-entropy (label smoothing), accuracy, confusion matrix
 *   tokenClassification  cross-entropy per position, mean over the counted (masked) positions,
 *                        masked-token accuracy (token accuracy when every position counts)
 *   regression           mean squared error over every predicted value
 */
import * as tf from '@tensorflow/tfjs';
import { targetsOf, type Batch, type Dataset } from '../data/dataset.js';
import type { HeadLoss } from '../kinds/types.js';
import { BindError } from './bindData.js';
import { checkInputs, planHead, type HeadPlan, type TrainPlan } from './lossPlan.js';

export * from './lossPlan.js';

/** Plan from a compiled model alone (tests, callers without the analysis): the targets decide the loss. */
export function planFromModel(model: tf.LayersModel, data: Dataset): TrainPlan {
  const inputs = model.inputs.map((t) => ({
    shape: t.shape.slice(1) as number[],
    dtype: t.dtype === 'int32' ? ('int32' as const) : ('float32' as const),
  }));
  checkInputs(
    inputs,
    model.inputs.map((t) => t.name),
    data,
  );
  const targets = targetsOf(data);
  if (model.outputs.length !== targets.length) {
    throw new BindError(
      `The model has ${model.outputs.length} outputs but the data (${data.name}) has targets for ${targets.length}`,
    );
  }
  return {
    inputs,
    heads: model.outputs.map((o, i) => {
      const shape = o.shape.slice(1) as number[];
      const t = targets[i]!;
      const loss: HeadLoss =
        t.kind === 'classes'
          ? { type: 'classification', classes: shape[shape.length - 1]! }
          : t.kind === 'tokens'
            ? { type: 'tokenClassification', classes: shape[shape.length - 1]! }
            : { type: 'regression', channels: shape[shape.length - 1] ?? 1 };
      return planHead(`output ${i + 1}`, loss, shape, t, data);
    }),
  };
}

/** Softmax cross-entropy with optional label smoothing, mean over the batch. */
export function classificationLoss(
  logits: tf.Tensor,
  labels: tf.Tensor,
  classes: number,
  smoothing: number,
): tf.Scalar {
  return tf.tidy(() => {
    let target = tf.oneHot(labels as tf.Tensor1D, classes).toFloat();
    if (smoothing > 0) target = tf.add(tf.mul(target, 1 - smoothing), smoothing / classes);
    const logp = tf.logSoftmax(logits);
    return tf.neg(tf.mean(tf.sum(tf.mul(target, logp), -1))) as tf.Scalar;
  });
}

/**
 * Cross-entropy per position, averaged over the positions whose mask is 1 (all positions
 * without a mask). A batch with no counted position gives 0, not NaN.
 */
export function tokenClassificationLoss(
  logits: tf.Tensor,
  labels: tf.Tensor,
  mask: tf.Tensor | null,
  classes: number,
  smoothing: number,
): tf.Scalar {
  return tf.tidy(() => {
    const v = logits.shape[logits.shape.length - 1]!;
    let target = tf.oneHot(tf.reshape(labels, [-1]) as tf.Tensor1D, v).toFloat();
    // Smoothing spreads over the classes the data uses, not the spare ids of a larger vocabulary.
    if (smoothing > 0) {
      const spread =
        v > classes
          ? tf.concat([tf.fill([1, classes], smoothing / classes), tf.zeros([1, v - classes])], 1)
          : tf.fill([1, v], smoothing / v);
      target = tf.add(tf.mul(target, 1 - smoothing), spread);
    }
    const ce = tf.neg(tf.sum(tf.mul(target, tf.logSoftmax(tf.reshape(logits, [-1, v]))), -1));
    if (!mask) return tf.mean(ce) as tf.Scalar;
    const m = tf.reshape(mask, [-1]);
    return tf.div(tf.sum(tf.mul(ce, m)), tf.maximum(tf.sum(m), 1)) as tf.Scalar;
  });
}

/** Mean squared error over every value; targets are reshaped to the predictions' shape. */
export function regressionLoss(pred: tf.Tensor, targets: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.square(tf.sub(pred, tf.reshape(targets, pred.shape)))) as tf.Scalar);
}

export interface HeadOutcome {
  loss: tf.Scalar;
  /** [hits, count]: correct predictions and counted ones (accuracies), or squared error and values (MSE). */
  tally: tf.Tensor1D;
  /** Predicted class per example (classification heads only, for the confusion matrix). */
  predicted?: tf.Tensor;
}

/** Loss and metric tally of one head for one batch. Call inside tf.tidy. */
export function headLoss(
  plan: HeadPlan,
  output: tf.Tensor,
  y: tf.Tensor,
  mask: tf.Tensor | null,
  smoothing: number,
): HeadOutcome {
  if (plan.loss === 'classification') {
    const predicted = tf.argMax(output, -1);
    const hits = tf.sum(tf.cast(tf.equal(predicted, y), 'float32'));
    return {
      loss: classificationLoss(output, y, plan.classes, smoothing),
      tally: tf.stack([hits, tf.scalar(y.shape[0]!)]) as tf.Tensor1D,
      predicted,
    };
  }
  if (plan.loss === 'tokenClassification') {
    const v = output.shape[output.shape.length - 1]!;
    const right = tf.cast(tf.equal(tf.argMax(tf.reshape(output, [-1, v]), -1), tf.reshape(y, [-1])), 'float32');
    const m = mask ? tf.reshape(mask, [-1]) : tf.onesLike(right);
    return {
      loss: tokenClassificationLoss(
        output,
        y,
        mask,
        plan.target.kind === 'tokens' ? plan.target.classes : v,
        smoothing,
      ),
      tally: tf.stack([tf.sum(tf.mul(right, m)), tf.sum(m)]) as tf.Tensor1D,
    };
  }
  const sq = tf.sum(tf.square(tf.sub(output, tf.reshape(y, output.shape))));
  return { loss: regressionLoss(output, y), tally: tf.stack([sq, tf.scalar(output.size)]) as tf.Tensor1D };
}

/** A batch's tensors for the plan: inputs in model order, and per head its targets and mask. */
export function batchTensors(
  plan: TrainPlan,
  b: Batch,
): { inputs: tf.Tensor[]; targets: { y: tf.Tensor; mask: tf.Tensor | null }[] } {
  const xs = [b.x, ...(b.moreInputs ?? [])];
  if (xs.length !== plan.inputs.length)
    throw new Error(`a batch has ${xs.length} input arrays but the model has ${plan.inputs.length} inputs`);
  const ys = [{ y: b.y, mask: b.mask }, ...(b.moreTargets ?? [])];
  if (ys.length !== plan.heads.length)
    throw new Error(`a batch has targets for ${ys.length} heads but the model has ${plan.heads.length}`);
  const inputs = plan.inputs.map((p, i) => {
    const arr = xs[i]!;
    return p.dtype === 'int32'
      ? tf.tensor(Int32Array.from(arr), [b.n, ...p.shape], 'int32')
      : tf.tensor(arr, [b.n, ...p.shape], 'float32');
  });
  const targets = plan.heads.map((h, i) => {
    const t = ys[i]!;
    if (h.target.kind === 'values')
      return {
        y: tf.tensor(t.y instanceof Float32Array ? t.y : Float32Array.from(t.y), [b.n, ...h.target.shape], 'float32'),
        mask: null,
      };
    const shape = h.target.kind === 'tokens' ? [b.n, ...h.target.shape] : [b.n];
    return {
      y: tf.tensor(t.y instanceof Int32Array ? t.y : Int32Array.from(t.y), shape, 'int32'),
      mask: h.target.kind === 'tokens' && h.target.masked && t.mask ? tf.tensor(t.mask, shape, 'float32') : null,
    };
  });
  return { inputs, targets };
}

/** A metric value from its accumulated tally. */
export const metricValue = (hits: number, count: number): number => (count > 0 ? hits / count : NaN);
