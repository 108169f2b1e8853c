/**
 * Numeric building blocks shared by the Perceiver layers.
 *
 * Two formulations of the same maths:
 * - 'stock': tfjs ops with their built-in gradients.
 * - 'tuned': custom gradients whose backward passes use only plain (non-transposed) matmuls and
 *   write sums over rows as a matmul with a row of ones. On the wasm backend only plain matmuls
 *   hit the fast kernel (transposed operands ~10× slower, row sums ~40× slower; see
 *   shared/tfjs-notes.md), so 'tuned' trains ~3× faster there. On webgl/cpu 'stock' is as fast.
 * The compiler picks per backend (`setFormulation`); tests check both agree.
 */
import * as tf from '@tensorflow/tfjs';

export type Formulation = 'tuned' | 'stock';
let formulation: Formulation = 'tuned';

export function setFormulation(f: Formulation): void {
  formulation = f;
}
export function getFormulation(): Formulation {
  return formulation;
}
/** The formulation that is fastest on a backend. */
export function formulationFor(backend: string): Formulation {
  return backend === 'wasm' ? 'tuned' : 'stock';
}

function swapLast2(rank: number): number[] {
  const perm = [...Array(rank).keys()];
  perm[rank - 1] = rank - 2;
  perm[rank - 2] = rank - 1;
  return perm;
}

/** a·b (rank 2 or batched rank 3) whose gradient uses only plain matmuls. */
const plainMatMulGrad = tf.customGrad((a: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  save([a, b]);
  return {
    value: tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as [tf.Tensor, tf.Tensor];
      const bt = tf.transpose(sb, swapLast2(sb.rank));
      const at = tf.transpose(sa, swapLast2(sa.rank));
      return [tf.matMul(dy as tf.Tensor2D, bt as tf.Tensor2D), tf.matMul(at as tf.Tensor2D, dy as tf.Tensor2D)];
    },
  };
}) as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;

export function matMul(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return formulation === 'tuned' ? plainMatMulGrad(a, b) : tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D);
}

/** Sum over rows of a 2-D tensor as ones[1,R]·x (fast on wasm). */
function rowSum(x: tf.Tensor2D): tf.Tensor1D {
  const ones = tf.ones([1, x.shape[0]]);
  return tf.reshape(tf.matMul(ones as tf.Tensor2D, x), [x.shape[1]]);
}

/** x2d + b whose bias gradient is a ones-row matmul. */
const addBiasGrad = tf.customGrad((x: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  save([]);
  return {
    value: tf.add(x, b),
    gradFunc: (dy: tf.Tensor) => [dy, rowSum(dy as tf.Tensor2D)],
  };
}) as (x: tf.Tensor, b: tf.Tensor) => tf.Tensor;

/** Linear over the last axis: x[..., in] · W[in, out] + b[out]. */
export function linear(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor | null): tf.Tensor {
  const inDim = x.shape[x.rank - 1]!;
  const outDim = w.shape[1]!;
  const lead = x.shape.slice(0, -1);
  const x2 = x.rank === 2 ? x : tf.reshape(x, [-1, inDim]);
  let y = matMul(x2, w);
  if (b) y = formulation === 'tuned' ? addBiasGrad(y, b) : tf.add(y, b);
  return x.rank === 2 ? y : tf.reshape(y, [...lead, outDim]);
}

/** LayerNorm over the last axis with learned scale and offset (eps 1e-5 as DM/HF/PyTorch). */
const layerNormTuned = tf.customGrad((x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, save: tf.GradSaveFunc) => {
  const d = x.shape[x.rank - 1]!;
  const x2 = tf.reshape(x, [-1, d]) as tf.Tensor2D;
  const { mean, variance } = tf.moments(x2, -1, true);
  const invStd = tf.rsqrt(tf.add(variance, LN_EPS));
  const xhat = tf.mul(tf.sub(x2, mean), invStd);
  save([xhat, invStd, gamma]);
  return {
    value: tf.reshape(tf.add(tf.mul(xhat, gamma), beta), x.shape),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sxhat, sinv, sg] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
      const dy2 = tf.reshape(dy, [-1, d]) as tf.Tensor2D;
      const g = tf.mul(dy2, sg);
      const meanG = tf.mean(g, -1, true);
      const meanGx = tf.mean(tf.mul(g, sxhat), -1, true);
      const dx = tf.mul(sinv, tf.sub(tf.sub(g, meanG), tf.mul(sxhat, meanGx)));
      return [tf.reshape(dx, dy.shape), rowSum(tf.mul(dy2, sxhat) as tf.Tensor2D), rowSum(dy2)];
    },
  };
}) as (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) => tf.Tensor;

export const LN_EPS = 1e-5;

export function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor {
  if (formulation === 'tuned') return layerNormTuned(x, gamma, beta);
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, LN_EPS))), gamma), beta);
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
/** GELU: 'tanh' approximation (JAX/DM default) or exact 'erf' (PyTorch/HF). */
export function gelu(x: tf.Tensor, form: 'tanh' | 'erf'): tf.Tensor {
  if (form === 'erf') return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
  const inner = tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), SQRT_2_OVER_PI);
  return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(inner)));
}

/**
 * Broadcast an [N, D] array to [B, N, D]. Its gradient sums over the batch as ones[1,B]·dy,
 * not with tile's per-repeat slices.
 */
const broadcastBatchTuned = tf.customGrad((w: tf.Tensor, ref: tf.Tensor, save: tf.GradSaveFunc) => {
  const batch = ref.shape[0]!;
  save([]);
  return {
    value: tf.broadcastTo(tf.expandDims(w, 0), [batch, ...w.shape]),
    gradFunc: (dy: tf.Tensor) => {
      const flat = tf.reshape(dy, [batch, -1]) as tf.Tensor2D;
      return [tf.reshape(rowSum(flat), w.shape), tf.zerosLike(ref)];
    },
  };
}) as (w: tf.Tensor, ref: tf.Tensor) => tf.Tensor;

export function broadcastBatch(w: tf.Tensor, ref: tf.Tensor): tf.Tensor {
  if (formulation === 'tuned') return broadcastBatchTuned(w, ref);
  return tf.broadcastTo(tf.expandDims(w, 0), [ref.shape[0]!, ...w.shape]);
}

export interface AttentionProbsSink {
  (probs: tf.Tensor): void;
}

/**
 * Multi-head attention core: softmax(Q·Kᵀ/√(qk/h)) · V, heads split head-major (channel
 * i·(c/h)…). q [B,Tq,qk], k [B,Tk,qk], v [B,Tk,vc] → [B,Tq,vc]. `mask` [B,Tq,Tk] (1 keep,
 * 0 drop): masked logits get −1e30 and fully masked rows output zeros (DM), never NaN.
 */
export function attend(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, heads: number, mask?: tf.Tensor, sink?: AttentionProbsSink): tf.Tensor {
  const [b, tq, qk] = q.shape as [number, number, number];
  const tk = k.shape[1]!;
  const vc = v.shape[2]!;
  const dh = qk / heads;
  const dv = vc / heads;
  // [B,T,h,d] → [B,h,T,d] → [B·h,T,d]; keys go straight to [B·h,d,Tk] so Q·Kᵀ is a plain matmul.
  const qh = tf.reshape(tf.transpose(tf.reshape(q, [b, tq, heads, dh]), [0, 2, 1, 3]), [b * heads, tq, dh]);
  const kt = tf.reshape(tf.transpose(tf.reshape(k, [b, tk, heads, dh]), [0, 2, 3, 1]), [b * heads, dh, tk]);
  const vh = tf.reshape(tf.transpose(tf.reshape(v, [b, tk, heads, dv]), [0, 2, 1, 3]), [b * heads, tk, dv]);
  let logits = tf.mul(matMul(qh, kt), 1 / Math.sqrt(dh));
  let rowKeep: tf.Tensor | undefined;
  if (mask) {
    const m = tf.reshape(tf.broadcastTo(tf.expandDims(mask, 1), [b, heads, tq, tk]), [b * heads, tq, tk]);
    logits = tf.add(tf.mul(logits, m), tf.mul(tf.sub(1, m), -1e30));
    rowKeep = tf.cast(tf.greater(tf.max(m, -1, true), 0), 'float32');
  }
  let probs = tf.softmax(logits, -1);
  if (rowKeep) probs = tf.mul(probs, rowKeep);
  if (sink) sink(tf.reshape(probs, [b, heads, tq, tk]));
  const out = matMul(probs, vh); // [B·h, Tq, dv]
  return tf.reshape(tf.transpose(tf.reshape(out, [b, heads, tq, dv]), [0, 2, 1, 3]), [b, tq, vc]);
}
