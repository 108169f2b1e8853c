/**
 * Fine-tuning: start a training run from pretrained weights (an imported Hugging Face model, a
 * model folder) instead of a random initialisation.
 *
 * Every weight of the new model whose name and shape match a pretrained weight is copied; a
 * weight whose shape changed — the classifier head rebuilt for another number of classes — keeps
 * its fresh initialisation and is reported as replaced; weights of nodes added since keep theirs
 * too. When less than half of the model's parameters match by name and shape, the start is
 * refused (the graph is not the one those weights were made for).
 *
 * `freezeEncoder` makes the encoder side untrainable: every node that feeds the (last) latent
 * stack, and the stack itself (or, without a stack, the encoder cross-attention and what feeds
 * it). The decoder, its queries and the heads stay trainable.
 */
import * as tf from '@tensorflow/tfjs';
import { layerName } from '../compile/compile.js';
import type { NamedArrays } from '../export/weights.js';
import type { GraphDoc } from '../graph/schema.js';

export class FineTuneError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FineTuneError';
  }
}

export interface PretrainedStartReport {
  /** Weights copied from the pretrained model. */
  loaded: number;
  /** Weights that kept their new initialisation because their shape changed (e.g. a new head). */
  replaced: { name: string; pretrained: number[]; now: number[] }[];
  /** Weights of the model the pretrained set does not have (nodes added since). */
  fresh: string[];
  /** Pretrained weights the model no longer has (nodes removed). */
  unused: string[];
  /** Node ids made untrainable (freezeEncoder). */
  frozenNodes: string[];
  /** Trainable parameters after freezing. */
  trainableParams: number;
}

/** Node ids of the encoder side: the latent stack(s) and everything upstream of them. */
export function encoderNodes(doc: GraphDoc): string[] {
  const byId = new Map(doc.nodes.map((n) => [n.id, n]));
  const parents = new Map<string, string[]>();
  for (const e of doc.edges) parents.set(e.target.node, [...(parents.get(e.target.node) ?? []), e.source.node]);
  let roots = doc.nodes.filter((n) => n.kind === 'LatentStack').map((n) => n.id);
  if (!roots.length) roots = doc.nodes.filter((n) => n.kind === 'CrossAttention').map((n) => n.id);
  const out = new Set<string>();
  const stack = [...roots];
  while (stack.length) {
    const id = stack.pop()!;
    if (out.has(id) || !byId.has(id)) continue;
    out.add(id);
    stack.push(...(parents.get(id) ?? []));
  }
  return doc.nodes.filter((n) => out.has(n.id)).map((n) => n.id);
}

/** Copy matching pretrained weights into `model` and optionally freeze the encoder side. */
export function applyPretrained(
  model: tf.LayersModel,
  doc: GraphDoc,
  pretrained: NamedArrays,
  options: { freezeEncoder?: boolean; source?: string } = {},
): PretrainedStartReport {
  const source = options.source ?? 'the pretrained model';
  const replaced: PretrainedStartReport['replaced'] = [];
  const fresh: string[] = [];
  const used = new Set<string>();
  const writes: [tf.LayerVariable, { shape: number[]; data: Float32Array }][] = [];
  for (const w of model.weights) {
    const a = pretrained.get(w.originalName);
    if (!a) {
      fresh.push(w.originalName);
      continue;
    }
    used.add(w.originalName);
    if (a.shape.join('x') !== w.shape.join('x')) {
      replaced.push({ name: w.originalName, pretrained: [...a.shape], now: w.shape.map((d) => d ?? 0) });
      continue;
    }
    writes.push([w, a]);
  }
  const size = (shape: readonly (number | null)[]) => shape.reduce((n: number, d) => n * (d ?? 1), 1);
  const total = model.weights.reduce((n, w) => n + size(w.shape), 0);
  const copied = writes.reduce((n, [w]) => n + size(w.shape), 0);
  if (!writes.length)
    throw new FineTuneError(
      `none of the model's weights match ${source} (no name and shape in common); it is not the graph those weights were made for`,
    );
  // Weight names are per node ("encoder/q_kernel"), so an unrelated graph can match a few by chance.
  if (copied < total / 2) {
    throw new FineTuneError(
      `only ${copied.toLocaleString('en-US')} of the model's ${total.toLocaleString('en-US')} parameters match ${source} by name and shape; it is not the graph those weights were made for (start from the imported graph and change its head)`,
    );
  }
  for (const [w, a] of writes) {
    const t = tf.tensor(a.data, a.shape);
    w.write(t);
    t.dispose();
  }
  const frozenNodes = options.freezeEncoder ? encoderNodes(doc) : [];
  if (options.freezeEncoder && !frozenNodes.length)
    throw new FineTuneError('this graph has no latent stack or encoder cross-attention to freeze');
  const frozen = new Set(frozenNodes.map((id) => layerName(id)));
  if (frozen.size)
    for (const layer of model.layers) if (frozen.has(layer.name.split('__')[0]!)) layer.trainable = false;
  const trainableParams = model.trainableWeights.reduce(
    (n, w) => n + w.shape.reduce((a: number, b) => a * (b ?? 1), 1),
    0,
  );
  if (frozen.size && trainableParams === 0)
    throw new FineTuneError('freezing the encoder leaves nothing to train (the graph has no decoder or head weights)');
  return {
    loaded: writes.length,
    replaced,
    fresh,
    unused: [...pretrained.keys()].filter((k) => !used.has(k)),
    frozenNodes,
    trainableParams,
  };
}
