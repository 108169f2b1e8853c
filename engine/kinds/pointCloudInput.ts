import { z } from 'zod';
import { ok, type KindDefinition } from './types.js';

const params = z
  .object({
    points: z
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .default(2048)
      .describe('Points per example: meshes are sampled uniformly on their faces, clouds subsampled (paper: 2,048)')
      .meta({ unit: 'points' }),
    features: z
      .number()
      .int()
      .min(0)
      .max(64)
      .default(0)
      .describe('Extra per-point values after x, y, z (colour, normals …) passed through unchanged'),
    numBands: z
      .number()
      .int()
      .min(0)
      .max(512)
      .default(64)
      .describe('K: Fourier frequency bands per coordinate (paper ModelNet40: 64); 0 = the raw coordinates only'),
    maxResolution: z
      .number()
      .positive()
      .max(1e6)
      .default(64)
      .describe('Frequencies are π·linspace(1, maxResolution/2, K) on coordinates scaled into the unit sphere'),
    upAxis: z.enum(['x', 'y', 'z']).default('z').describe('The axis training rotations turn about'),
    augmentRotation: z
      .boolean()
      .default(true)
      .describe('Training split only: a random rotation about the up axis per draw'),
    augmentScale: z
      .number()
      .min(0)
      .max(0.9)
      .default(0.2)
      .describe('Training split only: a random uniform scale in [1 − s, 1 + s]'),
    augmentJitter: z
      .number()
      .min(0)
      .max(0.5)
      .default(0.01)
      .describe('Training split only: Gaussian jitter σ per coordinate (clipped at 5σ)'),
  })
  .strict();
type P = z.infer<typeof params>;
export type PointCloudParams = P;

/** Frequencies π·f_k, f_k = linspace(1, maxResolution/2, K) (DM's Fourier features, for coordinates). */
export function pointFrequencies(numBands: number, maxResolution: number): number[] {
  const hi = maxResolution / 2;
  return Array.from(
    { length: numBands },
    (_, k) => Math.PI * (numBands === 1 ? 1 : 1 + ((hi - 1) * k) / (numBands - 1)),
  );
}

/** Channels per point token: xyz, sin and cos of 3·K phases, the features. */
export function pointChannels(p: Pick<P, 'numBands' | 'features'>): number {
  return 3 + 6 * p.numBands + p.features;
}

/**
 * A point cloud: each point is a token of its coordinates' Fourier features. The loader samples,
 * centres and scales the cloud into the unit sphere and augments training draws; the node turns
 * [N, 3 + F] points into [N, 3 + 6K + F] tokens with no parameters.
 */
export const pointCloudInput: KindDefinition<P> = {
  kind: 'PointCloudInput',
  version: 1,
  category: 'input',
  title: 'Point cloud input',
  summary: 'Points (PLY, OFF, XYZ/CSV, .npy) as tokens of Fourier features of x, y, z.',
  maths:
    'p ∈ [−1,1]³ per point; f_k = linspace(1, maxRes/2, K); token = [p, sin(π f_k p_d), cos(π f_k p_d), features] → 3 + 6K + F channels (d-major, k-minor).',
  reference: 'Perceiver (arXiv 2103.03206) §4.3 ModelNet40: 2,048 points, Fourier features of xyz with 64 bands',
  isModelInput: true,
  modelInput: (p) => ({ shape: [p.points, 3 + p.features], dtype: 'float32' }),
  inputs: [],
  outputs: [{ name: 'out', label: 'tokens', type: 'tokens', ranks: [2], description: 'Point tokens [N, 3 + 6K + F]' }],
  params,
  inferShape: (p) => ok({ out: [p.points, pointChannels(p)] }),
  cost: (p) => ({
    params: 0,
    flops: p.points * 3 * p.numBands * 4,
    activationBytes: 4 * p.points * (3 + p.features + pointChannels(p)),
  }),
  describe: (p) =>
    `${p.points.toLocaleString('en-US')} points, K=${p.numBands}${p.features ? ` + ${p.features} features` : ''}`,
};
