/**
 * Per-epoch latent diagnostics as plain numbers (they cross a worker boundary and go into run
 * records): attention entropy per latent, near-uniform and collapsed latents, similarity
 * between latents, and gradient norm per block.
 */
import type { AttentionMap } from './attentionMaps.js';
import { latentDiagnostics, similarityMatrix } from './attentionMaps.js';
import type { NodeGradient } from './gradients.js';

/** Similarity matrices above this many latents are left out: n² numbers every epoch. */
export const MAX_SIMILARITY_LATENTS = 128;

export interface CrossAttendDiagnostics {
  layer: string;
  nodeId: string;
  /** Which successive cross-attend of the node (original Perceiver: 0…depth−1). */
  step: number;
  latents: number;
  keys: number;
  /** Per latent, mean entropy over heads / log(keys): 1 = uniform, 0 = one key. */
  normalisedEntropy: number[];
  nearUniform: number[];
  collapsedPairs: [number, number][];
  meanSimilarity: number;
  /** [latents × latents] cosine similarity of attention rows, or null when too many latents. */
  similarity: number[] | null;
}

export interface EpochDiagnostics {
  epoch: number;
  crossAttends: CrossAttendDiagnostics[];
  gradients: NodeGradient[];
}

export function summariseEpoch(epoch: number, maps: AttentionMap[], gradients: NodeGradient[]): EpochDiagnostics {
  const crossAttends = maps
    .filter((m) => m.role === 'encoder')
    .map((m): CrossAttendDiagnostics => {
      const sim = similarityMatrix(m);
      const d = latentDiagnostics(m, sim);
      return {
        layer: m.layer,
        nodeId: m.nodeId,
        step: m.step,
        latents: m.queries,
        keys: m.keys,
        normalisedEntropy: d.normalisedEntropy,
        nearUniform: d.nearUniform,
        collapsedPairs: d.collapsedPairs,
        meanSimilarity: d.meanSimilarity,
        similarity: m.queries <= MAX_SIMILARITY_LATENTS ? Array.from(sim) : null,
      };
    });
  return { epoch, crossAttends, gradients };
}
