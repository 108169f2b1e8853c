/**
 * A training-speed worker driven over stdin/stdout so the orchestrator can interleave several
 * implementations round by round (A, B, A, B …) on this shared machine.
 *   node --import tsx bench/workers/train.ts --impl compiled|handwritten|stock [--image 28] [--batch 32]
 *     [--opt fused|tfjs] [--attn depthwise|batched]   (A/B variants of the compiled template, bench/ab.mjs)
 *     [--kernels own|stock]   (our SIMD GEMM in tfjs, engine/kernels, or tfjs' stock kernels; default own)
 *     [--relaxed-simd]   (turn on V8's relaxed SIMD before our kernels load: their relaxed build)
 * stdin: "run N" (N timed steps) · "peak" (matmul GFLOP/s) · "quit". stdout: one JSON per line.
 */
import { createInterface } from 'node:readline';
import * as tf from '@tensorflow/tfjs';
import { analyse } from '../../engine/graph/analyse.js';
import { useNodeBackend, type NodeBackend } from '../../engine/node/backend.js';
import { docWithImage, templateArch, templateDoc, tokens } from '../lib/arch.js';
import { compiledImpl } from '../lib/compiledImpl.js';
import { setAttentionCore, setFormulation, type AttentionCore } from '../../engine/layers/ops.js';
import type { OptimizerImpl } from '../../engine/train/fusedAdam.js';
import { syntheticBatches } from '../lib/data.js';
import type { TrainImpl } from '../lib/impl.js';
import { handwrittenImpl } from '../impls/handwritten.js';
import { stockImpl } from '../impls/stock.js';
import { matmulPeak } from '../lib/peak.js';
import { checkOwnKernels, ownKernelsStatus, setOwnKernelsAllowed } from '../../engine/kernels/index.js';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1]! : dflt;
}
const send = (o: unknown) => process.stdout.write(JSON.stringify(o) + '\n');

const implName = arg('--impl', 'compiled');
const backendName = arg('--backend', 'wasm') as NodeBackend;
const be = await useNodeBackend(backendName);
const base = templateDoc();
const size = Number(arg('--image', String(templateArch(base).imageSize)));
const doc = docWithImage(size, base);
const arch = { ...templateArch(doc), batch: Number(arg('--batch', String(base.training.batchSize))) };
const lr = doc.training.learningRate;
const baseline = tf.memory().numTensors;

let impl: TrainImpl;
const kernels = arg('--kernels', 'own');
if (kernels !== 'own' && kernels !== 'stock') throw new Error(`--kernels must be own or stock (got ${kernels})`);
setOwnKernelsAllowed(kernels === 'own');
if (process.argv.includes('--relaxed-simd'))
  (await import('node:v8')).setFlagsFromString('--experimental-wasm-relaxed-simd');
if (backendName === 'wasm' && kernels === 'own') checkOwnKernels();
if (arg('--attn', '')) setAttentionCore(arg('--attn', '') as AttentionCore);
if (implName === 'compiled') impl = compiledImpl(doc, arch.classes, arg('--opt', 'fused') as OptimizerImpl);
else if (implName === 'handwritten') impl = handwrittenImpl(arch, lr);
else if (implName === 'stock') {
  // The stock baseline runs on tfjs as shipped: no engine kernel overrides (zero-copy Identity).
  setFormulation('stock');
  impl = stockImpl(arch, lr);
} else throw new Error(`--impl must be compiled, handwritten or stock (got ${implName})`);

// Batches prepared before timing, as tensors: the comparison is about the step, not data loading.
const host = syntheticBatches(4, arch.batch, size, arch.channels, arch.classes);
const batches = host.map((b) => ({
  x: tf.tensor(b.x, [arch.batch, size, size, arch.channels]),
  y: tf.tensor1d(b.y, 'int32'),
}));
let k = 0;
const losses: number[] = [];
function step(): number {
  const b = batches[k++ % batches.length]!;
  const t0 = performance.now();
  const loss = impl.step(b.x, b.y);
  const v = loss.dataSync()[0]!; // wasm runs eagerly: this read adds no wait, only a copy
  const ms = performance.now() - t0;
  loss.dispose();
  losses.push(v);
  return ms;
}
for (let i = 0; i < 3; i++) step(); // warm-up: kernel compilation, optimizer slots, heap growth

const flopsPerExample = analyse(doc).totals.flops;
send({
  ready: true,
  impl: impl.name,
  params: impl.params,
  backend: tf.getBackend(),
  backendNote: be.note,
  simd: backendName === 'wasm' ? await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT') : false,
  threads: 1,
  batch: arch.batch,
  tokens: tokens(arch),
  flopsPerExample,
  ownKernels: ownKernelsStatus(),
});

const rl = createInterface({ input: process.stdin });
for await (const line of rl) {
  const [cmd, n] = line.trim().split(/\s+/);
  if (cmd === 'run') {
    const times: number[] = [];
    for (let i = 0; i < Number(n ?? 1); i++) times.push(step());
    send({ times });
  } else if (cmd === 'peak') {
    // The best matmul of this process: ours when registered, and tfjs' stock kernel.
    const own = ownKernelsStatus().registered ? matmulPeak() : 0;
    const was = ownKernelsStatus().registered;
    setOwnKernelsAllowed(false);
    const stock = matmulPeak();
    setOwnKernelsAllowed(kernels === 'own');
    send({ peakGflops: Math.max(own, stock), peakOwnGflops: was ? own : null, peakStockGflops: stock });
  } else if (cmd === 'quit') {
    impl.dispose();
    tf.dispose(batches.flatMap((b) => [b.x, b.y]));
    send({
      done: true,
      leakedTensors: tf.memory().numTensors - baseline,
      firstLoss: losses[0],
      lastLoss: losses[losses.length - 1],
    });
    rl.close();
    process.exit(0);
  }
}
