/** Builders of heads and postprocessors (docs/ARCHITECTURE.md §A.10). */
import * as tf from '@tensorflow/tfjs';
import { ProjectionHead } from '../../layers/perceiverLayers.js';
import { ScaleReshape, SliceTokens, TiedEmbeddingLogits } from '../../layers/headLayers.js';
import { MODALITY_PORTS } from '../../kinds/multimodal.js';
import { one, type Builder, type Sym } from './context.js';

export const HEAD_BUILDERS: Record<string, Builder> = {
  ClassificationHead: (c) => ({
    out: one(
      new ProjectionHead({
        name: c.name(),
        inChannels: c.analysis.inputShapes.in![1]!,
        outChannels: c.params.numClasses,
        takeRow: 0,
        meanPool: false,
        layerNorm: false,
        init: 'fanIn',
        seed: c.seed,
      }).apply(c.inputs.in!),
    ),
  }),
  MeanPoolClassifier: (c) => ({
    out: one(
      new ProjectionHead({
        name: c.name(),
        inChannels: c.analysis.inputShapes.in![1]!,
        outChannels: c.params.numClasses,
        takeRow: -1,
        meanPool: true,
        layerNorm: c.params.layerNorm,
        init: c.params.init,
        seed: c.seed,
      }).apply(c.inputs.in!),
    ),
  }),
  PerPositionProjection: (c) => ({
    out: one(
      new ProjectionHead({
        name: c.name(),
        inChannels: c.analysis.inputShapes.in![1]!,
        outChannels: c.params.outputChannels,
        takeRow: -1,
        meanPool: false,
        layerNorm: false,
        init: c.params.init,
        seed: c.seed,
      }).apply(c.inputs.in!),
    ),
  }),
  AudioPostprocessor: (c) => {
    const y = new ProjectionHead({
      name: c.name('linear'),
      inChannels: c.analysis.inputShapes.in![1]!,
      outChannels: c.params.samplesPerPatch,
      takeRow: -1,
      meanPool: false,
      layerNorm: false,
      init: 'fanIn',
      seed: c.seed,
    }).apply(c.inputs.in!);
    return { out: one(tf.layers.reshape({ name: c.name(), targetShape: [...c.analysis.outputShapes.out!] }).apply(y)) };
  },
  FlowPostprocessor: (c) => ({
    out: one(
      new ScaleReshape({
        name: c.name(),
        scale: 1 / c.params.rescaleFactor,
        targetShape: [...c.analysis.outputShapes.out!],
      }).apply(c.inputs.in!),
    ),
  }),
  TiedEmbeddingDecoder: (c) => ({
    out: one(
      new TiedEmbeddingLogits({ name: c.name(), vocabSize: c.analysis.inputShapes.embedding![0]! }).apply([
        c.inputs.in!,
        c.inputs.embedding!,
      ]),
    ),
  }),
  MultimodalSplit: (c) => {
    const out: Record<string, Sym> = {};
    let start = 0;
    (c.params.sizes as number[]).forEach((size, k) => {
      out[MODALITY_PORTS[k]!] = one(
        new SliceTokens({ name: c.name(MODALITY_PORTS[k]), start, size }).apply(c.inputs.in!),
      );
      start += size;
    });
    return out;
  },
};
