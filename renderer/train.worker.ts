/// <reference lib="webworker" />
/**
 * The training worker: compiles the GraphDoc with engine/compile and trains it with engine/train
 * on the built-in MNIST digits. The UI thread never touches tfjs, so the canvas stays fluid.
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { compile, CompileError } from '../engine/compile/compile';
import { formulationFor, setFormulation } from '../engine/layers/ops';
import { BindError } from '../engine/train/bindData';
import { train } from '../engine/train/train';
import { planBackends, probeWebGl } from './worker/chooseBackend';
import { putCheckpoint } from './worker/checkpointStore';
import { WorkerDataSources } from './worker/dataSource';
import type { BackendInfo, FromWorker, ToWorker } from './worker/protocol';
import { collectResults, PauseGate, prepareRun, RunRefused } from './worker/runSetup';
import {
  answerAttention,
  epochDiagnostics,
  isKeptForInsight,
  keepModelForInsight,
  nameRunForInsight,
  runEndedForInsight,
} from './worker/insight';
import { buildExport, ExportRefused } from './worker/exportModel';
import { answerTry } from './worker/tryModel';
import { importHf, importedWeights } from './worker/hfImport';
import { torchWeightsFor } from './worker/torchWeights';
import { applyPretrained } from '../engine/train/fineTune';

const ctx = self as unknown as DedicatedWorkerGlobalScope;
const post = (m: FromWorker) => ctx.postMessage(m);

const stopRequested = new Set<number>();
let activeBackend: BackendInfo | null = null;
let mnist: Uint8Array | null = null;
const pauses = new PauseGate();
const dataSources = new WorkerDataSources(() => loadMnist());

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
      post({
        type: 'status',
        runId,
        phase: 'starting',
        message: `${choice.name} unavailable, trying the next backend…`,
      });
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
  if (!res.ok)
    throw new Error(`Could not load the built-in MNIST digits from ${url} (HTTP ${res.status}); run \`npm run build\``);
  mnist = new Uint8Array(await res.arrayBuffer());
  return mnist;
}

async function run(msg: Extract<ToWorker, { type: 'train' }>): Promise<void> {
  const { runId, doc } = msg;
  post({ type: 'status', runId, phase: 'starting', message: 'Choosing a backend…' });
  const backend = await initBackend(runId, msg.options.backend);
  post({ type: 'backend', runId, backend });
  post({
    type: 'status',
    runId,
    phase: 'loading-data',
    message: msg.options.data ? `Reading ${msg.options.data.name}…` : 'Loading the built-in MNIST digits…',
  });
  const prep = await prepareRun(doc, msg.options, backend.name, dataSources);
  const { data } = prep;
  post({
    type: 'bound',
    runId,
    filled: prep.filled,
    skipped: data.skipped,
    resumedFromEpoch: prep.resume?.manifest.epoch ?? null,
    estimate: prep.estimate.message,
  });
  post({ type: 'status', runId, phase: 'compiling', message: 'Compiling the graph…' });
  const { model } = compile({ ...prep.doc, training: prep.settings });
  try {
    post({
      type: 'ready',
      runId,
      params: model.countParams(),
      trainSize: data.train.size,
      validationSize: data.validation.size,
      testSize: data.test.size,
      dataName: data.name,
    });
    // The insight views own the model from here on (attention maps while and after it trains).
    await keepModelForInsight(post, {
      runId,
      model,
      doc: prep.doc,
      analysis: prep.analysis,
      data,
      settings: prep.settings,
      backend: backend.name,
    });
    const pre = msg.options.pretrained;
    if (pre) {
      // Fine-tuning: the imported weights where name and shape still match (a resized head starts fresh).
      post({ type: 'status', runId, phase: 'compiling', message: `Loading the pretrained weights of ${pre.label}…` });
      const imported = await importedWeights(pre);
      const r = applyPretrained(model, prep.doc, imported.weights, {
        freezeEncoder: pre.freezeEncoder,
        source: pre.label,
      });
      post({
        type: 'pretrainedStart',
        runId,
        label: pre.label,
        loaded: r.loaded,
        replaced: r.replaced.map((x) => x.name),
        frozenNodes: r.frozenNodes,
        trainableParams: r.trainableParams,
      });
    }
    post({
      type: 'status',
      runId,
      phase: 'warming-up',
      message: `Compiling kernels on ${backend.name} (the first step is slow)…`,
    });
    let first = true;
    const stopped = () => stopRequested.has(runId);
    const checkpointKey = msg.options.checkpointKey;
    const result = await train(model, data, prep.settings, {
      maxStepsPerEpoch: msg.options.maxStepsPerEpoch ?? undefined,
      reportEvery: 1,
      plan: prep.plan,
      shouldStop: stopped,
      resume: prep.resume,
      // wasm's data() resolves as a microtask, so without a real yield the worker would never
      // see the Stop (or Pause) message until the run ended.
      waitIfPaused: async () => {
        await yieldToEventLoop();
        await pauses.wait(runId, stopped);
      },
      onCheckpoint: checkpointKey
        ? async (epoch, capture) => {
            const ckpt = await capture();
            try {
              await putCheckpoint(checkpointKey, ckpt, { docName: doc.name, dataName: data.name });
              post({
                type: 'checkpoint',
                runId,
                key: checkpointKey,
                epoch,
                step: ckpt.manifest.step,
                bytes: ckpt.data.byteLength,
              });
            } catch (err) {
              post({
                type: 'status',
                runId,
                phase: 'training',
                message: `Checkpoint of epoch ${epoch} not kept: ${(err as Error).message}`,
              });
            }
          }
        : undefined,
      onStep: (step) => {
        if (first) {
          first = false;
          post({ type: 'status', runId, phase: 'training', message: 'Training' });
        }
        post({ type: 'step', runId, step });
      },
      onEpoch: (epoch) => {
        post({ type: 'epoch', runId, epoch });
        epochDiagnostics(post, runId, epoch.epoch);
      },
    });
    // Per-class results and mistakes exist for classifiers only.
    if (result.test && result.test.metric === 'accuracy') {
      post({ type: 'status', runId, phase: 'evaluating', message: 'Collecting the misclassified examples…' });
      post({ type: 'results', runId, results: await collectResults(data, result.test) });
    }
    post({
      type: 'done',
      runId,
      status: result.status,
      message: result.message,
      test: result.test
        ? {
            accuracy: result.test.accuracy,
            loss: result.test.loss,
            confusion: result.test.confusion,
            metric: result.test.metric,
          }
        : null,
      seconds: result.seconds,
      steps: result.steps,
    });
  } finally {
    runEndedForInsight(runId);
    if (!isKeptForInsight(model)) model.dispose();
    stopRequested.delete(runId);
    pauses.clear(runId);
  }
}

const webFiles = new Map<string, Uint8Array>();
/** A file of the web export from the app's own origin (web/perceiver-layers.js, web/tf.fesm.min.js). */
async function loadWebFile(name: string): Promise<Uint8Array> {
  const cached = webFiles.get(name);
  if (cached) return cached;
  const url = new URL(`web/${name}`, ctx.location.href.replace(/assets\/[^/]*$/, '')).href;
  const res = await fetch(url);
  if (!res.ok)
    throw new Error(
      `Could not load ${name} for the web export from ${url} (HTTP ${res.status}); run \`npm run build\``,
    );
  const bytes = new Uint8Array(await res.arrayBuffer());
  webFiles.set(name, bytes);
  return bytes;
}

async function answerExport(msg: Extract<ToWorker, { type: 'exportModel' }>): Promise<void> {
  const { requestId } = msg;
  try {
    // Without a run the worker has no backend yet (runId -1: not a training run's status).
    if (!msg.request.withWeights) await initBackend(-1);
    const { files, summary } = await buildExport(msg.request, {
      mnistBin: loadMnist,
      layersBundle: () => loadWebFile('perceiver-layers.js'),
      tfjsModule: () => loadWebFile('tf.fesm.min.js'),
    });
    // Copies, transferred: the cached bundle and digits stay usable for the next export.
    const out = files.map((f) => ({ path: f.path, data: f.data.slice() }));
    ctx.postMessage(
      { type: 'exportFiles', requestId, files: out, summary } satisfies FromWorker,
      out.map((f) => f.data.buffer),
    );
  } catch (err) {
    const message =
      err instanceof ExportRefused || err instanceof CompileError
        ? err.message
        : `The export failed: ${(err as Error).message ?? String(err)}`;
    post({ type: 'exportError', requestId, message });
  }
}

// Messages are handled one run at a time; a stop arriving mid-run is seen by shouldStop.
let queue = Promise.resolve();
let tryQueue = Promise.resolve();
ctx.onmessage = (ev: MessageEvent<ToWorker>) => {
  const msg = ev.data;
  if (msg.type === 'stop') {
    stopRequested.add(msg.runId);
    pauses.wake();
    return;
  }
  if (msg.type === 'pause') {
    pauses.set(msg.runId, msg.paused);
    post({ type: 'paused', runId: msg.runId, paused: msg.paused });
    return;
  }
  if (msg.type === 'attention') {
    // Not queued: answered between training steps, from the model as it is now.
    void answerAttention(post, msg);
    return;
  }
  if (msg.type === 'runName') {
    nameRunForInsight(msg.runId, msg.name);
    return;
  }
  if (msg.type === 'exportModel') {
    // Not queued: like attention, it reads the newest model between training steps.
    void answerExport(msg);
    return;
  }
  if (msg.type === 'tryImportTorchWeights') {
    // Converted here (torch names → the engine's), then set like any imported weights.
    const { requestId, doc, file } = msg;
    tryQueue = tryQueue.then(async () => {
      const deps = { sources: dataSources, ensureBackend: () => initBackend(-1) };
      try {
        await deps.ensureBackend();
        const { weights, metadata } = torchWeightsFor(doc, new Uint8Array(await file.arrayBuffer()), file.name);
        const label = `trained with PyTorch: ${file.name}${metadata.epoch ? `, epoch ${metadata.epoch}` : ''}`;
        await answerTry(post, { type: 'trySetWeights', requestId, doc, weights, label }, deps);
      } catch (err) {
        const error = `The trained weights could not be imported: ${(err as Error).message ?? String(err)}`;
        await answerTry((m) => post({ ...m, error } as typeof m), { type: 'tryInfo', requestId, doc }, deps);
      }
    });
    return;
  }
  if (
    msg.type === 'tryInfo' ||
    msg.type === 'tryPredict' ||
    msg.type === 'tryUseCheckpoint' ||
    msg.type === 'trySetWeights' ||
    msg.type === 'tryUseModelFolder' ||
    msg.type === 'tryUseLastRun'
  ) {
    // Not queued behind a run: predictions use the model between training steps, one at a time.
    tryQueue = tryQueue.then(() =>
      answerTry(post, msg, { sources: dataSources, ensureBackend: () => initBackend(-1) }),
    );
    return;
  }
  if (msg.type === 'importHf') {
    const { requestId } = msg;
    queue = queue.then(async () => {
      try {
        const imp = await importHf(msg.files, (done, total) =>
          post({ type: 'hfImportProgress', requestId, done, total }),
        );
        post({ type: 'hfImported', requestId, summary: imp.summary, doc: imp.doc });
        // The imported weights become the Try panel's current weights (its importer hook).
        const weights = [...imp.weights].map(([name, a]) => ({ name, shape: a.shape, data: a.data }));
        const label = `imported: ${imp.summary.hfClass} (${imp.summary.folder})`;
        tryQueue = tryQueue.then(() =>
          answerTry(
            () => undefined,
            {
              type: 'trySetWeights',
              requestId: -requestId,
              doc: imp.doc,
              weights,
              label,
              classNames: imp.summary.classNames,
            },
            { sources: dataSources, ensureBackend: () => initBackend(-1) },
          ),
        );
      } catch (err) {
        post({ type: 'hfImportError', requestId, message: (err as Error).message ?? String(err) });
      }
    });
    return;
  }
  if (msg.type === 'loadData') {
    const { requestId } = msg;
    queue = queue.then(() =>
      dataSources
        .preview(
          msg.source,
          msg.binding,
          msg.declaredShape,
          msg.skipBadRows,
          msg.targetKind,
          msg.input,
          msg.inputs,
          msg.heads,
        )
        .then((preview) => post({ type: 'dataPreview', requestId, preview }))
        .catch((err: unknown) =>
          post({ type: 'dataError', requestId, message: (err as Error).message ?? String(err) }),
        ),
    );
    return;
  }
  queue = queue.then(() =>
    run(msg).catch((err: unknown) => {
      if (err instanceof RunRefused) return post({ type: 'refused', runId: msg.runId, refusal: err.refusal });
      post({
        type: 'error',
        runId: msg.runId,
        message: (err as Error).message ?? String(err),
        nodeId: err instanceof CompileError || err instanceof BindError ? err.nodeId : undefined,
      });
    }),
  );
};
