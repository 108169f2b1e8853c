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
import { targetsOf, type Batch, type Dataset, type TargetSpec } from '../data/dataset.js';
import { analyse, type Analysis } from '../graph/analyse.js';
import type { GraphDoc } from '../graph/schema.js';
import { getKind } from '../kinds/registry.js';
import type { HeadLoss } from '../kinds/types.js';
import { BindError, fromDataParams } from './bindData.js';

export type MetricKind = 'accuracy' | 'maskedTokenAccuracy' | 'tokenAccuracy' | 'mse';

/** How a metric reads on screen and in the CLI. */
export const METRIC_LABEL: Record<MetricKind, string> = {
  accuracy: 'accuracy',
  maskedTokenAccuracy: 'masked-token accuracy',
  tokenAccuracy: 'token accuracy',
  mse: 'MSE',
};

/** Higher is better for accuracies, lower for errors. */
export const metricIsAccuracy = (m: MetricKind): boolean => m !== 'mse';

export interface HeadPlan {
  /** The head's node id (or `output k` when planned from a bare model). */
  nodeId: string;
  loss: HeadLoss['type'];
  /** Classes of a classification or token head (0 for regression). */
  classes: number;
  /** The head's output shape without the batch axis. */
  outputShape: number[];
  target: TargetSpec;
  metric: MetricKind;
}

export interface InputPlan {
  shape: number[];
  dtype: 'float32' | 'int32';
}

export interface TrainPlan {
  inputs: InputPlan[];
  heads: HeadPlan[];
}

const prod = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
const shapeText = (s: readonly number[]): string => `[${s.join(', ')}]`;

function lossText(l: HeadLoss['type']): string {
  return l === 'classification' ? 'a classification head (one class per example)' : l === 'tokenClassification' ? 'a token head (a class per position)' : 'a regression head (real values)';
}
function targetText(t: TargetSpec): string {
  if (t.kind === 'classes') return 'one class per example';
  if (t.kind === 'tokens') return `a token per position ${shapeText(t.shape)}${t.masked ? ' (masked-token targets)' : ''}`;
  return `real-valued targets ${shapeText(t.shape)}`;
}
function headFor(t: TargetSpec): string {
  if (t.kind === 'classes') return 'a Classification head or a Mean-pool classifier';
  if (t.kind === 'tokens') return 'a Tied embedding decoder';
  return 'a Per-position projection';
}
function metricFor(t: TargetSpec): MetricKind {
  return t.kind === 'classes' ? 'accuracy' : t.kind === 'tokens' ? (t.masked ? 'maskedTokenAccuracy' : 'tokenAccuracy') : 'mse';
}

/**
 * Check one head against its targets; returns the plan or throws a BindError naming the head
 * and the data and saying what to change.
 */
function planHead(nodeId: string, loss: HeadLoss, outputShape: number[], target: TargetSpec, data: Pick<Dataset, 'name' | 'numClasses'>): HeadPlan {
  const where = `the data (${data.name})`;
  const wanted: HeadLoss['type'] = target.kind === 'classes' ? 'classification' : target.kind === 'tokens' ? 'tokenClassification' : 'regression';
  if (loss.type !== wanted) {
    throw new BindError(`The head "${nodeId}" is ${lossText(loss.type)} but ${where} has ${targetText(target)}; use ${headFor(target)} for this data, or data that fits the head`, nodeId);
  }
  const plan: HeadPlan = { nodeId, loss: loss.type, classes: 'classes' in loss ? loss.classes : 0, outputShape, target, metric: metricFor(target) };
  if (target.kind === 'classes') {
    if (loss.type === 'classification' && loss.classes !== data.numClasses) {
      throw new BindError(`The head "${nodeId}" predicts ${loss.classes} classes but ${where} has ${data.numClasses}; set its numClasses to ${data.numClasses} (or 0 to take it from the data)`, nodeId, 'numClasses');
    }
  } else if (target.kind === 'tokens') {
    const positions = outputShape.slice(0, -1);
    if (positions.join('x') !== target.shape.join('x')) {
      throw new BindError(`The head "${nodeId}" predicts ${shapeText(positions)} positions but ${where} has targets for ${shapeText(target.shape)}; give the output queries as many positions as the input (e.g. numQueries = ${target.shape[0]})`, nodeId);
    }
    if (plan.classes < target.classes) {
      throw new BindError(`The head "${nodeId}" predicts ${plan.classes} token classes but ${where} uses ${target.classes} token ids; raise the vocabulary (e.g. Text bytes vocabSize) to at least ${target.classes}`, nodeId);
    }
  } else if (prod(outputShape) !== prod(target.shape)) {
    throw new BindError(
      `The head "${nodeId}" predicts ${shapeText(outputShape)} (${prod(outputShape)} values) per example but ${where} has ${shapeText(target.shape)} (${prod(target.shape)} values) per example; make the head's output match the targets (number of output queries × outputChannels)`,
      nodeId,
    );
  }
  return plan;
}

function checkInputs(inputs: InputPlan[], names: string[], data: Pick<Dataset, 'name' | 'inputShape' | 'moreInputShapes'>): void {
  const given = [data.inputShape, ...(data.moreInputShapes ?? [])];
  if (given.length !== inputs.length) {
    throw new BindError(
      `The graph has ${inputs.length} model input${inputs.length === 1 ? '' : 's'} (${names.join(', ')}) but the data (${data.name}) gives ${given.length}; ${inputs.length > given.length ? 'remove the extra input nodes or use data with an array per input' : 'add an input node per array of the data'}`,
      names[0],
    );
  }
  inputs.forEach((inp, i) => {
    if (inp.shape.join('x') !== given[i]!.join('x')) {
      throw new BindError(`The input node "${names[i]}" expects examples of shape ${shapeText(inp.shape)} but the data (${data.name}) gives ${shapeText(given[i]!)}; change its params to match the data`, names[i]);
    }
  });
}

/**
 * The loss each head implies, before the graph is bound to data (params left at 0 "from data"
 * are probed at 2): a loader reads regression targets as values, not classes, from this.
 */
export function headLossTypes(doc: GraphDoc): { nodeId: string; type: HeadLoss['type'] }[] {
  const nodes = doc.nodes.map((n) => {
    const kind = getKind(n.kind);
    const keys = kind ? fromDataParams(kind, n.params) : [];
    return keys.length ? { ...n, params: { ...n.params, ...Object.fromEntries(keys.map((k) => [k, 2])) } } : n;
  });
  return analyse({ ...doc, nodes }).heads.map((h) => ({ nodeId: h.nodeId, type: h.loss.type }));
}

/** Plan a run from the analysed (and bound) graph: heads in the compiled model's output order. */
export function planTraining(analysis: Pick<Analysis, 'inputSpecs' | 'heads' | 'nodes'>, data: Dataset): TrainPlan {
  const inputs = analysis.inputSpecs.map((s) => ({ shape: [...s.shape], dtype: s.dtype }));
  checkInputs(
    inputs,
    analysis.inputSpecs.map((s) => s.nodeId),
    data,
  );
  const targets = targetsOf(data);
  const heads = analysis.heads;
  if (heads.length !== targets.length) {
    throw new BindError(
      `The graph has ${heads.length} head${heads.length === 1 ? '' : 's'} (${heads.map((h) => h.nodeId).join(', ')}) but the data (${data.name}) has targets for ${targets.length}; ${heads.length > targets.length ? 'delete the heads the data has no targets for' : 'add a head per target'}`,
      heads[0]?.nodeId,
    );
  }
  return {
    inputs,
    heads: heads.map((h, i) => planHead(h.nodeId, h.loss, [...(analysis.nodes.get(h.nodeId)?.outputShapes.out ?? [])], targets[i]!, data)),
  };
}

/** Plan from a compiled model alone (tests, callers without the analysis): the targets decide the loss. */
export function planFromModel(model: tf.LayersModel, data: Dataset): TrainPlan {
  const inputs = model.inputs.map((t) => ({ shape: t.shape.slice(1) as number[], dtype: t.dtype === 'int32' ? ('int32' as const) : ('float32' as const) }));
  checkInputs(
    inputs,
    model.inputs.map((t) => t.name),
    data,
  );
  const targets = targetsOf(data);
  if (model.outputs.length !== targets.length) {
    throw new BindError(`The model has ${model.outputs.length} outputs but the data (${data.name}) has targets for ${targets.length}`);
  }
  return {
    inputs,
    heads: model.outputs.map((o, i) => {
      const shape = o.shape.slice(1) as number[];
      const t = targets[i]!;
      const loss: HeadLoss =
        t.kind === 'classes' ? { type: 'classification', classes: shape[shape.length - 1]! } : t.kind === 'tokens' ? { type: 'tokenClassification', classes: shape[shape.length - 1]! } : { type: 'regression', channels: shape[shape.length - 1] ?? 1 };
      return planHead(`output ${i + 1}`, loss, shape, t, data);
    }),
  };
}

/** The plan of the classic call: one float input, one classification head of `classes`. */
export function classifierPlan(inputShape: number[], classes: number): TrainPlan {
  return { inputs: [{ shape: inputShape, dtype: 'float32' }], heads: [{ nodeId: 'head', loss: 'classification', classes, outputShape: [classes], target: { kind: 'classes' }, metric: 'accuracy' }] };
}

/** Softmax cross-entropy with optional label smoothing, mean over the batch. */
export function classificationLoss(logits: tf.Tensor, labels: tf.Tensor, classes: number, smoothing: number): tf.Scalar {
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
export function tokenClassificationLoss(logits: tf.Tensor, labels: tf.Tensor, mask: tf.Tensor | null, classes: number, smoothing: number): tf.Scalar {
  return tf.tidy(() => {
    const v = logits.shape[logits.shape.length - 1]!;
    let target = tf.oneHot(tf.reshape(labels, [-1]) as tf.Tensor1D, v).toFloat();
    // Smoothing spreads over the classes the data uses, not the spare ids of a larger vocabulary.
    if (smoothing > 0) {
      const spread = v > classes ? tf.concat([tf.fill([1, classes], smoothing / classes), tf.zeros([1, v - classes])], 1) : tf.fill([1, v], smoothing / v);
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
export function headLoss(plan: HeadPlan, output: tf.Tensor, y: tf.Tensor, mask: tf.Tensor | null, smoothing: number): HeadOutcome {
  if (plan.loss === 'classification') {
    const predicted = tf.argMax(output, -1);
    const hits = tf.sum(tf.cast(tf.equal(predicted, y), 'float32'));
    return { loss: classificationLoss(output, y, plan.classes, smoothing), tally: tf.stack([hits, tf.scalar(y.shape[0]!)]) as tf.Tensor1D, predicted };
  }
  if (plan.loss === 'tokenClassification') {
    const v = output.shape[output.shape.length - 1]!;
    const right = tf.cast(tf.equal(tf.argMax(tf.reshape(output, [-1, v]), -1), tf.reshape(y, [-1])), 'float32');
    const m = mask ? tf.reshape(mask, [-1]) : tf.onesLike(right);
    return { loss: tokenClassificationLoss(output, y, mask, plan.target.kind === 'tokens' ? plan.target.classes : v, smoothing), tally: tf.stack([tf.sum(tf.mul(right, m)), tf.sum(m)]) as tf.Tensor1D };
  }
  const sq = tf.sum(tf.square(tf.sub(output, tf.reshape(y, output.shape))));
  return { loss: regressionLoss(output, y), tally: tf.stack([sq, tf.scalar(output.size)]) as tf.Tensor1D };
}

/** A batch's tensors for the plan: inputs in model order, and per head its targets and mask. */
export function batchTensors(plan: TrainPlan, b: Batch): { inputs: tf.Tensor[]; targets: { y: tf.Tensor; mask: tf.Tensor | null }[] } {
  const xs = [b.x, ...(b.moreInputs ?? [])];
  if (xs.length !== plan.inputs.length) throw new Error(`a batch has ${xs.length} input arrays but the model has ${plan.inputs.length} inputs`);
  const ys = [{ y: b.y, mask: b.mask }, ...(b.moreTargets ?? [])];
  if (ys.length !== plan.heads.length) throw new Error(`a batch has targets for ${ys.length} heads but the model has ${plan.heads.length}`);
  const inputs = plan.inputs.map((p, i) => {
    const arr = xs[i]!;
    return p.dtype === 'int32' ? tf.tensor(Int32Array.from(arr), [b.n, ...p.shape], 'int32') : tf.tensor(arr, [b.n, ...p.shape], 'float32');
  });
  const targets = plan.heads.map((h, i) => {
    const t = ys[i]!;
    if (h.target.kind === 'values') return { y: tf.tensor(t.y instanceof Float32Array ? t.y : Float32Array.from(t.y), [b.n, ...h.target.shape], 'float32'), mask: null };
    const shape = h.target.kind === 'tokens' ? [b.n, ...h.target.shape] : [b.n];
    return { y: tf.tensor(t.y instanceof Int32Array ? t.y : Int32Array.from(t.y), shape, 'int32'), mask: h.target.kind === 'tokens' && h.target.masked && t.mask ? tf.tensor(t.mask, shape, 'float32') : null };
  });
  return { inputs, targets };
}

/** A metric value from its accumulated tally. */
export const metricValue = (hits: number, count: number): number => (count > 0 ? hits / count : NaN);
