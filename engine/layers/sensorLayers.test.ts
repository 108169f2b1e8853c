import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { pointFrequencies } from '../kinds/pointCloudInput.js';
import { AudioPatchSpectrum, PointFourierFeatures, SPECTRUM_FLOOR } from './sensorLayers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('sensor layers against plain JavaScript', () => {
  it('AudioPatchSpectrum is log(|DFT(hann · patch)| + floor) per channel, channel-major', () => {
    const spp = 8;
    const T = 16;
    const C = 2;
    const x = Float32Array.from({ length: T * C }, (_, i) => Math.sin(i * 0.7) + 0.1 * (i % 3));
    const y = new AudioPatchSpectrum({ samplesPerPatch: spp }).apply(tf.tensor3d(x, [1, T, C])) as tf.Tensor;
    expect(y.shape).toEqual([1, 2, C * 5]);
    const got = y.dataSync();
    for (let n = 0; n < 2; n++) {
      for (let c = 0; c < C; c++) {
        for (let k = 0; k <= spp / 2; k++) {
          let re = 0;
          let im = 0;
          for (let j = 0; j < spp; j++) {
            const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * j) / spp);
            const v = w * x[(n * spp + j) * C + c]!;
            re += v * Math.cos((2 * Math.PI * k * j) / spp);
            im -= v * Math.sin((2 * Math.PI * k * j) / spp);
          }
          expect(got[n * C * 5 + c * 5 + k]!).toBeCloseTo(Math.log(Math.hypot(re, im) + SPECTRUM_FLOOR), 4);
        }
      }
    }
  });

  it('PointFourierFeatures gives [xyz, sin(πf x) d-major, cos(πf x), features]', () => {
    const K = 3;
    const pts = Float32Array.of(0.1, -0.5, 0.9, 7, -0.2, 0.3, 0.0, 8);
    const y = new PointFourierFeatures({ numBands: K, maxResolution: 8 }).apply(
      tf.tensor3d(pts, [1, 2, 4]),
    ) as tf.Tensor;
    expect(y.shape).toEqual([1, 2, 3 + 6 * K + 1]);
    const f = pointFrequencies(K, 8);
    expect(f.map((v) => v / Math.PI)).toEqual([1, 2.5, 4]);
    const got = y.dataSync();
    const W = 3 + 6 * K + 1;
    for (let p = 0; p < 2; p++) {
      const xyz = [pts[p * 4]!, pts[p * 4 + 1]!, pts[p * 4 + 2]!];
      const want = [
        ...xyz,
        ...xyz.flatMap((v) => f.map((fk) => Math.sin(fk * v))),
        ...xyz.flatMap((v) => f.map((fk) => Math.cos(fk * v))),
        pts[p * 4 + 3]!,
      ];
      want.forEach((v, i) => expect(got[p * W + i]!).toBeCloseTo(v, 5));
    }
  });
});
