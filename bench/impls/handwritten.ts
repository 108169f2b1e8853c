/**
 * The benchmarked network hand-written for the wasm backend, as fast as I could make it without
 * the engine: 2-D activations [B·T, C] throughout, custom gradients whose backward passes use
 * plain 2-D matmuls (wasm's fast XNNPACK path) and ones-row matmuls for batch sums, fused q/k/v
 * (self) and k/v (cross) projections, GELU through a sigmoid (tanh is ~14× slower on wasm),
 * attention with a hand-written backward, constants created once. Independent of
 * engine/layers/ops.ts: it is the yardstick for compiledVsHandwritten.
 */
import * as tf from '@tensorflow/tfjs';
import { classificationLoss } from '../../engine/train/train.js';
import { type Arch } from '../lib/arch.js';
import type { TrainImpl } from '../lib/impl.js';
import { blockDims, countParams, fourierConstant, makeParams, type BlockDims, type Params } from './params.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function customGrad<F>(f: (...args: any[]) => { value: tf.Tensor; gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor | tf.Tensor[] }): F {
  return tf.customGrad(f as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as F;
}

const onesCache = new Map<number, tf.Tensor2D>();
function onesRow(n: number): tf.Tensor2D {
  let t = onesCache.get(n);
  if (!t) onesCache.set(n, (t = tf.keep(tf.ones([1, n])) as tf.Tensor2D));
  return t;
}
const onesColCache = new Map<number, tf.Tensor2D>();
function onesCol(n: number): tf.Tensor2D {
  let t = onesColCache.get(n);
  if (!t) onesColCache.set(n, (t = tf.keep(tf.ones([n, 1])) as tf.Tensor2D));
  return t;
}
function colSum(x: tf.Tensor2D): tf.Tensor1D {
  return tf.reshape(tf.matMul(onesRow(x.shape[0]), x), [x.shape[1]]);
}

/** x[R,in]·w[in,out] + b, backward with non-transposed matmuls only. */
const lin = customGrad<(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => tf.Tensor2D>((x: tf.Tensor, w: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x, w]);
  return {
    value: tf.add(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D), b),
    gradFunc: (dy: tf.Tensor, [sx, sw]: tf.Tensor[]) => [
      tf.matMul(dy as tf.Tensor2D, tf.transpose(sw!) as tf.Tensor2D),
      tf.matMul(tf.transpose(sx!) as tf.Tensor2D, dy as tf.Tensor2D),
      colSum(dy as tf.Tensor2D),
    ],
  };
});

const ln = customGrad<(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.Tensor2D>((x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  const mean = tf.mean(x, -1, true);
  const xc = tf.sub(x, mean);
  const inv = tf.rsqrt(tf.add(tf.mean(tf.square(xc), -1, true), 1e-5));
  const xhat = tf.mul(xc, inv);
  save([xhat, inv, g]);
  return {
    value: tf.add(tf.mul(xhat, g), b),
    gradFunc: (dy: tf.Tensor, [sxhat, sinv, sg]: tf.Tensor[]) => {
      const gy = tf.mul(dy, sg!);
      const dx = tf.mul(sinv!, tf.sub(tf.sub(gy, tf.mean(gy, -1, true)), tf.mul(sxhat!, tf.mean(tf.mul(gy, sxhat!), -1, true))));
      return [dx, colSum(tf.mul(dy, sxhat!) as tf.Tensor2D), colSum(dy as tf.Tensor2D)];
    },
  };
});

const C2 = 2 * Math.sqrt(2 / Math.PI);
/** tanh-GELU as x·σ(2c(x + 0.044715x³)) (identical maths; sigmoid is fast on wasm, tanh is not). */
const gelu = customGrad<(x: tf.Tensor) => tf.Tensor>((x: tf.Tensor, save: tf.GradSaveFunc) => {
  const x2 = tf.square(x);
  const s = tf.sigmoid(tf.mul(x, tf.add(tf.mul(x2, C2 * 0.044715), C2)));
  save([x, x2, s]);
  return {
    value: tf.mul(x, s),
    gradFunc: (dy: tf.Tensor, [sx, sx2, ss]: tf.Tensor[]) => {
      // d/dx x·σ(u) = σ + x·σ(1−σ)·u', u' = C2(1 + 3·0.044715x²)
      const du = tf.add(tf.mul(sx2!, 3 * C2 * 0.044715), C2);
      return tf.mul(dy, tf.add(ss!, tf.mul(tf.mul(sx!, tf.mul(ss!, tf.sub(1, ss!))), du)));
    },
  };
});

/** [B·T, h·d] → [B·h, T, d] (a reshape when h = 1). */
function split(x: tf.Tensor, b: number, t: number, h: number): tf.Tensor3D {
  const d = x.shape[1]! / h;
  if (h === 1) return tf.reshape(x, [b, t, d]);
  return tf.reshape(tf.transpose(tf.reshape(x, [b, t, h, d]), [0, 2, 1, 3]), [b * h, t, d]);
}
function merge(x: tf.Tensor, b: number, t: number, h: number): tf.Tensor2D {
  const d = x.shape[2]!;
  if (h === 1) return tf.reshape(x, [b * t, d]);
  return tf.reshape(tf.transpose(tf.reshape(x, [b, h, t, d]), [0, 2, 1, 3]), [b * t, h * d]);
}

/**
 * softmax(QKᵀ·s)V on head-split [B·h, T, d] tensors, with the backward written out (batched
 * matmuls take the slow path on wasm whatever their transpose flags, so flags are free here).
 */
const attendCore = customGrad<(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor) => tf.Tensor3D>((q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, save: tf.GradSaveFunc) => {
  const scale = 1 / Math.sqrt(q.shape[2]!);
  const p = tf.softmax(tf.mul(tf.matMul(q as tf.Tensor3D, k as tf.Tensor3D, false, true), scale));
  save([q, k, v, p]);
  return {
    value: tf.matMul(p as tf.Tensor3D, v as tf.Tensor3D),
    gradFunc: (dO: tf.Tensor, [sq, sk, sv, sp]: tf.Tensor[]) => {
      const dP = tf.matMul(dO as tf.Tensor3D, sv as tf.Tensor3D, false, true);
      const dV = tf.matMul(sp as tf.Tensor3D, dO as tf.Tensor3D, true, false);
      const dS = tf.mul(tf.mul(sp!, tf.sub(dP, tf.sum(tf.mul(dP, sp!), -1, true))), scale);
      return [tf.matMul(dS as tf.Tensor3D, sk as tf.Tensor3D), tf.matMul(dS as tf.Tensor3D, sq as tf.Tensor3D, true, false), dV];
    },
  };
});

/** [N, D] → [B·N, D]; the gradient sums over the batch with a ones-row matmul. */
const broadcastRows = customGrad<(w: tf.Tensor, bRef: tf.Tensor) => tf.Tensor2D>((w: tf.Tensor, bRef: tf.Tensor, save: tf.GradSaveFunc) => {
  const b = bRef.shape[0]!;
  const [n, d] = w.shape as [number, number];
  save([]);
  return {
    value: tf.reshape(tf.matMul(onesCol(b), tf.reshape(w, [1, n * d]) as tf.Tensor2D), [b * n, d]), // Tile is ~80× slower
    gradFunc: (dy: tf.Tensor) => [tf.reshape(tf.matMul(onesRow(b), tf.reshape(dy, [b, n * d]) as tf.Tensor2D), [n, d]), tf.zerosLike(bRef)],
  };
});

function block(p: Params, n: string, d: BlockDims, q: tf.Tensor2D, kv: tf.Tensor2D, b: number): tf.Tensor2D {
  const P = (k: string) => p.get(`${n}.${k}`)!;
  const tq = q.shape[0] / b;
  const tk = kv.shape[0] / b;
  const qn = ln(q, P('lnq.g'), P('lnq.b'));
  let Q: tf.Tensor, K: tf.Tensor, V: tf.Tensor;
  if (d.self) {
    const qkv = lin(qn, tf.concat([P('q.w'), P('k.w'), P('v.w')], 1), tf.concat([P('q.b'), P('k.b'), P('v.b')]));
    [Q, K, V] = tf.split(qkv, [d.qk, d.qk, d.v], 1);
  } else {
    Q = lin(qn, P('q.w'), P('q.b'));
    const kvn = ln(kv, P('lnkv.g'), P('lnkv.b'));
    [K, V] = tf.split(lin(kvn, tf.concat([P('k.w'), P('v.w')], 1), tf.concat([P('k.b'), P('v.b')])), [d.qk, d.v], 1);
  }
  const o = merge(attendCore(split(Q, b, tq, d.heads), split(K, b, tk, d.heads), split(V, b, tk, d.heads)), b, tq, d.heads);
  const x = tf.add(q, lin(o, P('o.w'), P('o.b')));
  return tf.add(x, lin(gelu(lin(ln(x, P('lnm.g'), P('lnm.b')), P('m1.w'), P('m1.b'))), P('m2.w'), P('m2.b')));
}

export function handwrittenForward(a: Arch, p: Params, fourierB: tf.Tensor2D, x: tf.Tensor): tf.Tensor {
  const dims = blockDims(a);
  const b = x.shape[0]!;
  const n = a.imageSize / a.patch;
  const s = a.patch;
  const m = n * n;
  const patches = tf.reshape(tf.transpose(tf.reshape(x, [b, n, s, n, s, a.channels]), [0, 1, 3, 2, 4, 5]), [b * m, s * s * a.channels]);
  // Fourier features are a constant: tiled for the batch once, outside the step.
  const tokens = tf.concat([patches, fourierB.shape[0] === b * m ? fourierB : tf.tile(fourierB, [b, 1])], 1) as tf.Tensor2D;
  let z = broadcastRows(p.get('latents')!, x);
  z = block(p, 'enc', dims.cross, z, tokens, b);
  for (let r = 0; r < a.selfBlocks; r++) for (let l = 0; l < a.selfLayers; l++) z = block(p, `self${l}`, dims.self, z, z, b);
  const o = block(p, 'dec', dims.dec, broadcastRows(p.get('query')!, x), z, b);
  return lin(o, p.get('head.w')!, p.get('head.b')!);
}

export function handwrittenImpl(a: Arch, lr: number): TrainImpl {
  const p = makeParams(a);
  const fourier = fourierConstant(a);
  const fourierB = tf.tile(fourier, [a.batch, 1]) as tf.Tensor2D;
  const vars = [...p.values()];
  const opt = tf.train.adam(lr, 0.9, 0.999, 1e-7);
  return {
    name: 'handwritten',
    params: countParams(p),
    step(x, y) {
      return tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => {
          const logits = handwrittenForward(a, p, fourierB, x);
          tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, -1), y), 'float32'))).dispose();
          return classificationLoss(logits, y, a.classes, 0);
        }, vars);
        opt.applyGradients(grads as unknown as tf.NamedTensorMap & Record<string, tf.Variable>);
        return tf.keep(value);
      });
    },
    dispose() {
      opt.dispose();
      tf.dispose([fourier, fourierB, ...vars]);
      for (const t of [...onesCache.values(), ...onesColCache.values()]) t.dispose();
      onesCache.clear();
      onesColCache.clear();
    },
  };
}
