/**
 * GPU measurement of the engine: the compiled default template trained with tfjs' WebGPU backend
 * in Node (Dawn through the npm package `webgpu`), examples/s at several batch sizes, and the
 * backend's fp32 matmul peak. Run on a GPU machine by bench/gpu/run-device.sh; never in tests.
 */
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { compile } from '../../engine/compile/compile.js';
import { loadGraphDoc } from '../../engine/graph/load.js';
import { setFormulation } from '../../engine/layers/ops.js';
import { classificationLoss } from '../../engine/train/train.js';

async function main(): Promise<void> {
  const [templatePath, batchesArg] = process.argv.slice(2);
  // Not project dependencies: carried to the GPU machine beside the bundle (bench/gpu/README.md).
  const webgpuModule = 'webgpu';
  const tfWebgpuModule = '@tensorflow/tfjs-backend-webgpu';
  const { create, globals } = (await import(webgpuModule)) as { create: (o: string[]) => unknown; globals: object };
  Object.assign(globalThis, globals);
  Object.defineProperty(globalThis, 'navigator', { value: { gpu: create([]) }, configurable: true });
  await import(tfWebgpuModule);
  if (!(await tf.setBackend('webgpu'))) throw new Error('WebGPU backend did not initialise (no adapter?)');
  await tf.ready();
  setFormulation('stock');
  const out: Record<string, unknown> = { backend: tf.getBackend() };
  const t0all = performance.now();
  const log = (m: string) => console.error(`[${((performance.now() - t0all) / 1000).toFixed(1)} s] ${m}`);
  // Dawn resolves buffer maps only while the event loop turns; keep it turning.
  const keepAlive = setInterval(() => undefined, 5);
  log('backend ready');

  // Matmul peak (fp32), n = 2048 and 4096.
  for (const n of (process.env.MATMUL_SIZES ?? '2048,4096').split(',').filter(Boolean).map(Number)) {
    log(`matmul ${n}`);
    const a = tf.randomNormal([n, n]);
    for (let i = 0; i < 3; i++) tf.matMul(a, a).dispose();
    await a.data();
    const reps = 20;
    const t0 = performance.now();
    let c: tf.Tensor | null = null;
    for (let i = 0; i < reps; i++) {
      c?.dispose();
      c = tf.matMul(a, a);
    }
    await c!.data();
    const s = (performance.now() - t0) / 1000;
    out[`matmulGflops${n}`] = (2 * n ** 3 * reps) / s / 1e9;
    c!.dispose();
    a.dispose();
  }

  const doc = loadGraphDoc(readFileSync(templatePath!, 'utf8'));
  for (const batch of (batchesArg ?? '64,256,1024').split(',').map(Number)) {
    log(`batch ${batch}`);
    const { model, analysis } = compile(doc);
    const opt = tf.train.adam(1e-3);
    const vars = model.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
    const x = tf.randomUniform([batch, 28, 28, 1]);
    const y = tf.tensor1d(
      Array.from({ length: batch }, (_, i) => i % 10),
      'int32',
    );
    const step = () =>
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(
          () => classificationLoss(model.apply(x, { training: true }) as tf.Tensor, y, 10, 0),
          vars,
        );
        opt.applyGradients(grads as never);
        return tf.keep(value);
      });
    for (let i = 0; i < 5; i++) await step().data();
    const steps = 30;
    const t0 = performance.now();
    let last: tf.Scalar | null = null;
    for (let i = 0; i < steps; i++) {
      last?.dispose();
      last = step() as tf.Scalar;
    }
    const lossV = (await last!.data())[0];
    const s = (performance.now() - t0) / 1000;
    out[`batch${batch}`] = {
      examplesPerSecond: (batch * steps) / s,
      msPerStep: (s * 1000) / steps,
      loss: lossV,
      gflops: (3 * analysis.totals.flops * batch * steps) / s / 1e9,
    };
    tf.dispose([x, y, last!]);
    opt.dispose();
    model.dispose();
  }
  clearInterval(keepAlive);
  console.log(JSON.stringify(out));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
