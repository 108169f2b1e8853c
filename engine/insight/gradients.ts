/**
 * Gradient norm per graph node on one batch: which blocks are learning, which are starved or
 * exploding. Layers are named `nodeId` or `nodeId__suffix` by engine/compile, so a node's norm
 * covers every layer it built (stacks, repeats, shared sets).
 */
import * as tf from '@tensorflow/tfjs';
import type { GraphDoc } from '../graph/schema.js';
import { nodeIdOfLayer } from './attentionMaps.js';

export interface NodeGradient {
  nodeId: string;
  /** L2 norm of the loss gradient over all of the node's trainable weights. */
  norm: number;
  /** Trainable scalars in the node (so a norm can be read per parameter). */
  params: number;
}

/** The batch's loss from the model's output and the targets; must return a scalar. */
export type LossFn = (output: tf.Tensor, y: tf.Tensor) => tf.Scalar;

/**
 * Forward and backward on one batch without touching the weights. The caller owns `x` and `y`;
 * everything created here is disposed before returning.
 */
export function gradientNormsByNode(
  model: tf.LayersModel,
  doc: GraphDoc,
  x: tf.Tensor | tf.Tensor[],
  y: tf.Tensor,
  loss: LossFn,
): NodeGradient[] {
  const owner = new Map<tf.Variable, string>();
  const counts = new Map<string, number>();
  for (const layer of model.layers) {
    const nodeId = nodeIdOfLayer(layer.name, doc);
    for (const w of layer.trainableWeights) {
      const v = (w as unknown as { val: tf.Variable }).val;
      if (owner.has(v)) continue;
      owner.set(v, nodeId);
      counts.set(nodeId, (counts.get(nodeId) ?? 0) + w.shape.reduce((a: number, b) => a * (b ?? 1), 1));
    }
  }
  const vars = [...owner.keys()];
  if (vars.length === 0) return [];
  const squares = tf.tidy(() => {
    const { grads } = tf.variableGrads(() => loss(model.apply(x, { training: true }) as tf.Tensor, y), vars);
    const byNode = new Map<string, tf.Scalar[]>();
    for (const v of vars) {
      const g = grads[v.name];
      if (!g) continue;
      const id = owner.get(v)!;
      const list = byNode.get(id) ?? [];
      list.push(tf.sum(tf.square(g)));
      byNode.set(id, list);
    }
    const ids = [...byNode.keys()];
    return { ids, values: tf.stack(ids.map((id) => tf.addN(byNode.get(id)!))) };
  });
  const values = squares.values.dataSync();
  squares.values.dispose();
  return squares.ids.map((nodeId, i) => ({ nodeId, norm: Math.sqrt(values[i]!), params: counts.get(nodeId) ?? 0 }));
}
