/** Builders of inputs and preprocessing (docs/ARCHITECTURE.md §A.1, §A.11). */
import * as tf from '@tensorflow/tfjs';
import { SpaceToDepth } from '../../layers/perceiverLayers.js';
import {
  MultimodalPad,
  PixelNeighbourhood,
  StridedSubsample,
  TabularTokens,
  TokenEmbedding,
} from '../../layers/ioLayers.js';
import { nextSeed } from '../../layers/perceiverLayers.js';
import { AudioPatchSpectrum, PointFourierFeatures } from '../../layers/sensorLayers.js';
import { connectedModalities, MODALITY_PORTS, type Modality } from '../../kinds/multimodal.js';
import { many, one, type Builder } from './context.js';

const reshapeTo = (name: string, shape: readonly number[]) => tf.layers.reshape({ name, targetShape: [...shape] });

export const INPUT_BUILDERS: Record<string, Builder> = {
  ImageInput: (c) => ({ out: c.inputs.in! }),
  AudioInput: (c) => ({ out: c.inputs.in! }),
  PointCloudInput: (c) =>
    c.params.numBands === 0
      ? { out: c.inputs.in! }
      : {
          out: one(
            new PointFourierFeatures({
              name: c.name(),
              numBands: c.params.numBands,
              maxResolution: c.params.maxResolution,
            }).apply(c.inputs.in!),
          ),
        },
  OneHotLabel: (c) => ({ out: one(reshapeTo(c.name(), c.analysis.outputShapes.out!).apply(c.inputs.in!)) }),
  TextBytes: (c) => {
    const [out, embedding, mask] = many(
      new TokenEmbedding({
        name: c.name(),
        vocabSize: c.params.vocabSize,
        maxLength: c.params.maxLength,
        channels: c.params.channels,
        initScale: c.params.initScale,
        seed: c.seed,
      }).apply(c.inputs.in!),
    );
    return { out: out!, embedding: embedding!, mask: mask! };
  },
  TabularInput: (c) => ({
    out: one(
      new TabularTokens({
        name: c.name(),
        numColumns: c.params.numColumns,
        channels: c.params.channels,
        encoding: c.params.encoding,
        initScale: c.params.initScale,
        seed: c.seed,
      }).apply(c.inputs.in!),
    ),
  }),
  ImagePixels: (c) => ({
    out: one(
      new StridedSubsample({
        name: c.name(),
        spatial: c.params.spatialDownsample,
        temporal: c.params.temporalDownsample,
      }).apply(c.inputs.in!),
    ),
  }),
  ImagePatches: (c) => {
    const inRank = c.analysis.inputShapes.in!.length;
    const outRank = c.analysis.outputShapes.out!.length;
    return {
      out: one(
        new SpaceToDepth({
          name: c.name(),
          spatial: c.params.spatialDownsample,
          temporal: c.params.temporalDownsample,
          linearChannels: c.params.linearChannels,
          squeezeTime: inRank === 4 && outRank === 3,
          seed: c.seed,
        }).apply(c.inputs.in!),
      ),
    };
  },
  PixelNeighbourhood: (c) => ({
    out: one(new PixelNeighbourhood({ name: c.name(), kernelSize: c.params.kernelSize }).apply(c.inputs.in!)),
  }),
  Conv1x1: (c) => {
    const cin = c.analysis.inputShapes.in![2]!;
    return {
      out: one(
        tf.layers
          .conv2d({
            name: c.name(),
            filters: c.params.numChannels,
            kernelSize: 1,
            strides: c.params.spatialDownsample,
            padding: 'same',
            useBias: true,
            kernelInitializer: tf.initializers.truncatedNormal({
              mean: 0,
              stddev: 1 / (0.87962566 * Math.sqrt(cin)),
              seed: nextSeed(c.seed),
            }),
          })
          .apply(c.inputs.in!),
      ),
    };
  },
  ConvDownsample: (c) => {
    let x = c.inputs.in!;
    let cin = c.analysis.inputShapes.in![2]!;
    const torchPad = c.params.padding === 'torch';
    for (let l = 0; l < c.params.numLayers; l++) {
      // PyTorch/HF padding: 3 zeros on every side, then a 'valid' conv (TF SAME pads 2/3 at 224).
      if (torchPad)
        x = one(
          tf.layers
            .zeroPadding2d({
              name: c.name(`pad${l}`),
              padding: [
                [3, 3],
                [3, 3],
              ],
            })
            .apply(x),
        );
      x = one(
        tf.layers
          .conv2d({
            name: c.name(`conv${l}`),
            filters: c.params.numChannels,
            kernelSize: 7,
            strides: 2,
            padding: torchPad ? 'valid' : 'same',
            useBias: false,
            kernelInitializer: tf.initializers.truncatedNormal({
              mean: 0,
              stddev: 1 / Math.sqrt(49 * cin),
              seed: nextSeed(c.seed),
            }),
          })
          .apply(x),
      );
      if (c.params.useBatchNorm)
        x = one(tf.layers.batchNormalization({ name: c.name(`bn${l}`), momentum: 0.9, epsilon: 1e-5 }).apply(x));
      x = one(tf.layers.reLU({ name: c.name(`relu${l}`) }).apply(x));
      x = one(
        tf.layers
          .maxPooling2d({ name: c.name(`pool${l}`), poolSize: 3, strides: 2, padding: torchPad ? 'valid' : 'same' })
          .apply(x),
      );
      cin = c.params.numChannels;
    }
    return { out: x };
  },
  AudioPatches: (c) =>
    c.params.features === 'logMagnitude'
      ? {
          out: one(
            new AudioPatchSpectrum({ name: c.name(), samplesPerPatch: c.params.samplesPerPatch }).apply(c.inputs.in!),
          ),
        }
      : { out: one(reshapeTo(c.name(), c.analysis.outputShapes.out!).apply(c.inputs.in!)) },
  Flatten: (c) => {
    const inShape = c.analysis.inputShapes.in!;
    if (inShape.length === 2) return { out: c.inputs.in! };
    return { out: one(reshapeTo(c.name(), c.analysis.outputShapes.out!).apply(c.inputs.in!)) };
  },
  MultimodalConcat: (c) => multimodalPad(c, c.params.maskProbs),
};

/** MultimodalConcat and MultimodalQuery share one layer: pad to a common width, concat sorted. */
export function multimodalPad(
  c: Parameters<Builder>[0],
  maskProbs: readonly (number | null)[],
): Record<string, tf.SymbolicTensor> {
  const mods = connectedModalities(c.params.names, c.analysis.inputShapes) as Modality[];
  const connected = MODALITY_PORTS.filter((p) => c.inputs[p]);
  const portIndex = (port: string) => MODALITY_PORTS.indexOf(port as (typeof MODALITY_PORTS)[number]);
  const layer = new MultimodalPad({
    name: c.name(),
    widths: connected.map((p) => c.analysis.inputShapes[p]![1]!),
    order: mods.map((m) => connected.indexOf(m.port as (typeof MODALITY_PORTS)[number])),
    common: c.analysis.outputShapes.out![1]!,
    maskProbs: connected.map((p) => maskProbs[portIndex(p)] ?? null),
    initScale: 0.02,
    seed: c.seed,
  });
  const ins = connected.map((p) => c.inputs[p]!);
  return { out: one(layer.apply(ins.length === 1 ? ins[0]! : ins)) };
}
