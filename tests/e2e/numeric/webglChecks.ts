/**
 * Numeric checks of the engine's blocks, run inside Chromium on the WebGL backend (and on cpu in
 * the same page for the whole-model comparison). Every expected value is computed here in plain
 * JavaScript (float64), independently of tfjs. Bundled and loaded by numeric-webgl.spec.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { attend, gelu, layerNorm, setFormulation } from '../../../engine/layers/ops';
import { FourierPosition } from '../../../engine/layers/perceiverLayers';
import { compile } from '../../../engine/compile/compile';
import { validateDoc } from '../../../engine/graph/load';
import template from '../../../templates/mnist-perceiver-io.json';

type Result = { name: string; maxAbsError: number; tolerance: number };

function rand(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 4294967296 - 0.5;
  };
}
const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

/** erf to ~1e-7 (Abramowitz & Stegun 7.1.26 is 1.5e-7; good enough for float32 checks). */
function erf(x: number): number {
  const s = Math.sign(x);
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return s * y;
}

function checkAttention(): Result {
  const r = rand(1);
  const [b, tq, tk, qk, vc, h] = [2, 3, 5, 8, 6, 2];
  const q = Array.from({ length: b * tq * qk }, r);
  const k = Array.from({ length: b * tk * qk }, r);
  const v = Array.from({ length: b * tk * vc }, r);
  const got = tf.tidy(() =>
    attend(tf.tensor3d(q, [b, tq, qk]), tf.tensor3d(k, [b, tk, qk]), tf.tensor3d(v, [b, tk, vc]), h).dataSync(),
  );
  const dh = qk / h;
  const dv = vc / h;
  const want = new Float64Array(b * tq * vc);
  for (let bi = 0; bi < b; bi++)
    for (let hi = 0; hi < h; hi++)
      for (let i = 0; i < tq; i++) {
        const logits = Array.from({ length: tk }, (_, j) => {
          let s = 0;
          for (let c = 0; c < dh; c++) s += q[(bi * tq + i) * qk + hi * dh + c]! * k[(bi * tk + j) * qk + hi * dh + c]!;
          return s / Math.sqrt(dh);
        });
        const m = Math.max(...logits);
        const e = logits.map((l) => Math.exp(l - m));
        const z = e.reduce((x, y) => x + y, 0);
        for (let c = 0; c < dv; c++) {
          let s = 0;
          for (let j = 0; j < tk; j++) s += (e[j]! / z) * v[(bi * tk + j) * vc + hi * dv + c]!;
          want[(bi * tq + i) * vc + hi * dv + c] = s;
        }
      }
  return { name: 'attention (2 heads, head-major split, 1/√(qk/h))', maxAbsError: maxAbs(got, want), tolerance: 1e-4 };
}

function checkLayerNorm(): Result {
  const r = rand(2);
  const [rows, d] = [4, 16];
  // Small variance on a large offset: eps = 1e-5 (not tfjs' 1e-3 default) is visible here.
  const x = Array.from({ length: rows * d }, () => 3 + r() * 0.01);
  const g = Array.from({ length: d }, () => 1 + r());
  const bta = Array.from({ length: d }, r);
  const got = tf.tidy(() => layerNorm(tf.tensor2d(x, [rows, d]), tf.tensor1d(g), tf.tensor1d(bta)).dataSync());
  const want: number[] = [];
  for (let i = 0; i < rows; i++) {
    const row = x.slice(i * d, (i + 1) * d);
    const mean = row.reduce((a, b) => a + b, 0) / d;
    const variance = row.reduce((a, b) => a + (b - mean) ** 2, 0) / d;
    row.forEach((u, j) => want.push(((u - mean) / Math.sqrt(variance + 1e-5)) * g[j]! + bta[j]!));
  }
  return { name: 'LayerNorm eps 1e-5', maxAbsError: maxAbs(got, want), tolerance: 5e-4 };
}

function checkGelu(form: 'tanh' | 'erf'): Result {
  const x = Array.from({ length: 41 }, (_, i) => -4 + i * 0.2);
  const got = tf.tidy(() => gelu(tf.tensor1d(x), form).dataSync());
  const want = x.map((u) =>
    form === 'tanh'
      ? 0.5 * u * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (u + 0.044715 * u ** 3)))
      : 0.5 * u * (1 + erf(u / Math.SQRT2)),
  );
  return { name: `GELU (${form})`, maxAbsError: maxAbs(got, want), tolerance: 1e-4 };
}

function checkFourier(): Result {
  // A 3×4 grid of zeros with 1 input channel: output = [0, x1, x2, sin(π f x) …, cos(π f x) …].
  const [n1, n2, K] = [3, 4, 3];
  const layer = new FourierPosition({
    indexDims: [n1, n2],
    numBands: K,
    maxResolution: [n1, n2],
    concatPos: true,
    sineOnly: false,
    combine: 'concat',
  });
  const got = tf.tidy(() => (layer.apply(tf.zeros([1, n1, n2, 1])) as tf.Tensor).dataSync());
  const want: number[] = [];
  for (let i = 0; i < n1; i++)
    for (let j = 0; j < n2; j++) {
      const pos = [-1 + (2 * i) / (n1 - 1), -1 + (2 * j) / (n2 - 1)];
      const res = [n1, n2];
      want.push(0, ...pos);
      for (const fn of [Math.sin, Math.cos])
        for (let d = 0; d < 2; d++)
          for (let k = 0; k < K; k++) want.push(fn(Math.PI * (1 + ((res[d]! / 2 - 1) * k) / (K - 1)) * pos[d]!));
    }
  layer.dispose();
  return {
    name: 'Fourier features (order [x, sin, cos], linear bands)',
    maxAbsError: maxAbs(got, want),
    tolerance: 1e-4,
  };
}

async function checkWholeModel(): Promise<Result> {
  // The default template on webgl against the same weights on cpu in the same page.
  const doc = validateDoc(template);
  const r = rand(3);
  const x = Array.from({ length: 4 * 28 * 28 }, () => r() + 0.5);
  const run = async (backend: string) => {
    await tf.setBackend(backend);
    setFormulation('stock');
    const { model } = compile(doc, { seed: 7 });
    const out = tf.tidy(() => (model.predict(tf.tensor4d(x, [4, 28, 28, 1])) as tf.Tensor).dataSync());
    model.dispose();
    return out;
  };
  const onGl = await run('webgl');
  const onCpu = await run('cpu');
  await tf.setBackend('webgl');
  return {
    name: 'default template forward, webgl vs cpu (same seed)',
    maxAbsError: maxAbs(onGl, onCpu),
    tolerance: 1e-3,
  };
}

export async function runChecks(): Promise<{ backend: string; renderer: string; results: Result[] }> {
  if (!(await tf.setBackend('webgl'))) throw new Error('WebGL backend unavailable');
  setFormulation('stock');
  const gl = (tf.backend() as unknown as { gpgpu?: { gl: WebGLRenderingContext } }).gpgpu?.gl;
  const info = gl?.getExtension('WEBGL_debug_renderer_info');
  const renderer = gl && info ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : 'unknown';
  const results = [checkAttention(), checkLayerNorm(), checkGelu('tanh'), checkGelu('erf'), checkFourier()];
  results.push(await checkWholeModel());
  return { backend: tf.getBackend(), renderer, results };
}

(globalThis as unknown as { runChecks: typeof runChecks }).runChecks = runChecks;
