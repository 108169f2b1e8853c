/**
 * Numeric building blocks shared by the Perceiver layers.
 *
 * Two formulations of the same maths:
 * - 'stock': tfjs ops with their built-in gradients.
 * - 'tuned': custom gradients written for the wasm backend (see bench/README.md for the
 *   measurements behind each choice):
 *   - 2-D matmuls are the only fast kernel (XNNPACK, ~15–30 GFLOP/s); a 2-D matmul with a
 *     transposed operand takes the slow path (~2 GFLOP/s), so 2-D backward passes transpose
 *     explicitly and then multiply plainly. Batched (rank-3) matmuls always take the slow path,
 *     whatever their transpose flags, so there the flags are used and no transpose is made.
 *   - sums over rows (bias and norm gradients, batch broadcasts) are onesᵀ·x matmuls (rowSum).
 *   - GELU(tanh) is computed as x·σ(2u) (identical maths): tanh is ~14× slower than sigmoid
 *     on wasm, and x³ as x·x² (tf.pow is ~25× slower than a multiply).
 *   - linear layers, GELU and the attention core each have one hand-written backward, which
 *     records far fewer kernels than autodiff; per-kernel overhead dominates at these sizes.
 * On webgl/cpu 'stock' is as fast. The compiler picks per backend (`setFormulation`); tests
 * check both agree (ops.test.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { splitLastAxis, useZeroCopyIdentity } from './wasmKernels.js';
import {
  geluTanhBackwardOwn,
  geluTanhForwardOwn,
  layerNormBackwardOwn,
  layerNormForwardOwn,
  ownKernelsActive,
  useOwnKernels,
} from '../kernels/index.js';

export type Formulation = 'tuned' | 'stock';
let formulation: Formulation = 'tuned';

export function setFormulation(f: Formulation): void {
  formulation = f;
  useZeroCopyIdentity(f === 'tuned');
  // Our SIMD GEMM as tfjs' BatchMatMul/_FusedMatMul on wasm (engine/kernels; issue 19).
  useOwnKernels(f === 'tuned');
}
export function getFormulation(): Formulation {
  return formulation;
}
/** The formulation that is fastest on a backend. */
export function formulationFor(backend: string): Formulation {
  return backend === 'wasm' ? 'tuned' : 'stock';
}

/**
 * tf.customGrad with the inputs spelled out: tfjs types the callback as (...inputs: (Tensor |
 * GradSaveFunc)[]), which a function with named tensor parameters does not satisfy.
 */
function customGrad<F>(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  f: (...args: any[]) => { value: tf.Tensor; gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor | tf.Tensor[] },
): F {
  return tf.customGrad(f as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as F;
}

function swapLast2(rank: number): number[] {
  const perm = [...Array(rank).keys()];
  perm[rank - 1] = rank - 2;
  perm[rank - 2] = rank - 1;
  return perm;
}

/** a·b (rank 2 or batched rank 3) whose gradient takes wasm's fast paths (see above). */
const plainMatMulGrad = customGrad<(a: tf.Tensor, b: tf.Tensor) => tf.Tensor>(
  (a: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
    save([a, b]);
    return {
      value: tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sa, sb] = saved as [tf.Tensor2D, tf.Tensor2D];
        // Our GEMM (engine/kernels) runs transposed operands at full speed: no explicit transposes.
        if (sa.rank > 2 || ownKernelsActive())
          return [tf.matMul(dy as tf.Tensor2D, sb, false, true), tf.matMul(sa, dy as tf.Tensor2D, true, false)];
        const bt = tf.transpose(sb, swapLast2(sb.rank));
        const at = tf.transpose(sa, swapLast2(sa.rank));
        return [tf.matMul(dy as tf.Tensor2D, bt as tf.Tensor2D), tf.matMul(at as tf.Tensor2D, dy as tf.Tensor2D)];
      },
    };
  },
);

export function matMul(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return formulation === 'tuned' ? plainMatMulGrad(a, b) : tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D);
}

/**
 * Sum over rows of a 2-D tensor as onesᵀ·x, deliberately with transposeA so that tfjs wasm takes
 * its plain loop: the XNNPACK path would first pack x into a new operator, which for one output
 * row costs ~4× the whole sum (0.23 vs 0.06 ms for [1024, 64]; tf.sum over axis 0 is as slow as
 * the packing, it transposes first).
 */
function rowSum(x: tf.Tensor2D): tf.Tensor1D {
  const ones = tf.ones([x.shape[0], 1]);
  return tf.reshape(tf.matMul(ones as tf.Tensor2D, x, true, false), [x.shape[1]]);
}

/**
 * x·W + b over the last axis of x (any rank) in one custom gradient: dx = dy·Wᵀ, dW = xᵀ·dy,
 * db = 1ᵀ·dy, all plain 2-D matmuls. The reshapes to and from 2-D happen inside, where the tape
 * does not see them: a taped reshape costs two more kernels (its gradient saves a clone of x).
 */
const linearTuned = customGrad<(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => tf.Tensor>(
  (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
    const inDim = x.shape[x.rank - 1]!;
    const outDim = w.shape[1]!;
    const x2 = (x.rank === 2 ? x : tf.reshape(x, [-1, inDim])) as tf.Tensor2D;
    save([x2, w]);
    // The bias rides along in the matmul kernel (XNNPACK adds it while writing the output).
    const y = tf.fused.matMul({ a: x2, b: w as tf.Tensor2D, bias: b });
    return {
      value: x.rank === 2 ? y : tf.reshape(y, [...x.shape.slice(0, -1), outDim]),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sw] = saved as [tf.Tensor2D, tf.Tensor2D];
        const dy2 = (dy.rank === 2 ? dy : tf.reshape(dy, [-1, outDim])) as tf.Tensor2D;
        const own = ownKernelsActive(); // transposed operands are free with our GEMM
        const dx = own ? tf.matMul(dy2, sw, false, true) : tf.matMul(dy2, tf.transpose(sw));
        const dw = own ? tf.matMul(sx, dy2, true, false) : tf.matMul(tf.transpose(sx), dy2);
        return [x.rank === 2 ? dx : tf.reshape(dx, x.shape), dw, rowSum(dy2)];
      },
    };
  },
);

/** Linear over the last axis: x[..., in] · W[in, out] + b[out]. */
export function linear(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor | null): tf.Tensor {
  if (formulation === 'tuned' && b) return linearTuned(x, w, b);
  const inDim = x.shape[x.rank - 1]!;
  const outDim = w.shape[1]!;
  const lead = x.shape.slice(0, -1);
  const x2 = x.rank === 2 ? x : tf.reshape(x, [-1, inDim]);
  let y: tf.Tensor;
  if (formulation === 'tuned') y = plainMatMulGrad(x2, w);
  else
    y = b ? tf.add(tf.matMul(x2 as tf.Tensor2D, w as tf.Tensor2D), b) : tf.matMul(x2 as tf.Tensor2D, w as tf.Tensor2D);
  return x.rank === 2 ? y : tf.reshape(y, [...lead, outDim]);
}

/**
 * Several linears of the same input as one matmul (fused q/k/v): returns one output per
 * (W, b) pair. One wide matmul runs closer to the matmul peak than three narrow ones, and the
 * backward needs one transpose of x instead of three. Weights stay separate variables, so
 * saved models and checkpoints are unchanged.
 */
export function linearMany(x: tf.Tensor, ws: tf.Tensor[], bs: tf.Tensor[]): tf.Tensor[] {
  if (ws.length === 1) return [linear(x, ws[0]!, bs[0]!)];
  const widths = ws.map((w) => w.shape[1]!);
  const y = linear(x, tf.concat(ws, 1), tf.concat(bs, 0));
  return splitLastAxis(y, widths);
}

/** LayerNorm over the last axis with learned scale and offset (eps 1e-5 as DM/HF/PyTorch). */
const layerNormTuned = customGrad<(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) => tf.Tensor>(
  (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, save: tf.GradSaveFunc) => {
    const d = x.shape[x.rank - 1]!;
    const x2 = tf.reshape(x, [-1, d]) as tf.Tensor2D;
    if (ownKernelsActive() && x.dtype === 'float32') {
      // One fused kernel each way (engine/kernels/assembly/layernorm.ts) instead of ~9 / ~18.
      const [y, xhat, inv] = layerNormForwardOwn(x2, gamma, beta, LN_EPS);
      save([xhat, inv, gamma]);
      return {
        value: tf.reshape(y, x.shape),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [sxhat, sinv, sg] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
          const [dx, dg, db] = layerNormBackwardOwn(tf.reshape(dy, [-1, d]) as tf.Tensor2D, sxhat, sinv, sg);
          return [tf.reshape(dx, dy.shape), dg, db];
        },
      };
    }
    const mean = tf.mean(x2, -1, true);
    const xc = tf.sub(x2, mean);
    const invStd = tf.rsqrt(tf.add(tf.mean(tf.square(xc), -1, true), LN_EPS));
    const xhat = tf.mul(xc, invStd);
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
  },
);

export const LN_EPS = 1e-5;

export function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor {
  if (formulation === 'tuned') return layerNormTuned(x, gamma, beta);
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, LN_EPS))), gamma), beta);
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const GELU_A = 0.044715;
const C2 = 2 * SQRT_2_OVER_PI;

/**
 * tanh-GELU 0.5x(1 + tanh(u)), u = √(2/π)(x + 0.044715x³), computed as x·σ(2u) (the same
 * function: 0.5(1 + tanh(u)) = σ(2u)). Backward: σ + x·σ(1−σ)·2u'.
 */
const geluTanhTuned = customGrad<(x: tf.Tensor) => tf.Tensor>((x: tf.Tensor, save: tf.GradSaveFunc) => {
  if (ownKernelsActive() && x.dtype === 'float32') {
    // One fused kernel each way (engine/kernels/assembly/gelu.ts) instead of 6 / 8.
    const [y, s] = geluTanhForwardOwn(x);
    save([x, s]);
    return { value: y, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => geluTanhBackwardOwn(dy, saved[0]!, saved[1]!) };
  }
  const x2 = tf.square(x);
  const s = tf.sigmoid(tf.mul(x, tf.add(tf.mul(x2, C2 * GELU_A), C2)));
  save([x, x2, s]);
  return {
    value: tf.mul(x, s),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sx, sx2, ss] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
      const du = tf.add(tf.mul(sx2, 3 * C2 * GELU_A), C2);
      return tf.mul(dy, tf.add(ss, tf.mul(tf.mul(sx, tf.mul(ss, tf.sub(1, ss))), du)));
    },
  };
});

/** Exact GELU xΦ(x); backward Φ(x) + x·φ(x). */
const geluErfTuned = customGrad<(x: tf.Tensor) => tf.Tensor>((x: tf.Tensor, save: tf.GradSaveFunc) => {
  const cdf = tf.mul(tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1), 0.5);
  save([x, cdf]);
  return {
    value: tf.mul(x, cdf),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sx, scdf] = saved as [tf.Tensor, tf.Tensor];
      const pdf = tf.mul(tf.exp(tf.mul(tf.square(sx), -0.5)), 1 / Math.sqrt(2 * Math.PI));
      return tf.mul(dy, tf.add(scdf, tf.mul(sx, pdf)));
    },
  };
});

/** GELU: 'tanh' approximation (JAX/DM default) or exact 'erf' (PyTorch/HF). */
export function gelu(x: tf.Tensor, form: 'tanh' | 'erf'): tf.Tensor {
  if (formulation === 'tuned') return form === 'erf' ? geluErfTuned(x) : geluTanhTuned(x);
  if (form === 'erf') return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
  const inner = tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), SQRT_2_OVER_PI);
  return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(inner)));
}

/**
 * Broadcast an [N, D] array to [B, N, D] as ones[B,1]·w[1,N·D]: on wasm broadcastTo runs the Tile
 * kernel (~2.6 ms for 32×32×64) while this matmul takes ~0.03 ms. Its gradient sums over the
 * batch as ones[1,B]·dy, not with tile's per-repeat slices.
 */
const broadcastBatchTuned = customGrad<(w: tf.Tensor, ref: tf.Tensor) => tf.Tensor>(
  (w: tf.Tensor, ref: tf.Tensor, save: tf.GradSaveFunc) => {
    const batch = ref.shape[0]!;
    save([]);
    const flat = tf.reshape(w, [1, w.size]) as tf.Tensor2D;
    return {
      value: tf.reshape(tf.matMul(tf.ones([batch, 1]) as tf.Tensor2D, flat), [batch, ...w.shape]),
      gradFunc: (dy: tf.Tensor) => {
        const flat = tf.reshape(dy, [batch, -1]) as tf.Tensor2D;
        return [tf.reshape(rowSum(flat), w.shape), tf.zerosLike(ref)];
      },
    };
  },
);

export function broadcastBatch(w: tf.Tensor, ref: tf.Tensor): tf.Tensor {
  if (formulation === 'tuned') return broadcastBatchTuned(w, ref);
  return tf.broadcastTo(tf.expandDims(w, 0), [ref.shape[0]!, ...w.shape]);
}

export interface AttentionProbsSink {
  (probs: tf.Tensor): void;
}

/**
 * softmax(q·kᵀ·scale)·v on head-split [G, T, d] tensors with a hand-written backward:
 * dV = Pᵀ·dO, dP = dO·Vᵀ, dS = P∘(dP − Σ_j dP∘P)·scale, dQ = dS·K, dK = dSᵀ·Q.
 */
const attendCoreTuned = customGrad<(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, scale: tf.Tensor) => tf.Tensor>(
  (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, scale: tf.Tensor, save: tf.GradSaveFunc) => {
    const p = tf.softmax(tf.mul(tf.matMul(q as tf.Tensor3D, k as tf.Tensor3D, false, true), scale));
    save([q, k, v, p, scale]);
    return {
      value: tf.matMul(p as tf.Tensor3D, v as tf.Tensor3D),
      gradFunc: (dO: tf.Tensor, saved: tf.Tensor[]) => {
        const [sq, sk, sv, sp, ss] = saved as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D, tf.Tensor3D, tf.Scalar];
        const dP = tf.matMul(dO as tf.Tensor3D, sv, false, true);
        const dV = tf.matMul(sp, dO as tf.Tensor3D, true, false);
        const dS = tf.mul(tf.mul(sp, tf.sub(dP, tf.sum(tf.mul(dP, sp), -1, true))), ss) as tf.Tensor3D;
        return [tf.matMul(dS, sk), tf.matMul(dS, sq, true, false), dV, tf.zerosLike(ss)];
      },
    };
  },
);

/**
 * How the tuned attention core multiplies per-(example, head) matrices on wasm:
 * - 'depthwise' (default on stock tfjs kernels): as depthwise convolutions (below), which XNNPACK runs vectorised;
 *   4–5× faster than tfjs wasm's batched matmul for the template's shapes.
 * - 'batched' (default with our GEMM, engine/kernels): batched matmuls; on stock tfjs wasm the
 *   scalar slow path (kept there for A/B in bench/).
 */
export type AttentionCore = 'depthwise' | 'batched';
/** null = automatic: 'batched' when our GEMM serves the matmuls (engine/kernels), else 'depthwise'. */
let attentionCore: AttentionCore | null = null;
export function setAttentionCore(c: AttentionCore | null): void {
  if (c !== null && c !== 'depthwise' && c !== 'batched')
    throw new Error(`attention core must be 'depthwise' or 'batched' (got ${String(c)})`);
  attentionCore = c;
}
/** The core the tuned formulation uses now. With our GEMM a batched matmul runs at 25–40 GFLOP/s
 * (tfjs': 0.3–2), and the batched core beat the depthwise one by ×1.2 on a training step. */
export function activeAttentionCore(): AttentionCore {
  return attentionCore ?? (ownKernelsActive() ? 'batched' : 'depthwise');
}

/**
 * out[i,g,j] = Σ_r x[i,r,g]·f[r,g,j] for every group g: a batch of G small matmuls as ONE
 * depthwise convolution. The input is a 1×I image of width R with G channels, the filter is
 * 1×R with channel multiplier J, 'valid' padding leaves width 1, and output channel g·J + j
 * holds the dot product of row i of group g with column j of group g. tfjs wasm runs every
 * rank-3 matmul through a scalar loop (~1–2 GFLOP/s); this goes to XNNPACK's vectorised
 * grouped convolution, and is exact (the same sums of products).
 */
function groupedMatMul(x: tf.Tensor, f: tf.Tensor): tf.Tensor3D {
  const [i, r, g] = x.shape as [number, number, number];
  const j = f.shape[2]!;
  const y = tf.depthwiseConv2d(
    tf.reshape(x, [1, i, r, g]) as tf.Tensor4D,
    tf.reshape(f, [1, r, g, j]) as tf.Tensor4D,
    1,
    'valid',
  );
  return tf.reshape(y, [i, g, j]);
}

/**
 * softmax(q·kᵀ·scale)·v per example and head, on [B, T, h·d] tensors, with the products as
 * grouped (depthwise) matmuls over G = B·h groups. Layouts: logits and probabilities are
 * [Tq, G, Tk] (softmax over the last axis); each product needs its left operand as [I, R, G]
 * and its right one as [R, G, J], which the transposes below produce (a transpose of these
 * sizes costs ~0.05–0.1 ms on wasm, far less than the batched matmul it replaces).
 * Backward: dV = Pᵀ·dO, dP = dO·Vᵀ, dS = P∘(dP − Σ_j dP∘P)·scale, dQ = dS·K, dK = dSᵀ·Q.
 */
const attendDepthwiseCache = new Map<number, (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor) => tf.Tensor>();
function attendDepthwise(heads: number): (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor) => tf.Tensor {
  let f = attendDepthwiseCache.get(heads);
  if (f) return f;
  f = customGrad<(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor) => tf.Tensor>(
    (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, save: tf.GradSaveFunc) => {
      const [b, tq, qk] = q.shape as [number, number, number];
      const tk = k.shape[1]!;
      const vc = v.shape[2]!;
      const dh = qk / heads;
      const dv = vc / heads;
      const g = b * heads;
      const scale = 1 / Math.sqrt(dh);
      // [b,t,h,d] → [t,d,b,h] (left operand) and [d,b,h,t] (right operand, transposed).
      const qa = tf.reshape(tf.transpose(tf.reshape(q, [b, tq, heads, dh]), [1, 3, 0, 2]), [tq, dh, g]);
      const kf = tf.reshape(tf.transpose(tf.reshape(k, [b, tk, heads, dh]), [3, 0, 2, 1]), [dh, g, tk]);
      const p = tf.softmax(tf.mul(groupedMatMul(qa, kf), scale)); // [tq, g, tk]
      const vf = tf.reshape(tf.transpose(v, [1, 0, 2]), [tk, g, dv]);
      const o = groupedMatMul(tf.transpose(p, [0, 2, 1]), vf); // [tq, g, dv]
      save([q, k, v, p]);
      return {
        value: tf.transpose(tf.reshape(o, [tq, b, vc]), [1, 0, 2]),
        gradFunc: (dO: tf.Tensor, saved: tf.Tensor[]) => {
          const [sq, sk, sv, sp] = saved as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D, tf.Tensor3D];
          const dOg = tf.reshape(tf.transpose(dO, [1, 0, 2]), [tq, g, dv]);
          const dOa = tf.reshape(tf.transpose(tf.reshape(dO, [b, tq, heads, dv]), [1, 3, 0, 2]), [tq, dv, g]);
          const vt = tf.reshape(tf.transpose(tf.reshape(sv, [b, tk, heads, dv]), [3, 0, 2, 1]), [dv, g, tk]);
          const dP = groupedMatMul(dOa, vt); // [tq, g, tk]
          const dV = groupedMatMul(tf.transpose(sp, [2, 0, 1]), dOg); // [tk, g, dv]
          const dS = tf.mul(tf.mul(sp, tf.sub(dP, tf.sum(tf.mul(dP, sp), -1, true))), scale);
          const dQ = groupedMatMul(tf.transpose(dS, [0, 2, 1]), tf.reshape(tf.transpose(sk, [1, 0, 2]), [tk, g, dh])); // [tq, g, dh]
          const dK = groupedMatMul(tf.transpose(dS, [2, 0, 1]), tf.reshape(tf.transpose(sq, [1, 0, 2]), [tq, g, dh])); // [tk, g, dh]
          const back = (x: tf.Tensor, t: number, c: number) => tf.transpose(tf.reshape(x, [t, b, c]), [1, 0, 2]);
          return [back(dQ, tq, qk), back(dK, tk, qk), back(dV, tk, vc)];
        },
      };
    },
  );
  attendDepthwiseCache.set(heads, f);
  return f;
}

/** [B, T, h·d] → [B·h, T, d]; a reshape when h = 1 (no copy). */
function splitHeads(x: tf.Tensor, heads: number): tf.Tensor {
  const [b, t, c] = x.shape as [number, number, number];
  if (heads === 1) return x;
  return tf.reshape(tf.transpose(tf.reshape(x, [b, t, heads, c / heads]), [0, 2, 1, 3]), [b * heads, t, c / heads]);
}
function mergeHeads(x: tf.Tensor, b: number, heads: number): tf.Tensor {
  const [, t, d] = x.shape as [number, number, number];
  if (heads === 1) return x;
  return tf.reshape(tf.transpose(tf.reshape(x, [b, heads, t, d]), [0, 2, 1, 3]), [b, t, heads * d]);
}

/**
 * Multi-head attention core: softmax(Q·Kᵀ/√(qk/h)) · V, heads split head-major (channel
 * i·(c/h)…). q [B,Tq,qk], k [B,Tk,qk], v [B,Tk,vc] → [B,Tq,vc]. `mask` [B,Tq,Tk] (1 keep,
 * 0 drop): masked logits get −1e30 and fully masked rows output zeros (DM), never NaN.
 */
export function attend(
  q: tf.Tensor,
  k: tf.Tensor,
  v: tf.Tensor,
  heads: number,
  mask?: tf.Tensor,
  sink?: AttentionProbsSink,
): tf.Tensor {
  const [b, tq, qk] = q.shape as [number, number, number];
  const tk = k.shape[1]!;
  const vc = v.shape[2]!;
  const dh = qk / heads;
  const dv = vc / heads;
  if (formulation === 'tuned' && !mask && !sink && activeAttentionCore() === 'depthwise')
    return attendDepthwise(heads)(q, k, v);
  if (formulation === 'tuned' && !mask && !sink) {
    const scale = tf.scalar(1 / Math.sqrt(dh));
    return mergeHeads(
      attendCoreTuned(splitHeads(q, heads), splitHeads(k, heads), splitHeads(v, heads), scale),
      b,
      heads,
    );
  }
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
