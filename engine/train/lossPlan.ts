/**
 * Which loss and metric each head trains with, checked against the data — pure (no tfjs), so
 * the app's UI thread can check a graph against a dataset and label metrics without loading
 * tfjs. The tensor maths lives in losses.ts.
 */
import { targetsOf, type Dataset, type TargetSpec } from '../data/dataset.js';
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
  /** The head's loss weight (its lossWeight param; 1 by default): training minimises Σ weight · loss. */
  weight: number;
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
  return l === 'classification'
    ? 'a classification head (one class per example)'
    : l === 'tokenClassification'
      ? 'a token head (a class per position)'
      : 'a regression head (real values)';
}
function targetText(t: TargetSpec): string {
  if (t.kind === 'classes') return 'one class per example';
  if (t.kind === 'tokens')
    return `a token per position ${shapeText(t.shape)}${t.masked ? ' (masked-token targets)' : ''}`;
  return `real-valued targets ${shapeText(t.shape)}`;
}
function headFor(t: TargetSpec): string {
  if (t.kind === 'classes') return 'a Classification head or a Mean-pool classifier';
  if (t.kind === 'tokens') return 'a Tied embedding decoder';
  return 'a Per-position projection';
}
function metricFor(t: TargetSpec): MetricKind {
  return t.kind === 'classes'
    ? 'accuracy'
    : t.kind === 'tokens'
      ? t.masked
        ? 'maskedTokenAccuracy'
        : 'tokenAccuracy'
      : 'mse';
}

/**
 * Check one head against its targets; returns the plan or throws a BindError naming the head
 * and the data and saying what to change.
 */
export function planHead(
  nodeId: string,
  loss: HeadLoss,
  outputShape: number[],
  target: TargetSpec,
  data: Pick<Dataset, 'name' | 'numClasses'>,
  weight = 1,
): HeadPlan {
  const where = `the data (${data.name})`;
  const wanted: HeadLoss['type'] =
    target.kind === 'classes' ? 'classification' : target.kind === 'tokens' ? 'tokenClassification' : 'regression';
  if (loss.type !== wanted) {
    throw new BindError(
      `The head "${nodeId}" is ${lossText(loss.type)} but ${where} has ${targetText(target)}; use ${headFor(target)} for this data, or data that fits the head`,
      nodeId,
    );
  }
  if (!(weight >= 0) || !Number.isFinite(weight))
    throw new BindError(
      `The head "${nodeId}" has the loss weight ${weight}; set lossWeight to a number ≥ 0 (1 by default)`,
      nodeId,
      'lossWeight',
    );
  const plan: HeadPlan = {
    nodeId,
    loss: loss.type,
    classes: 'classes' in loss ? loss.classes : 0,
    outputShape,
    target,
    metric: metricFor(target),
    weight,
  };
  if (target.kind === 'classes') {
    if (loss.type === 'classification' && loss.classes !== data.numClasses) {
      throw new BindError(
        `The head "${nodeId}" predicts ${loss.classes} classes but ${where} has ${data.numClasses}; set its numClasses to ${data.numClasses} (or 0 to take it from the data)`,
        nodeId,
        'numClasses',
      );
    }
  } else if (target.kind === 'tokens') {
    const positions = outputShape.slice(0, -1);
    if (positions.join('x') !== target.shape.join('x')) {
      throw new BindError(
        `The head "${nodeId}" predicts ${shapeText(positions)} positions but ${where} has targets for ${shapeText(target.shape)}; give the output queries as many positions as the input (e.g. numQueries = ${target.shape[0]})`,
        nodeId,
      );
    }
    if (plan.classes < target.classes) {
      throw new BindError(
        `The head "${nodeId}" predicts ${plan.classes} token classes but ${where} uses ${target.classes} token ids; raise the vocabulary (e.g. Text bytes vocabSize) to at least ${target.classes}`,
        nodeId,
      );
    }
  } else if (prod(outputShape) !== prod(target.shape)) {
    throw new BindError(
      `The head "${nodeId}" predicts ${shapeText(outputShape)} (${prod(outputShape)} values) per example but ${where} has ${shapeText(target.shape)} (${prod(target.shape)} values) per example; make the head's output match the targets (number of output queries × outputChannels)`,
      nodeId,
    );
  }
  return plan;
}

export function checkInputs(
  inputs: InputPlan[],
  names: string[],
  data: Pick<Dataset, 'name' | 'inputShape' | 'moreInputShapes'>,
): void {
  const given = [data.inputShape, ...(data.moreInputShapes ?? [])];
  if (given.length !== inputs.length) {
    throw new BindError(
      `The graph has ${inputs.length} model input${inputs.length === 1 ? '' : 's'} (${names.join(', ')}) but the data (${data.name}) gives ${given.length}; ${inputs.length > given.length ? 'remove the extra input nodes or use data with an array per input' : 'add an input node per array of the data'}`,
      names[0],
    );
  }
  inputs.forEach((inp, i) => {
    if (inp.shape.join('x') !== given[i]!.join('x')) {
      throw new BindError(
        `The input node "${names[i]}" expects examples of shape ${shapeText(inp.shape)} but the data (${data.name}) gives ${shapeText(given[i]!)}; change its params to match the data`,
        names[i],
      );
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
    heads: heads.map((h, i) => {
      const node = analysis.nodes.get(h.nodeId);
      const w = node?.params?.lossWeight;
      return planHead(
        h.nodeId,
        h.loss,
        [...(node?.outputShapes.out ?? [])],
        targets[i]!,
        data,
        w === undefined ? 1 : Number(w),
      );
    }),
  };
}

/** The plan of the classic call: one float input, one classification head of `classes`. */
export function classifierPlan(inputShape: number[], classes: number): TrainPlan {
  return {
    inputs: [{ shape: inputShape, dtype: 'float32' }],
    heads: [
      {
        nodeId: 'head',
        loss: 'classification',
        classes,
        outputShape: [classes],
        target: { kind: 'classes' },
        metric: 'accuracy',
        weight: 1,
      },
    ],
  };
}
