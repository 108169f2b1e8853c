/**
 * The benchmarked network written the way generic visual tools write it: stock tfjs ops on
 * rank-3 tensors and tfjs' built-in gradients (no custom gradients, no per-backend tricks).
 * Independent of engine/layers/ops.ts on purpose, so vsStockLayers measures the formulation.
 */
import * as tf from '@tensorflow/tfjs';
import { type Arch } from '../lib/arch.js';
import type { TrainImpl } from '../lib/impl.js';
import { blockDims, countParams, fourierConstant, makeParams, type BlockDims, type Params } from './params.js';

function dense(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const s = x.shape;
  const y = tf.add(tf.matMul(tf.reshape(x, [-1, s[s.length - 1]!]) as tf.Tensor2D, w as tf.Tensor2D), b);
  return tf.reshape(y, [...s.slice(0, -1), w.shape[1]!]);
}
function layerNorm(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))), g), b);
}
function gelu(x: tf.Tensor): tf.Tensor {
  const inner = tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), Math.sqrt(2 / Math.PI));
  return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(inner)));
}
function heads(x: tf.Tensor, h: number): tf.Tensor {
  const [b, t, c] = x.shape as number[];
  return tf.transpose(tf.reshape(x, [b!, t!, h, c! / h]), [0, 2, 1, 3]);
}
function attention(p: Params, n: string, d: BlockDims, q: tf.Tensor, kv: tf.Tensor): tf.Tensor {
  const P = (k: string) => p.get(`${n}.${k}`)!;
  const qn = layerNorm(q, P('lnq.g'), P('lnq.b'));
  const kvn = d.self ? qn : layerNorm(kv, P('lnkv.g'), P('lnkv.b'));
  const Q = heads(dense(qn, P('q.w'), P('q.b')), d.heads);
  const K = heads(dense(kvn, P('k.w'), P('k.b')), d.heads);
  const V = heads(dense(kvn, P('v.w'), P('v.b')), d.heads);
  const logits = tf.mul(tf.matMul(Q, K, false, true), 1 / Math.sqrt(d.qk / d.heads));
  const o = tf.matMul(tf.softmax(logits), V);
  const [b, , tq] = o.shape as number[];
  const merged = tf.reshape(tf.transpose(o, [0, 2, 1, 3]), [b!, tq!, d.v]);
  const x = tf.add(q, dense(merged, P('o.w'), P('o.b')));
  const m = dense(gelu(dense(layerNorm(x, P('lnm.g'), P('lnm.b')), P('m1.w'), P('m1.b'))), P('m2.w'), P('m2.b'));
  return tf.add(x, m);
}

export function stockForward(a: Arch, p: Params, fourier: tf.Tensor2D, x: tf.Tensor): tf.Tensor {
  const dims = blockDims(a);
  const b = x.shape[0]!;
  const n = a.imageSize / a.patch;
  const s = a.patch;
  let t = tf.reshape(x, [b, n, s, n, s, a.channels]);
  t = tf.reshape(tf.transpose(t, [0, 1, 3, 2, 4, 5]), [b, n * n, s * s * a.channels]);
  const tokens = tf.concat([t, tf.tile(tf.expandDims(fourier, 0), [b, 1, 1])], -1);
  let z = tf.tile(tf.expandDims(p.get('latents')!, 0), [b, 1, 1]);
  z = attention(p, 'enc', dims.cross, z, tokens);
  for (let r = 0; r < a.selfBlocks; r++)
    for (let l = 0; l < a.selfLayers; l++) z = attention(p, `self${l}`, dims.self, z, z);
  const q = tf.tile(tf.expandDims(p.get('query')!, 0), [b, 1, 1]);
  const o = attention(p, 'dec', dims.dec, q, z);
  return dense(tf.reshape(o, [b, a.queryChannels]), p.get('head.w')!, p.get('head.b')!);
}

export function stockImpl(a: Arch, lr: number): TrainImpl {
  const p = makeParams(a);
  const fourier = fourierConstant(a);
  const vars = [...p.values()];
  const opt = tf.train.adam(lr, 0.9, 0.999, 1e-7);
  return {
    name: 'stock',
    params: countParams(p),
    step(x, y) {
      return tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => {
          const logits = stockForward(a, p, fourier, x);
          tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, -1), y), 'float32'))).dispose();
          return tf.losses.softmaxCrossEntropy(tf.oneHot(y as tf.Tensor1D, a.classes), logits) as tf.Scalar;
        }, vars);
        opt.applyGradients(grads as unknown as tf.NamedTensorMap & Record<string, tf.Variable>);
        return tf.keep(value);
      });
    },
    dispose() {
      opt.dispose();
      fourier.dispose();
      tf.dispose(vars);
    },
  };
}
