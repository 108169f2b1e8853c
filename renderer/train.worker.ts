/// <reference lib="webworker" />
/**
 * The training worker: compiles the GraphDoc with engine/compile and trains it with engine/train
 * on the built-in MNIST digits. The UI thread never touches tfjs, so the canvas stays fluid.
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { compile, CompileError } from '../engine/compile/compile';
import { decodeMnist, mnistDataset } from '../engine/data/mnist';
import { formulationFor, setFormulation } from '../engine/layers/ops';
import { train } from '../engine/train/train';
import { planBackends, probeWebGl } from './worker/chooseBackend';
import type { BackendInfo, FromWorker, ToWorker } from './worker/protocol';

const ctx = self as unknown as DedicatedWorkerGlobalScope;
const post = (m: FromWorker) => ctx.postMessage(m);

const stopRequested = new Set<number>();
let activeBackend: BackendInfo | null = null;
let mnist: Uint8Array | null = null;

async function initBackend(runId: number, forced?: BackendInfo['name']): Promise<BackendInfo> {
  if (activeBackend && (!forced || forced === activeBackend.name)) return activeBackend;
  const failures: string[] = [];
  for (const choice of planBackends(probeWebGl(), forced)) {
    try {
      if (choice.name === 'wasm') {
        setWasmPaths(new URL('wasm/', ctx.location.href.replace(/assets\/[^/]*$/, '')).href);
        // Single-threaded on purpose: tfjs' pthread workers importScripts() a blob: URL, which the
        // app's CSP (script-src 'self') refuses, and tfjs caps the pool at half the cores anyway
        // (one thread on 2 cores; two threads gained ~10% per step, see shared/tfjs-notes.md).
        tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
      }
      const ok = await tf.setBackend(choice.name);
      if (!ok) throw new Error(`${choice.name} did not initialise`);
      await tf.ready();
      setFormulation(formulationFor(choice.name));
      const info: BackendInfo = { ...choice };
      if (choice.name === 'wasm') {
        const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
        info.threads = 1;
        info.reason += `; wasm${simd ? ' with SIMD' : ' without SIMD'}, 1 thread`;
      }
      if (failures.length) info.reason += ` (${failures.join('; ')})`;
      activeBackend = info;
      return info;
    } catch (err) {
      failures.push(`${choice.name} failed: ${(err as Error).message}`);
      post({ type: 'status', runId, phase: 'starting', message: `${choice.name} unavailable, trying the next backend…` });
    }
  }
  throw new Error(`No tfjs backend could start: ${failures.join('; ')}`);
}

const yieldChannel = new MessageChannel();
const yieldWaiters: (() => void)[] = [];
yieldChannel.port1.onmessage = () => yieldWaiters.shift()?.();
/** Let queued messages (Stop) run; a MessageChannel avoids setTimeout's 4 ms clamp. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => {
    yieldWaiters.push(resolve);
    yieldChannel.port2.postMessage(null);
  });
}

async function loadMnist(): Promise<Uint8Array> {
  if (mnist) return mnist;
  const url = new URL('data/mnist.bin', ctx.location.href.replace(/assets\/[^/]*$/, '')).href;
  const res = await fetch(url);
  if (!res.ok) throw new Error(`Could not load the built-in MNIST digits from ${url} (HTTP ${res.status}); run \`npm run build\``);
  mnist = new Uint8Array(await res.arrayBuffer());
  return mnist;
}

async function run(msg: Extract<ToWorker, { type: 'train' }>): Promise<void> {
  const { runId, doc } = msg;
  post({ type: 'status', runId, phase: 'starting', message: 'Choosing a backend…' });
  const backend = await initBackend(runId, msg.options.backend);
  post({ type: 'backend', runId, backend });
  post({ type: 'status', runId, phase: 'loading-data', message: 'Loading the built-in MNIST digits…' });
  const data = mnistDataset(decodeMnist(await loadMnist()), {
    validationFraction: doc.data?.validationFraction,
    testFraction: doc.data?.testFraction,
    seed: doc.data?.seed,
  });
  post({ type: 'status', runId, phase: 'compiling', message: 'Compiling the graph…' });
  const { model, analysis } = compile(doc);
  try {
    const head = analysis.heads[0]!;
    if (head.loss.type !== 'classification') throw new Error(`The head "${head.nodeId}" is not a classification head; the built-in MNIST digits need one`);
    if (head.loss.classes !== data.numClasses) {
      throw new CompileError(`The head "${head.nodeId}" predicts ${head.loss.classes} classes but MNIST has ${data.numClasses}; set numClasses to ${data.numClasses}`, head.nodeId);
    }
    const inputId = analysis.modelInputs[0]!;
    const inShape = analysis.nodes.get(inputId)!.outputShapes.out!;
    if (inShape.join('x') !== data.inputShape.join('x')) {
      throw new CompileError(`The input node "${inputId}" expects [${inShape.join(', ')}] but MNIST digits are [${data.inputShape.join(', ')}]`, inputId);
    }
    post({ type: 'ready', runId, params: model.countParams(), trainSize: data.train.size, testSize: data.test.size, dataName: data.name });
    post({ type: 'status', runId, phase: 'warming-up', message: `Compiling kernels on ${backend.name} (the first step is slow)…` });
    let first = true;
    const result = await train(model, data, doc.training, {
      maxStepsPerEpoch: msg.options.maxStepsPerEpoch ?? undefined,
      reportEvery: 1,
      shouldStop: () => stopRequested.has(runId),
      // wasm's data() resolves as a microtask, so without a real yield the worker would never
      // see the Stop message until the run ended.
      waitIfPaused: yieldToEventLoop,
      onStep: (step) => {
        if (first) {
          first = false;
          post({ type: 'status', runId, phase: 'training', message: 'Training' });
        }
        post({ type: 'step', runId, step });
      },
      onEpoch: (epoch) => post({ type: 'epoch', runId, epoch }),
    });
    post({
      type: 'done',
      runId,
      status: result.status,
      message: result.message,
      test: result.test ? { accuracy: result.test.accuracy, loss: result.test.loss, confusion: result.test.confusion } : null,
      seconds: result.seconds,
      steps: result.steps,
    });
  } finally {
    model.dispose();
    stopRequested.delete(runId);
  }
}

// Messages are handled one run at a time; a stop arriving mid-run is seen by shouldStop.
let queue = Promise.resolve();
ctx.onmessage = (ev: MessageEvent<ToWorker>) => {
  const msg = ev.data;
  if (msg.type === 'stop') {
    stopRequested.add(msg.runId);
    return;
  }
  queue = queue.then(() =>
    run(msg).catch((err: unknown) => {
      post({ type: 'error', runId: msg.runId, message: (err as Error).message ?? String(err), nodeId: err instanceof CompileError ? err.nodeId : undefined });
    }),
  );
};
