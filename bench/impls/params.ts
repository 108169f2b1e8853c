/**
 * Parameters of the benchmarked Perceiver IO, created directly as tf.Variables (no layers API),
 * shared by the hand-written and stock implementations. Same shapes as the compiled template
 * (96,292 parameters); the init follows docs/ARCHITECTURE.md §A.0 closely enough for speed runs.
 */
import * as tf from '@tensorflow/tfjs';
import { tokenChannels, type Arch } from '../lib/arch.js';

export type Params = Map<string, tf.Variable>;

export interface BlockDims {
  dq: number;
  dkv: number;
  qk: number;
  v: number;
  heads: number;
  self: boolean;
}

export function blockDims(a: Arch): { cross: BlockDims; self: BlockDims; dec: BlockDims } {
  const c = tokenChannels(a);
  const D = a.latentChannels;
  return {
    cross: { dq: D, dkv: c, qk: c, v: c, heads: 1, self: false },
    self: { dq: D, dkv: D, qk: D, v: D, heads: a.selfHeads, self: true },
    dec: { dq: a.queryChannels, dkv: D, qk: D, v: D, heads: 1, self: false },
  };
}

export function makeParams(a: Arch, seed = 1): Params {
  const p: Params = new Map();
  let s = seed;
  // tf.variable() leaves its initial value alive: create it inside tidy so only the variable stays.
  const trunc = (shape: number[], std: number) =>
    tf.tidy(() => tf.variable(tf.truncatedNormal(shape, 0, std, 'float32', s++), true));
  const lin = (name: string, i: number, o: number) => {
    p.set(`${name}.w`, trunc([i, o], 1 / (0.87962566 * Math.sqrt(i))));
    p.set(
      `${name}.b`,
      tf.tidy(() => tf.variable(tf.zeros([o]), true)),
    );
  };
  const ln = (name: string, d: number) => {
    p.set(
      `${name}.g`,
      tf.tidy(() => tf.variable(tf.ones([d]), true)),
    );
    p.set(
      `${name}.b`,
      tf.tidy(() => tf.variable(tf.zeros([d]), true)),
    );
  };
  const block = (name: string, d: BlockDims) => {
    ln(`${name}.lnq`, d.dq);
    if (!d.self) ln(`${name}.lnkv`, d.dkv);
    lin(`${name}.q`, d.dq, d.qk);
    lin(`${name}.k`, d.dkv, d.qk);
    lin(`${name}.v`, d.dkv, d.v);
    lin(`${name}.o`, d.v, d.dq);
    ln(`${name}.lnm`, d.dq);
    lin(`${name}.m1`, d.dq, d.dq);
    lin(`${name}.m2`, d.dq, d.dq);
  };
  const dims = blockDims(a);
  p.set('latents', trunc([a.latents, a.latentChannels], 0.02));
  block('enc', dims.cross);
  for (let l = 0; l < a.selfLayers; l++) block(`self${l}`, dims.self);
  p.set('query', trunc([1, a.queryChannels], 0.02));
  block('dec', dims.dec);
  lin('head', a.queryChannels, a.classes);
  return p;
}

export function countParams(p: Params): number {
  let n = 0;
  for (const v of p.values()) n += v.size;
  return n;
}

/** Fourier features for the patch grid [M, 2 + 4K], DM layout (positions, sin, cos). */
export function fourierConstant(a: Arch): tf.Tensor2D {
  const n = a.imageSize / a.patch;
  const K = a.bands;
  const ch = 2 + 4 * K;
  const data = new Float32Array(n * n * ch);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      const pos = [n === 1 ? -1 : -1 + (2 * i) / (n - 1), n === 1 ? -1 : -1 + (2 * j) / (n - 1)];
      let c = (i * n + j) * ch;
      data[c++] = pos[0]!;
      data[c++] = pos[1]!;
      for (const fn of [Math.sin, Math.cos])
        for (let d = 0; d < 2; d++)
          for (let k = 0; k < K; k++) {
            const f = K === 1 ? 1 : 1 + ((n / 2 - 1) * k) / (K - 1);
            data[c++] = fn(Math.PI * f * pos[d]!);
          }
    }
  return tf.tensor2d(data, [n * n, ch]);
}
