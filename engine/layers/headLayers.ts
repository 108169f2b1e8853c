/**
 * Head-side layers (docs/ARCHITECTURE.md §A.10): tied-embedding logits, rescale-and-reshape, token slices.
 */
import * as tf from '@tensorflow/tfjs';
import { matMul } from './ops.js';
import { asTensor, type LayerArgs } from './perceiverLayers.js';

type Config = tf.serialization.ConfigDict;

/** logits = h·Embᵀ + b for inputs [h [B,O,d], Emb [B,V,d]]; owns only the bias [V]. */
export class TiedEmbeddingLogits extends tf.layers.Layer {
  static className = 'PerceiverTiedEmbeddingLogits';
  private readonly cfg: { vocabSize: number };
  private bias!: tf.LayerVariable;
  constructor(cfg: { vocabSize: number } & LayerArgs) {
    super(cfg);
    this.cfg = { vocabSize: cfg.vocabSize };
  }
  override build(): void {
    this.bias = this.addWeight('bias', [this.cfg.vocabSize], 'float32', tf.initializers.zeros());
    this.built = true;
  }
  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const h = (inputShape as tf.Shape[])[0]!;
    return [h[0]!, h[1]!, this.cfg.vocabSize];
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [h, emb] = inputs as tf.Tensor[];
      return tf.add(matMul(h!, tf.transpose(emb!, [0, 2, 1])), this.bias.read());
    });
  }
  override getConfig(): Config {
    return { ...super.getConfig(), ...this.cfg };
  }
}

/** y = reshape(x · scale, [B, ...targetShape]) (flow postprocessing). */
export class ScaleReshape extends tf.layers.Layer {
  static className = 'PerceiverScaleReshape';
  private readonly cfg: { scale: number; targetShape: number[] };
  constructor(cfg: { scale: number; targetShape: number[] } & LayerArgs) {
    super(cfg);
    this.cfg = { scale: cfg.scale, targetShape: [...cfg.targetShape] };
  }
  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return [(inputShape as tf.Shape)[0]!, ...this.cfg.targetShape];
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = asTensor(inputs);
      return tf.reshape(tf.mul(x, this.cfg.scale), [x.shape[0]!, ...this.cfg.targetShape]);
    });
  }
  override getConfig(): Config {
    return { ...super.getConfig(), ...this.cfg };
  }
}

/** Rows start … start+size−1 of [B, T, C]. */
export class SliceTokens extends tf.layers.Layer {
  static className = 'PerceiverSliceTokens';
  private readonly cfg: { start: number; size: number };
  constructor(cfg: { start: number; size: number } & LayerArgs) {
    super(cfg);
    this.cfg = { start: cfg.start, size: cfg.size };
  }
  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const s = inputShape as tf.Shape;
    return [s[0]!, this.cfg.size, s[2]!];
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => tf.slice(asTensor(inputs), [0, this.cfg.start, 0], [-1, this.cfg.size, -1]));
  }
  override getConfig(): Config {
    return { ...super.getConfig(), ...this.cfg };
  }
}

export const HEAD_LAYER_CLASSES = [TiedEmbeddingLogits, ScaleReshape, SliceTokens] as const;
for (const cls of HEAD_LAYER_CLASSES)
  tf.serialization.registerClass(
    cls as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>,
  );
