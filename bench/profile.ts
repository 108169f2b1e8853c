/** Per-kernel profile of one training step: `npx tsx bench/profile.ts [compiled|handwritten|stock] [batch]`. */
import * as tf from '@tensorflow/tfjs';
import { useNodeBackend } from '../engine/node/backend.js';
import { templateArch, templateDoc } from './lib/arch.js';
import { compiledImpl } from './lib/compiledImpl.js';
import { syntheticBatches } from './lib/data.js';
import type { TrainImpl } from './lib/impl.js';

const which = process.argv[2] ?? 'compiled';
await useNodeBackend((process.env.BENCH_BACKEND as 'wasm' | 'cpu') ?? 'wasm');
const doc = templateDoc();
const arch = templateArch(doc);
const batch = Number(process.argv[3] ?? arch.batch);
let impl: TrainImpl;
if (which === 'compiled') impl = compiledImpl(doc, arch.classes);
else if (which === 'handwritten')
  impl = (await import('./impls/handwritten.js')).handwrittenImpl(arch, doc.training.learningRate);
else impl = (await import('./impls/stock.js')).stockImpl(arch, doc.training.learningRate);
const [hb] = syntheticBatches(1, batch, arch.imageSize, arch.channels, arch.classes);
const x = tf.tensor(hb!.x, [batch, arch.imageSize, arch.imageSize, arch.channels]);
const y = tf.tensor1d(hb!.y, 'int32');
for (let i = 0; i < 5; i++) impl.step(x, y).dispose();
const t0 = performance.now();
for (let i = 0; i < 10; i++) impl.step(x, y).dispose();
const stepMs = (performance.now() - t0) / 10;
const prof = await tf.profile(() => {
  impl.step(x, y).dispose();
});
const byKernel = new Map<string, { ms: number; n: number }>();
let total = 0;
for (const k of prof.kernels) {
  const t = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
  const key =
    k.name +
    ' ' +
    (k.name.includes('MatMul') || k.name === 'Transpose' || k.name === 'Sum' ? JSON.stringify(k.inputShapes) : '');
  const e = byKernel.get(key) ?? { ms: 0, n: 0 };
  e.ms += t;
  e.n++;
  total += t;
  byKernel.set(key, e);
}
console.log(
  `${which}: params ${impl.params}, step ${stepMs.toFixed(1)} ms (${((batch * 1000) / stepMs).toFixed(0)} ex/s), kernels ${prof.kernels.length}, kernel time ${total.toFixed(1)} ms`,
);
const byName = new Map<string, { ms: number; n: number }>();
for (const [k, v] of byKernel) {
  const n = k.split(' ')[0]!;
  const e = byName.get(n) ?? { ms: 0, n: 0 };
  e.ms += v.ms;
  e.n += v.n;
  byName.set(n, e);
}
for (const [k, v] of [...byName].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25))
  console.log(`${v.ms.toFixed(2).padStart(8)} ms ${String(v.n).padStart(5)}×  ${k}`);
console.log('--- top shapes');
for (const [k, v] of [...byKernel].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25))
  console.log(`${v.ms.toFixed(2).padStart(8)} ms ${String(v.n).padStart(5)}×  ${k}`);
