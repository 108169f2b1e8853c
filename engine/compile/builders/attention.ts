/** Builders of positions, latents and attention blocks (docs/ARCHITECTURE.md §A.2–§A.7, §A.9). */
import { FourierPosition, TrainableArray } from '../../layers/perceiverLayers.js';
import { TrainablePositionEncoding } from '../../layers/ioLayers.js';
import { crossDims } from '../../kinds/crossAttention.js';
import { selfDims } from '../../kinds/latentStack.js';
import { decoderDims } from '../../kinds/decoderCrossAttention.js';
import { repeatedDims, setIndex, type Sharing } from '../../kinds/repeatedCrossAttend.js';
import { prod } from '../../kinds/types.js';
import type { AttentionBlock } from '../../layers/perceiverLayers.js';
import { attentionBlock, one, type Builder, type Sym } from './context.js';

/** Apply a block to q (and kv, mask when given) the way AttentionBlock expects its inputs. */
function applyBlock(layer: AttentionBlock, q: Sym, kv?: Sym, mask?: Sym): Sym {
  const ins = kv ? [q, kv, ...(mask ? [mask] : [])] : mask ? [q, mask] : q;
  return one(layer.apply(ins));
}

export const ATTENTION_BUILDERS: Record<string, Builder> = {
  FourierPosition: (c) => {
    const indexDims = c.analysis.inputShapes.in!.slice(0, -1);
    const maxRes = c.params.maxResolution && c.params.maxResolution.length ? c.params.maxResolution : indexDims;
    return {
      out: one(
        new FourierPosition({
          name: c.name(),
          indexDims: [...indexDims],
          numBands: c.params.numBands,
          maxResolution: [...maxRes],
          concatPos: c.params.concatPos,
          sineOnly: c.params.sineOnly,
          combine: c.params.combine,
        }).apply(c.inputs.in!),
      ),
    };
  },
  TrainablePosition: (c) => ({
    out: one(
      new TrainablePositionEncoding({
        name: c.name(),
        positions: prod(c.analysis.inputShapes.in!.slice(0, -1)),
        numChannels: c.params.numChannels,
        projectPosDim: c.params.projectPosDim,
        combine: c.params.combine,
        initScale: c.params.initScale,
        seed: c.seed,
      }).apply(c.inputs.in!),
    ),
  }),
  LatentArray: (c) => ({
    out: one(
      new TrainableArray({
        name: c.name(),
        rows: c.params.numLatents,
        channels: c.params.channels,
        initScale: c.params.initScale,
        seed: c.seed,
      }).apply(c.batchRef),
    ),
  }),
  CrossAttention: (c) => {
    const d = crossDims(c.params, c.analysis.inputShapes.q!, c.analysis.inputShapes.kv!);
    const mask = c.inputs.mask;
    const layer = attentionBlock(c.name(), d, c.params, {
      useQueryResidual: c.params.useQueryResidual,
      maskMode: mask ? 'kv' : 'none',
      seed: c.seed,
    });
    return { out: applyBlock(layer, c.inputs.q!, c.inputs.kv!, mask) };
  },
  LatentStack: (c) => {
    const d = selfDims(c.params, c.analysis.inputShapes.in!);
    const {
      layersPerBlock: L,
      blocks: R,
      shareWeights,
    } = c.params as { layersPerBlock: number; blocks: number; shareWeights: boolean };
    const make = (name: string) => attentionBlock(name, d, c.params, { seed: c.seed });
    // Shared: L layer objects applied R times (the functional API reuses their variables).
    const shared = shareWeights ? Array.from({ length: L }, (_, l) => make(c.name(`layer${l}`))) : [];
    let x = c.inputs.in!;
    for (let r = 0; r < R; r++) {
      for (let l = 0; l < L; l++) x = applyBlock(shareWeights ? shared[l]! : make(c.name(`block${r}_layer${l}`)), x);
    }
    return { out: x };
  },
  RepeatedCrossAttend: (c) => {
    const { cross, self } = repeatedDims(c.params, c.analysis.inputShapes.q!, c.analysis.inputShapes.kv!);
    const mask = c.inputs.mask;
    const depth: number = c.params.depth;
    const L: number = c.params.selfPerCross;
    // One weight set per distinct index; repeats that map to the same index reuse the objects.
    const crossSets = new Map<number, AttentionBlock>();
    const selfSets = new Map<number, AttentionBlock[]>();
    const crossFor = (r: number) => {
      const k = setIndex(c.params.crossSharing as Sharing, r);
      if (!crossSets.has(k))
        crossSets.set(
          k,
          attentionBlock(c.name(`cross${k}`), cross, c.params, { maskMode: mask ? 'kv' : 'none', seed: c.seed }),
        );
      return crossSets.get(k)!;
    };
    const selfFor = (r: number) => {
      const k = setIndex(c.params.selfSharing as Sharing, r);
      if (!selfSets.has(k))
        selfSets.set(
          k,
          Array.from({ length: L }, (_, l) =>
            attentionBlock(c.name(`self${k}_layer${l}`), self, c.params, { seed: c.seed }),
          ),
        );
      return selfSets.get(k)!;
    };
    let z = c.inputs.q!;
    for (let r = 0; r < depth; r++) {
      z = applyBlock(crossFor(r), z, c.inputs.kv!, mask);
      for (const layer of selfFor(r)) z = applyBlock(layer, z);
    }
    return { out: z };
  },
  DecoderCrossAttention: (c) => {
    const d = decoderDims(c.params, c.analysis.inputShapes.q!, c.analysis.inputShapes.kv!);
    const mask = c.inputs.queryMask;
    const layer = attentionBlock(c.name(), d, c.params, {
      useQueryResidual: c.params.useQueryResidual,
      outputChannels: c.params.outputChannels,
      outputInit: c.params.outputInit,
      chunkSize: c.params.chunkSize,
      maskMode: mask ? 'query' : 'none',
      seed: c.seed,
    });
    return { out: applyBlock(layer, c.inputs.q!, c.inputs.kv!, mask) };
  },
};
