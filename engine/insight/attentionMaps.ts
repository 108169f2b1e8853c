/**
 * Attention maps: the model's real attention probabilities for one example, captured from the
 * attention layers while a forward pass runs, and laid back onto the input's grid.
 */
import * as tf from '@tensorflow/tfjs';
import { setAttentionRecorder } from '../layers/perceiverLayers.js';
import type { Analysis } from '../graph/analyse.js';
import type { GraphDoc } from '../graph/schema.js';
import { type AttentionMap } from './attentionStats.js';

export {
  latentDiagnostics,
  queryRow,
  rowEntropies,
  similarityMatrix,
  type AttentionMap,
  type LatentDiagnostics,
} from './attentionStats.js';

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
export function captureAttention(
  model: tf.LayersModel,
  x: tf.Tensor | tf.Tensor[],
  doc: GraphDoc,
  analysis: Analysis,
): AttentionMap[] {
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
    const map: AttentionMap = {
      layer,
      nodeId,
      call: 0,
      step: 0,
      heads,
      queries: tq,
      keys: tk,
      probs: data,
      keyGrid: role === 'encoder' ? keyGridFor(doc, analysis, nodeId, tk) : null,
      role,
    };
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
