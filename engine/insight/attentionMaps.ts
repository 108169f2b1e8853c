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
  /**
   * Position among the node's maps of the same role, in execution order: the original
   * Perceiver's successive cross-attends are steps 0, 1, 2… whichever weight set each uses.
   */
  step: number;
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

const prod = (xs: readonly number[]): number => xs.reduce((a, b) => a * b, 1);

/**
 * The grid the keys of a node's kv input live on, traced back through the graph: the nearest
 * upstream node that turns a grid [..., C] into tokens [prod(...), C'] (position encodings,
 * per-token projections) names the grid. Token-count changes (concatenation, pooling) end the
 * trace: the keys are then a plain sequence.
 */
function keyGridFor(doc: GraphDoc, analysis: Analysis, nodeId: string, keys: number): number[] | null {
  let edge = doc.edges.find((e) => e.target.node === nodeId && e.target.port === 'kv');
  for (let hops = 0; edge && hops < 8; hops++) {
    const src = analysis.nodes.get(edge.source.node);
    if (!src) return null;
    const out = src.outputShapes[edge.source.port];
    if (!out) return null;
    if (out.length >= 3) return prod(out.slice(0, -1)) === keys ? (out.slice(0, -1) as number[]) : null;
    if (out[0] !== keys) return null;
    const inShape = src.inputShapes.in;
    if (inShape && inShape.length >= 3 && prod(inShape.slice(0, -1)) === keys) return inShape.slice(0, -1) as number[];
    const from = edge.source.node;
    edge = doc.edges.find((e) => e.target.node === from && e.target.port === 'in');
  }
  return null;
}

interface BlockConfig {
  selfAttention?: boolean;
  chunkSize?: number;
}

function blockConfig(model: tf.LayersModel, layer: string): BlockConfig {
  try {
    return model.getLayer(layer).getConfig() as BlockConfig;
  } catch {
    return {};
  }
}

/**
 * Run `model` on one example and return every attention layer's probabilities for it, in
 * execution order. `x` is one example batch [1, ...inputShape]; the caller owns it.
 */
export function captureAttention(model: tf.LayersModel, x: tf.Tensor | tf.Tensor[], doc: GraphDoc, analysis: Analysis): AttentionMap[] {
  const maps: AttentionMap[] = [];
  const calls = new Map<string, number>();
  const steps = new Map<string, number>();
  /** A chunked decoder reports its query rows chunk by chunk within one call; join them. */
  let partial: { map: AttentionMap; rows: Float32Array[]; rowsSeen: number; totalRows: number } | null = null;
  const finish = (map: AttentionMap) => {
    const key = `${map.nodeId}/${map.role}`;
    map.step = steps.get(key) ?? 0;
    steps.set(key, map.step + 1);
    const call = calls.get(map.layer) ?? 0;
    map.call = call;
    calls.set(map.layer, call + 1);
    maps.push(map);
  };
  setAttentionRecorder((layer, probs) => {
    const [, heads, tq, tk] = probs.shape as [number, number, number, number];
    // First example only; copy out synchronously so nothing outlives the tidy scope.
    const data = (tf.slice(probs, [0, 0, 0, 0], [1, heads, tq, tk]).dataSync() as Float32Array).slice();
    if (partial && partial.map.layer === layer && partial.rowsSeen < partial.totalRows) {
      partial.rows.push(data);
      partial.rowsSeen += tq;
      if (partial.rowsSeen >= partial.totalRows) finish(joinChunks(partial.map, partial.rows));
      return;
    }
    const nodeId = nodeIdOfLayer(layer, doc);
    const kind = doc.nodes.find((n) => n.id === nodeId)?.kind ?? '';
    const cfg = blockConfig(model, layer);
    const role: AttentionMap['role'] = cfg.selfAttention ? 'self' : /Decoder/.test(kind) ? 'decoder' : 'encoder';
    const map: AttentionMap = { layer, nodeId, call: 0, step: 0, heads, queries: tq, keys: tk, probs: data, keyGrid: role === 'encoder' ? keyGridFor(doc, analysis, nodeId, tk) : null, role };
    const totalRows = analysis.nodes.get(nodeId)?.inputShapes.q?.[0] ?? tq;
    if (cfg.chunkSize && cfg.chunkSize > 0 && tq < totalRows) {
      partial = { map, rows: [data], rowsSeen: tq, totalRows };
      return;
    }
    finish(map);
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

/** Chunks are [heads, rows_i, keys] each; the joined map is [heads, Σ rows_i, keys]. */
function joinChunks(first: AttentionMap, chunks: Float32Array[]): AttentionMap {
  const { heads, keys } = first;
  const rowsOf = chunks.map((c) => c.length / (heads * keys));
  const queries = rowsOf.reduce((a, b) => a + b, 0);
  const probs = new Float32Array(heads * queries * keys);
  for (let h = 0; h < heads; h++) {
    let row = 0;
    chunks.forEach((c, i) => {
      const n = rowsOf[i]!;
      probs.set(c.subarray(h * n * keys, (h + 1) * n * keys), (h * queries + row) * keys);
      row += n;
    });
  }
  return { ...first, queries, probs };
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

/**
 * Cosine similarity between every pair of query rows (mean over heads), [queries × queries]
 * row-major: two latents at 1 read the same places.
 */
export function similarityMatrix(map: AttentionMap): Float32Array {
  const n = map.queries;
  const rows = Array.from({ length: n }, (_, q) => queryRow(map, q, 'mean'));
  const norms = rows.map((r) => Math.sqrt(r.reduce((a, v) => a + v * v, 0)));
  const out = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    out[i * n + i] = norms[i]! ? 1 : 0;
    for (let j = i + 1; j < n; j++) {
      let dot = 0;
      for (let k = 0; k < map.keys; k++) dot += rows[i]![k]! * rows[j]![k]!;
      const cos = norms[i]! && norms[j]! ? dot / (norms[i]! * norms[j]!) : 0;
      out[i * n + j] = cos;
      out[j * n + i] = cos;
    }
  }
  return out;
}

export function latentDiagnostics(map: AttentionMap, sim: Float32Array = similarityMatrix(map)): LatentDiagnostics {
  const maxE = Math.log(map.keys);
  const ent = rowEntropies(map);
  const normalisedEntropy = [...ent].map((e) => (maxE > 0 ? e / maxE : 0));
  const n = map.queries;
  const collapsedPairs: [number, number][] = [];
  let simSum = 0;
  let pairs = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const cos = sim[i * n + j]!;
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
