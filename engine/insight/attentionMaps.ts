/**
 * Attention maps: the model's real attention probabilities for one example, captured from the
 * attention layers while a forward pass runs, and laid back onto the input's grid.
 */
import * as tf from '@tensorflow/tfjs';
import { setAttentionRecorder } from '../layers/perceiverLayers.js';
import type { Analysis } from '../graph/analyse.js';
import type { GraphDoc } from '../graph/schema.js';

export interface AttentionMap {
  /** tfjs layer name (node id, plus a suffix for stacks and repeats). */
  layer: string;
  /** The graph node that owns the layer. */
  nodeId: string;
  /** Which application of a shared layer this is (0 for the first call). */
  call: number;
  heads: number;
  /** Query rows (latents for the encoder, output queries for the decoder) and key columns. */
  queries: number;
  keys: number;
  /** probs[h][q][k] flattened row-major: [heads, queries, keys], for the chosen example. */
  probs: Float32Array;
  /** When the keys come from a grid (image patches, pixels), its index dims, e.g. [7, 7]. */
  keyGrid: number[] | null;
  role: 'encoder' | 'decoder' | 'self';
}

/** Node id from a layer name made by engine/compile (`nodeId` or `nodeId__suffix`). */
export function nodeIdOfLayer(layer: string, doc: GraphDoc): string {
  const base = layer.split('__')[0]!;
  const node = doc.nodes.find((n) => n.id.replace(/[^A-Za-z0-9_]/g, '_') === base);
  return node ? node.id : base;
}

/** The grid the keys of a node's kv input live on, traced back through the graph. */
function keyGridFor(doc: GraphDoc, analysis: Analysis, nodeId: string): number[] | null {
  const edge = doc.edges.find((e) => e.target.node === nodeId && e.target.port === 'kv');
  if (!edge) return null;
  const src = analysis.nodes.get(edge.source.node);
  if (!src) return null;
  // A position-encoding node flattens a grid: its input shape (minus channels) is the grid.
  const inShape = src.inputShapes.in;
  if (inShape && inShape.length >= 3) return inShape.slice(0, -1) as number[];
  return null;
}

/**
 * Run `model` on one example and return every attention layer's probabilities for it.
 * `x` is one example batch [1, ...inputShape]; the caller owns it.
 */
export function captureAttention(model: tf.LayersModel, x: tf.Tensor | tf.Tensor[], doc: GraphDoc, analysis: Analysis): AttentionMap[] {
  const maps: AttentionMap[] = [];
  const calls = new Map<string, number>();
  setAttentionRecorder((layer, probs) => {
    const [, heads, tq, tk] = probs.shape as [number, number, number, number];
    // First example only; copy out synchronously so nothing outlives the tidy scope.
    const data = (tf.slice(probs, [0, 0, 0, 0], [1, heads, tq, tk]).dataSync() as Float32Array).slice();
    const nodeId = nodeIdOfLayer(layer, doc);
    const kind = doc.nodes.find((n) => n.id === nodeId)?.kind ?? '';
    const role: AttentionMap['role'] = kind === 'LatentStack' ? 'self' : /Decoder/.test(kind) ? 'decoder' : 'encoder';
    const call = calls.get(layer) ?? 0;
    calls.set(layer, call + 1);
    maps.push({ layer, nodeId, call, heads, queries: tq, keys: tk, probs: data, keyGrid: role === 'encoder' ? keyGridFor(doc, analysis, nodeId) : null, role });
  });
  try {
    tf.tidy(() => {
      model.predict(x);
    });
  } finally {
    setAttentionRecorder(null);
  }
  return maps;
}

/** The map of one query row (latent) and head (or the mean over heads when head is 'mean'). */
export function queryRow(map: AttentionMap, query: number, head: number | 'mean'): Float32Array {
  const out = new Float32Array(map.keys);
  const hs = head === 'mean' ? [...Array(map.heads).keys()] : [head];
  for (const h of hs) {
    const off = (h * map.queries + query) * map.keys;
    for (let k = 0; k < map.keys; k++) out[k]! += map.probs[off + k]! / hs.length;
  }
  return out;
}

/** Shannon entropy (nats) of each query row, averaged over heads; log(keys) means uniform. */
export function rowEntropies(map: AttentionMap): Float32Array {
  const out = new Float32Array(map.queries);
  for (let q = 0; q < map.queries; q++) {
    let sum = 0;
    for (let h = 0; h < map.heads; h++) {
      const off = (h * map.queries + q) * map.keys;
      let e = 0;
      for (let k = 0; k < map.keys; k++) {
        const p = map.probs[off + k]!;
        if (p > 0) e -= p * Math.log(p);
      }
      sum += e;
    }
    out[q] = sum / map.heads;
  }
  return out;
}

export interface LatentDiagnostics {
  /** Mean entropy per latent, normalised by log(keys): 1 = uniform, 0 = one key. */
  normalisedEntropy: number[];
  /** Latents that look nowhere in particular (entropy > 0.95 of uniform). */
  nearUniform: number[];
  /** Latents whose attention is (almost) the same as another's: pairs with cosine > 0.98. */
  collapsedPairs: [number, number][];
  /** Mean pairwise cosine similarity between latents' attention rows. */
  meanSimilarity: number;
}

export function latentDiagnostics(map: AttentionMap): LatentDiagnostics {
  const maxE = Math.log(map.keys);
  const ent = rowEntropies(map);
  const normalisedEntropy = [...ent].map((e) => (maxE > 0 ? e / maxE : 0));
  const rows = Array.from({ length: map.queries }, (_, q) => queryRow(map, q, 'mean'));
  const norms = rows.map((r) => Math.sqrt(r.reduce((a, v) => a + v * v, 0)));
  const collapsedPairs: [number, number][] = [];
  let simSum = 0;
  let pairs = 0;
  for (let i = 0; i < rows.length; i++) {
    for (let j = i + 1; j < rows.length; j++) {
      let dot = 0;
      for (let k = 0; k < map.keys; k++) dot += rows[i]![k]! * rows[j]![k]!;
      const cos = norms[i]! && norms[j]! ? dot / (norms[i]! * norms[j]!) : 0;
      simSum += cos;
      pairs++;
      if (cos > 0.98 && collapsedPairs.length < 64) collapsedPairs.push([i, j]);
    }
  }
  return {
    normalisedEntropy,
    nearUniform: normalisedEntropy.flatMap((e, i) => (e > 0.95 ? [i] : [])),
    collapsedPairs,
    meanSimilarity: pairs ? simSum / pairs : 0,
  };
}
