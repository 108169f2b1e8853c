/**
 * Weight sharing made visible. A repeated block that reuses one set of weights is drawn with a
 * "tied" badge and a strip of its repeats, where repeats that share a set are linked by dashed
 * arcs; a decoder tied to an input embedding gets a dashed "tied" wire. Read from the kinds'
 * own parameters (and their sharing rule), so the drawing cannot disagree with the compiler.
 */
import { distinctSets, setIndex, type Sharing } from '../../engine/kinds/repeatedCrossAttend';

export interface RepeatStrip {
  label: string;
  /** Weight set used by each repeat, in order (equal numbers = the same, tied, weights). */
  sets: number[];
}

export interface SharingInfo {
  /** Short text on the node face, e.g. "tied ×4". */
  badge: string | null;
  /** One sentence for the tooltip and screen readers. */
  title: string;
  strips: RepeatStrip[];
}

const MAX_REPEATS_DRAWN = 24;

export function sharingOf(kind: string, params: Record<string, unknown> | undefined): SharingInfo | null {
  const p = params ?? {};
  if (kind === 'LatentStack') {
    const blocks = Number(p.blocks ?? 2);
    const layers = Number(p.layersPerBlock ?? 1);
    const shared = p.shareWeights !== false;
    if (!(blocks > 1)) return null;
    const n = Math.min(blocks, MAX_REPEATS_DRAWN);
    return {
      badge: shared ? `tied ×${blocks}` : null,
      title: shared
        ? `The block of ${layers} layer${layers > 1 ? 's' : ''} is applied ${blocks} times with one set of weights (tied).`
        : `The block is applied ${blocks} times, each repeat with its own weights.`,
      strips: [{ label: 'blocks', sets: Array.from({ length: n }, (_, r) => (shared ? 0 : r)) }],
    };
  }
  if (kind === 'RepeatedCrossAttend') {
    const depth = Number(p.depth ?? 8);
    const selfPer = Number(p.selfPerCross ?? 6);
    const cross = (p.crossSharing ?? 'firstUnique') as Sharing;
    const self = (p.selfSharing ?? 'allShared') as Sharing;
    if (!(depth > 1)) return null;
    const n = Math.min(depth, MAX_REPEATS_DRAWN);
    const strips: RepeatStrip[] = [{ label: 'cross', sets: Array.from({ length: n }, (_, r) => setIndex(cross, r)) }];
    if (selfPer > 0) strips.push({ label: 'self', sets: Array.from({ length: n }, (_, r) => setIndex(self, r)) });
    const c = distinctSets(cross, depth);
    const s = distinctSets(self, depth);
    const tied = c < depth || (selfPer > 0 && s < depth);
    return {
      badge: tied ? `tied: ${cross} / ${self}` : null,
      title: `${depth} cross-attends use ${c} weight set${c > 1 ? 's' : ''} (${cross})${selfPer > 0 ? `; the latent transformers after them use ${s} (${self})` : ''}.`,
      strips,
    };
  }
  return null;
}

/** A wire that carries shared weights rather than activations (drawn dashed, labelled "tied"). */
export function isTiedWire(targetKind: string | undefined, targetPort: string): boolean {
  return targetKind === 'TiedEmbeddingDecoder' && targetPort === 'embedding';
}

/** Arcs between consecutive uses of the same weight set: [from repeat, to repeat]. */
export function tieLinks(sets: readonly number[]): [number, number][] {
  const last = new Map<number, number>();
  const out: [number, number][] = [];
  sets.forEach((s, i) => {
    const prev = last.get(s);
    if (prev !== undefined) out.push([prev, i]);
    last.set(s, i);
  });
  return out;
}
