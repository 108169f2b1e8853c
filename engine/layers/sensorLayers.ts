/**
 * Layers of the sensor inputs beyond images and text: the log-magnitude spectrum of audio patches
 * (AudioPatches features 'logMagnitude') and Fourier features of point coordinates
 * (PointCloudInput). Neither has weights; both are registered for serialization like the rest.
 */
import * as tf from '@tensorflow/tfjs';
import type { LayerArgs } from './perceiverLayers.js';
import { asTensor } from './perceiverLayers.js';
import { pointFrequencies } from '../kinds/pointCloudInput.js';

type Config = tf.serialization.ConfigDict;
const shapeOf = (s: tf.Shape | tf.Shape[]): tf.Shape => (Array.isArray(s[0]) ? s[0] : s) as tf.Shape;

/** Added to the magnitude before the log (the spectrum of silence stays finite). */
export const SPECTRUM_FLOOR = 1e-3;

/**
 * The real DFT of a periodic-Hann-windowed patch as two [spp, spp/2+1] matrices (window folded
 * in), so |X_k| = sqrt((x·C)_k² + (x·S)_k²) — what torch.fft.rfft gives for the same window.
 */
export function windowedDft(spp: number): { cos: Float32Array; sin: Float32Array; bins: number } {
  const bins = Math.floor(spp / 2) + 1;
  const cos = new Float32Array(spp * bins);
  const sin = new Float32Array(spp * bins);
  for (let n = 0; n < spp; n++) {
    const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / spp);
    for (let k = 0; k < bins; k++) {
      const a = (2 * Math.PI * ((k * n) % spp)) / spp;
      cos[n * bins + k] = w * Math.cos(a);
      sin[n * bins + k] = -w * Math.sin(a);
    }
  }
  return { cos, sin, bins };
}

/** [B, T] or [B, T, C] → [B, T/spp, C·(spp/2+1)]: log(|rfft(hann · patch)| + 1e-3) per channel. */
export class AudioPatchSpectrum extends tf.layers.Layer {
  static className = 'PerceiverAudioPatchSpectrum';
  private readonly cfg: { samplesPerPatch: number };
  private dft: { cos: tf.Tensor2D; sin: tf.Tensor2D; bins: number } | undefined;
  constructor(cfg: { samplesPerPatch: number } & LayerArgs) {
    super(cfg);
    this.cfg = { samplesPerPatch: cfg.samplesPerPatch };
  }
  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const s = shapeOf(inputShape);
    const spp = this.cfg.samplesPerPatch;
    const c = s.length === 3 ? (s[2] as number) : 1;
    return [s[0]!, (s[1] as number) / spp, c * (Math.floor(spp / 2) + 1)];
  }
  private matrices(): { cos: tf.Tensor2D; sin: tf.Tensor2D; bins: number } {
    if (!this.dft) {
      const spp = this.cfg.samplesPerPatch;
      const d = windowedDft(spp);
      this.dft = {
        cos: tf.keep(tf.tensor2d(d.cos, [spp, d.bins])),
        sin: tf.keep(tf.tensor2d(d.sin, [spp, d.bins])),
        bins: d.bins,
      };
    }
    return this.dft;
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const m = this.matrices();
    return tf.tidy(() => {
      const x = asTensor(inputs);
      const spp = this.cfg.samplesPerPatch;
      const b = x.shape[0]!;
      const t = x.shape[1]!;
      const c = x.rank === 3 ? x.shape[2]! : 1;
      const n = t / spp;
      // [B, N, spp, C] → [B, N, C, spp] → rows of one channel's patch.
      const rows = tf.reshape(tf.transpose(tf.reshape(x, [b, n, spp, c]), [0, 1, 3, 2]), [b * n * c, spp]);
      const re = tf.matMul(rows, m.cos);
      const im = tf.matMul(rows, m.sin);
      const mag = tf.sqrt(tf.add(tf.square(re), tf.square(im)));
      return tf.reshape(tf.log(tf.add(mag, SPECTRUM_FLOOR)), [b, n, c * m.bins]);
    });
  }
  override dispose(): ReturnType<tf.layers.Layer['dispose']> {
    this.dft?.cos.dispose();
    this.dft?.sin.dispose();
    this.dft = undefined;
    return super.dispose();
  }
  override getConfig(): Config {
    return { ...super.getConfig(), ...this.cfg };
  }
}

/**
 * [B, N, 3 + F] → [B, N, 3 + 6K + F]: [xyz, sin(π f_k x_d) (d-major, k-minor), cos(…), features].
 */
export class PointFourierFeatures extends tf.layers.Layer {
  static className = 'PerceiverPointFourierFeatures';
  private readonly cfg: { numBands: number; maxResolution: number };
  private freqs: tf.Tensor | undefined;
  constructor(cfg: { numBands: number; maxResolution: number } & LayerArgs) {
    super(cfg);
    this.cfg = { numBands: cfg.numBands, maxResolution: cfg.maxResolution };
  }
  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const s = shapeOf(inputShape);
    return [s[0]!, s[1]!, (s[2] as number) + 6 * this.cfg.numBands];
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    if (!this.freqs) this.freqs = tf.keep(tf.tensor1d(pointFrequencies(this.cfg.numBands, this.cfg.maxResolution)));
    const f = this.freqs;
    return tf.tidy(() => {
      const x = asTensor(inputs);
      const [b, n, w] = x.shape as [number, number, number];
      const xyz = tf.slice(x, [0, 0, 0], [b, n, 3]);
      const phase = tf.reshape(tf.mul(tf.expandDims(xyz, 3), f), [b, n, 3 * this.cfg.numBands]);
      const parts = [xyz, tf.sin(phase), tf.cos(phase)];
      if (w > 3) parts.push(tf.slice(x, [0, 0, 3], [b, n, w - 3]));
      return tf.concat(parts, 2);
    });
  }
  override dispose(): ReturnType<tf.layers.Layer['dispose']> {
    this.freqs?.dispose();
    this.freqs = undefined;
    return super.dispose();
  }
  override getConfig(): Config {
    return { ...super.getConfig(), ...this.cfg };
  }
}

export const SENSOR_LAYER_CLASSES = [AudioPatchSpectrum, PointFourierFeatures] as const;
for (const cls of SENSOR_LAYER_CLASSES)
  tf.serialization.registerClass(
    cls as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>,
  );
