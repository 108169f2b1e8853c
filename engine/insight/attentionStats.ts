/**
 * The pure half of attention maps: the map type and the statistics read off it (rows, entropies,
 * similarity, collapse). No tfjs here, so the UI thread can draw and summarise maps without
 * pulling tfjs into its bundle; the capture itself lives in attentionMaps.ts (tfjs).
 */
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
