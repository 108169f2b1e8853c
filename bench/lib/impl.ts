/** What every tfjs implementation under test provides: one optimizer step on a prepared batch. */
import type * as tf from '@tensorflow/tfjs';

export interface TrainImpl {
  name: string;
  /** Trainable parameter count (checked equal across implementations). */
  params: number;
  /** One Adam step; returns the loss (caller disposes). Synchronous on wasm/cpu. */
  step(x: tf.Tensor, y: tf.Tensor): tf.Scalar;
  dispose(): void;
}
