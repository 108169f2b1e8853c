/**
 * The benchmarked network hand-written for the wasm backend, as fast as I could make it without
 * the engine: 2-D activations [B·T, C] throughout, custom gradients whose backward passes use
 * plain 2-D matmuls (wasm's fast XNNPACK path) and onesᵀ·x matmuls for batch sums, fused q/k/v
 * (self) and k/v (cross) projections, GELU through a sigmoid (tanh is ~14× slower on wasm),
 * attention as depthwise convolutions with a hand-written backward, constants created once.
 * Independent of engine/layers/ops.ts (it shares only the engine's split kernel and the
 * trainer's fused Adam): it is the yardstick for compiledVsHandwritten.
 */
import * as tf from '@tensorflow/tfjs';
import { splitLastAxis } from '../../engine/layers/wasmKernels.js';
import { FusedAdam } from '../../engine/train/fusedAdam.js';
import { classificationLoss } from '../../engine/train/train.js';
import { type Arch } from '../lib/arch.js';
import type { TrainImpl } from '../lib/impl.js';
import { blockDims, countParams, fourierConstant, makeParams, type BlockDims, type Params } from './params.js';

function customGrad<F>(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  f: (...args: any[]) => { value: tf.Tensor; gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor | tf.Tensor[] },
): F {
  return tf.customGrad(f as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as F;
}

const onesColCache = new Map<number, tf.Tensor2D>();
function onesCol(n: number): tf.Tensor2D {
  let t = onesColCache.get(n);
  if (!t) onesColCache.set(n, (t = tf.keep(tf.ones([n, 1])) as tf.Tensor2D));
  return t;
}
/** Column sums as onesᵀ·x with transposeA: wasm's plain loop, no XNNPACK packing of x. */
function colSum(x: tf.Tensor2D): tf.Tensor1D {
  return tf.reshape(tf.matMul(onesCol(x.shape[0]), x, true, false), [x.shape[1]]);
}

/** x[R,in]·w[in,out] + b, backward with non-transposed matmuls only. */
const lin = customGrad<(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => tf.Tensor2D>(
  (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
    save([x, w]);
    return {
      value: tf.fused.matMul({ a: x as tf.Tensor2D, b: w as tf.Tensor2D, bias: b }), // bias added inside the matmul kernel
      gradFunc: (dy: tf.Tensor, [sx, sw]: tf.Tensor[]) => [
        tf.matMul(dy as tf.Tensor2D, tf.transpose(sw!) as tf.Tensor2D),
        tf.matMul(tf.transpose(sx!) as tf.Tensor2D, dy as tf.Tensor2D),
        colSum(dy as tf.Tensor2D),
      ],
    };
  },
);

const ln = customGrad<(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.Tensor2D>(
  (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
    const mean = tf.mean(x, -1, true);
    const xc = tf.sub(x, mean);
    const inv = tf.rsqrt(tf.add(tf.mean(tf.square(xc), -1, true), 1e-5));
    const xhat = tf.mul(xc, inv);
    save([xhat, inv, g]);
    return {
      value: tf.add(tf.mul(xhat, g), b),
      gradFunc: (dy: tf.Tensor, [sxhat, sinv, sg]: tf.Tensor[]) => {
        const gy = tf.mul(dy, sg!);
        const dx = tf.mul(
          sinv!,
          tf.sub(tf.sub(gy, tf.mean(gy, -1, true)), tf.mul(sxhat!, tf.mean(tf.mul(gy, sxhat!), -1, true))),
        );
        return [dx, colSum(tf.mul(dy, sxhat!) as tf.Tensor2D), colSum(dy as tf.Tensor2D)];
      },
    };
  },
);

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

/**
 * Per-(example, head) products as one depthwise convolution: out[i,g,j] = Σ_r x[i,r,g]·f[r,g,j].
 * tfjs wasm runs batched matmuls in a scalar loop; XNNPACK's grouped convolution is vectorised.
 */
function gmm(x: tf.Tensor, f: tf.Tensor): tf.Tensor3D {
  const [i, r, g] = x.shape as [number, number, number];
  const j = f.shape[2]!;
  return tf.reshape(
    tf.depthwiseConv2d(
      tf.reshape(x, [1, i, r, g]) as tf.Tensor4D,
      tf.reshape(f, [1, r, g, j]) as tf.Tensor4D,
      1,
      'valid',
    ),
    [i, g, j],
  );
}

/**
 * softmax(QKᵀ·s)V per example and head on 2-D [B·T, h·d] activations, backward written out.
 * Groups g = (b, h); scores live as [Tq, g, Tk] so the softmax is over the last axis.
 */
const attendCache = new Map<string, (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor) => tf.Tensor2D>();
function attendCore(b: number, h: number): (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor) => tf.Tensor2D {
  const key = `${b}/${h}`;
  let f = attendCache.get(key);
  if (f) return f;
  f = customGrad<(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor) => tf.Tensor2D>(
    (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, save: tf.GradSaveFunc) => {
      const tq = q.shape[0]! / b,
        tk = k.shape[0]! / b,
        c = q.shape[1]!,
        cv = v.shape[1]!;
      const d = c / h,
        dv = cv / h,
        g = b * h,
        scale = 1 / Math.sqrt(d);
      // Left operands [I, R, g], right operands [R, g, J].
      const left = (x: tf.Tensor, t: number, w: number) =>
        tf.reshape(tf.transpose(tf.reshape(x, [b, t, h, w]), [1, 3, 0, 2]), [t, w, g]);
      const right = (x: tf.Tensor, t: number, w: number) =>
        tf.reshape(tf.transpose(tf.reshape(x, [b, t, w * h]), [1, 0, 2]), [t, g, w]);
      const rightT = (x: tf.Tensor, t: number, w: number) =>
        tf.reshape(tf.transpose(tf.reshape(x, [b, t, h, w]), [3, 0, 2, 1]), [w, g, t]);
      const back = (y: tf.Tensor, t: number, w: number) =>
        tf.reshape(tf.transpose(tf.reshape(y, [t, b, w * h]), [1, 0, 2]), [b * t, w * h]);
      const p = tf.softmax(tf.mul(gmm(left(q, tq, d), rightT(k, tk, d)), scale));
      save([q, k, v, p]);
      return {
        value: back(gmm(tf.transpose(p, [0, 2, 1]), right(v, tk, dv)), tq, dv) as tf.Tensor2D,
        gradFunc: (dO: tf.Tensor, [sq, sk, sv, sp]: tf.Tensor[]) => {
          const dP = gmm(left(dO, tq, dv), rightT(sv!, tk, dv));
          const dV = gmm(tf.transpose(sp!, [2, 0, 1]), right(dO, tq, dv));
          const dS = tf.mul(tf.mul(sp!, tf.sub(dP, tf.sum(tf.mul(dP, sp!), -1, true))), scale);
          const dQ = gmm(tf.transpose(dS, [0, 2, 1]), right(sk!, tk, d));
          const dK = gmm(tf.transpose(dS, [2, 0, 1]), right(sq!, tq, d));
          return [back(dQ, tq, d), back(dK, tk, d), back(dV, tk, dv)];
        },
      };
    },
  );
  attendCache.set(key, f);
  return f;
}

/** [N, D] → [B·N, D]; the gradient sums over the batch with a ones-row matmul. */
const broadcastRows = customGrad<(w: tf.Tensor, bRef: tf.Tensor) => tf.Tensor2D>(
  (w: tf.Tensor, bRef: tf.Tensor, save: tf.GradSaveFunc) => {
    const b = bRef.shape[0]!;
    const [n, d] = w.shape as [number, number];
    save([]);
    return {
      value: tf.reshape(tf.matMul(onesCol(b), tf.reshape(w, [1, n * d]) as tf.Tensor2D), [b * n, d]), // Tile is ~80× slower
      gradFunc: (dy: tf.Tensor) => [
        tf.reshape(colSum(tf.reshape(dy, [b, n * d]) as tf.Tensor2D), [n, d]),
        tf.zerosLike(bRef),
      ],
    };
  },
);

function block(p: Params, n: string, d: BlockDims, q: tf.Tensor2D, kv: tf.Tensor2D, b: number): tf.Tensor2D {
  const P = (k: string) => p.get(`${n}.${k}`)!;
  const qn = ln(q, P('lnq.g'), P('lnq.b'));
  let Q: tf.Tensor, K: tf.Tensor, V: tf.Tensor;
  // tf.split on wasm copies its whole input once per piece; splitLastAxis copies each piece once.
  if (d.self) {
    const qkv = lin(qn, tf.concat([P('q.w'), P('k.w'), P('v.w')], 1), tf.concat([P('q.b'), P('k.b'), P('v.b')]));
    [Q, K, V] = splitLastAxis(qkv, [d.qk, d.qk, d.v]) as [tf.Tensor, tf.Tensor, tf.Tensor];
  } else {
    Q = lin(qn, P('q.w'), P('q.b'));
    const kvn = ln(kv, P('lnkv.g'), P('lnkv.b'));
    [K, V] = splitLastAxis(lin(kvn, tf.concat([P('k.w'), P('v.w')], 1), tf.concat([P('k.b'), P('v.b')])), [
      d.qk,
      d.v,
    ]) as [tf.Tensor, tf.Tensor];
  }
  const o = attendCore(b, d.heads)(Q, K, V);
  const x = tf.add(q, lin(o, P('o.w'), P('o.b')));
  return tf.add(x, lin(gelu(lin(ln(x, P('lnm.g'), P('lnm.b')), P('m1.w'), P('m1.b'))), P('m2.w'), P('m2.b')));
}

export function handwrittenForward(a: Arch, p: Params, fourierB: tf.Tensor2D, x: tf.Tensor): tf.Tensor {
  const dims = blockDims(a);
  const b = x.shape[0]!;
  const n = a.imageSize / a.patch;
  const s = a.patch;
  const m = n * n;
  const patches = tf.reshape(tf.transpose(tf.reshape(x, [b, n, s, n, s, a.channels]), [0, 1, 3, 2, 4, 5]), [
    b * m,
    s * s * a.channels,
  ]);
  // Fourier features are a constant: tiled for the batch once, outside the step.
  const tokens = tf.concat(
    [patches, fourierB.shape[0] === b * m ? fourierB : tf.tile(fourierB, [b, 1])],
    1,
  ) as tf.Tensor2D;
  let z = broadcastRows(p.get('latents')!, x);
  z = block(p, 'enc', dims.cross, z, tokens, b);
  for (let r = 0; r < a.selfBlocks; r++)
    for (let l = 0; l < a.selfLayers; l++) z = block(p, `self${l}`, dims.self, z, z, b);
  const o = block(p, 'dec', dims.dec, broadcastRows(p.get('query')!, x), z, b);
  return lin(o, p.get('head.w')!, p.get('head.b')!);
}

export function handwrittenImpl(a: Arch, lr: number): TrainImpl {
  const p = makeParams(a);
  const fourier = fourierConstant(a);
  const fourierB = tf.tile(fourier, [a.batch, 1]) as tf.Tensor2D;
  const vars = [...p.values()];
  const opt = new FusedAdam(lr, 0.9, 0.999, 1e-7); // the trainer's optimizer (same for compiled)
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
        opt.applyGradients(grads);
        return tf.keep(value);
      });
    },
    dispose() {
      opt.dispose();
      tf.dispose([fourier, fourierB, ...vars]);
      for (const t of onesColCache.values()) t.dispose();
      onesColCache.clear();
    },
  };
}
