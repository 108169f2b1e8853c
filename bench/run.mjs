#!/usr/bin/env node
// `npm run bench [-- --json] [--quick] [--only training,scaling,...]`
// Every figure is a ratio or a time measured in this run on this machine. The machine is shared
// and noisy: A/B implementations run in separate processes whose steps are interleaved round by
// round (rotating order), and each result is a median of per-step times after warm-up.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { interleave, median, tfjsWorker, Worker } from './lib/workers.mjs';
import { buildKernels } from '../scripts/build-kernels.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const json = argv.includes('--json');
const quick = argv.includes('--quick');
const onlyArg = argv.find((a) => a.startsWith('--only'));
const only = onlyArg
  ? (onlyArg.includes('=') ? onlyArg.split('=')[1] : argv[argv.indexOf(onlyArg) + 1]).split(',')
  : null;
const want = (s) => !only || only.includes(s);
const log = (...a) => !json && console.error(...a);
const PYTHON = process.env.BENCH_PYTHON ?? '/usr/bin/python3';

const results = {
  machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
  skipped: {},
  notes: [],
};
const backend = {};
const ROUNDS = quick ? 3 : 8;
const STEPS = quick ? 3 : 5;

function pytorchWorker(threads, extra = []) {
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} not found`);
  const probe = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0)
    throw new Error(`PyTorch is not importable with ${PYTHON}: ${probe.stderr.trim().split('\n').pop()}`);
  return new Worker(
    `pytorch ${threads} thread(s)`,
    PYTHON,
    ['bench/pytorch/worker.py', '--threads', String(threads), ...extra],
    { cwd: root },
  );
}

async function section(name, fn) {
  if (!want(name)) return;
  const t0 = Date.now();
  log(`· ${name} …`);
  try {
    await fn();
  } catch (e) {
    results.skipped[name] = e.message;
    log(`  ${name} failed: ${e.message}`);
  }
  log(`  (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
}

// Our SIMD kernels (engine/kernels) are compiled from source; the tfjs workers load them.
await buildKernels({ quiet: true });

// ---- training speed: compiled vs hand-written vs stock vs PyTorch (Node, 1 wasm thread) ----
await section('training', async () => {
  const names = ['compiled', 'handwritten', 'stock'];
  const workers = names.map((n) => tfjsWorker(root, n));
  let torch = null;
  try {
    torch = pytorchWorker(1);
    workers.push(torch);
  } catch (e) {
    results.skipped.vsPytorchCpu = e.message;
  }
  try {
    const infos = await Promise.all(workers.map((w) => w.info.catch((e) => ({ error: e.message }))));
    if (torch && infos[3].error) {
      results.skipped.vsPytorchCpu = infos[3].error;
      workers.pop();
      infos.pop();
    }
    for (const i of infos.slice(0, 3)) if (i.error) throw new Error(i.error);
    const params = infos.map((i) => i.params);
    if (new Set(params).size !== 1)
      throw new Error(`implementations disagree on parameter count: ${params.join(' / ')}`);
    // stock is ~2-3× slower: fewer steps per round keeps rounds balanced in time.
    const steps = workers.map((w) =>
      w.label.includes('stock') ? Math.max(2, STEPS - 2) : w.label.startsWith('pytorch') ? STEPS * 3 : STEPS,
    );
    const times = await interleave(workers, { rounds: ROUNDS, steps });
    const med = times.map(median);
    const [c, h, s] = med;
    const batch = infos[0].batch;
    results.stepMs = Object.fromEntries(workers.map((w, i) => [infos[i].impl, +med[i].toFixed(1)]));
    results.examplesPerSecond = Object.fromEntries(
      workers.map((w, i) => [infos[i].impl, +((batch * 1000) / med[i]).toFixed(1)]),
    );
    results.compiledVsHandwritten = h / c;
    results.vsStockLayers = s / c;
    if (torch) {
      results.vsPytorchCpu = med[3] / c;
      results.pytorch = { torch: infos[3].torch, threads: infos[3].threads, blas: infos[3].blas };
    }
    const peak = (await workers[0].ask('peak')).peakGflops;
    const achieved = (3 * infos[0].flopsPerExample * batch) / (c / 1000) / 1e9;
    results.achievedGflops = achieved;
    results.matmulPeakGflops = peak;
    results.achievedFlopsFraction = achieved / peak;
    if (torch) results.pytorch.matmulPeakGflops = (await torch.ask('peak')).peakGflops;
    Object.assign(backend, {
      node: { backend: infos[0].backend, simd: infos[0].simd, threads: infos[0].threads, note: infos[0].backendNote },
    });
    const quits = await Promise.all(workers.slice(0, 3).map((w) => w.quit()));
    results.benchWorkerLeakedTensors = Object.fromEntries(names.map((n, i) => [n, quits[i]?.leakedTensors ?? null]));
  } finally {
    await Promise.all(workers.map((w) => w.quit()));
  }
});

// ---- the exported PyTorch package: train.py's examples/s beside the engine's, same template ----
// The default template (templates/mnist-perceiver-io.json, as the tfjs workers build it) exported
// with the built CLI, trained by its own train.py (DataLoader, AdamW, the template's schedule) on
// the exported digits, one process, 1 thread, the engine's batch; the figure is the training
// loop's examples/s for the epoch (data loading included, evaluation not). The engine's figure is
// the compiled tfjs step of the training section (or measured here when that section is skipped).
await section('exportedTrainPy', async () => {
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} not found`);
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'bench-trainpy-'));
  try {
    let engine = results.examplesPerSecond?.compiled;
    let batch;
    const w = tfjsWorker(root, 'compiled');
    try {
      const info = await w.info;
      batch = info.batch;
      if (!engine)
        engine = +((batch * 1000) / median((await interleave([w], { rounds: ROUNDS, steps: [STEPS] }))[0])).toFixed(1);
    } finally {
      await w.quit();
    }
    const ex = spawnSync(
      process.execPath,
      [
        'bin/perceiver-studio.js',
        'export',
        'templates/mnist-perceiver-io.json',
        '--format',
        'pytorch',
        '--out',
        join(dir, 'pkg'),
      ],
      { cwd: root, encoding: 'utf8' },
    );
    if (ex.status !== 0) throw new Error(`export failed: ${ex.stderr || ex.stdout}`);
    const steps = quick ? 30 : 80;
    const r = spawnSync(
      PYTHON,
      [
        'train.py',
        '--device',
        'cpu',
        '--threads',
        '1',
        '--epochs',
        '1',
        '--batch-size',
        String(batch),
        '--subset',
        String(batch * steps),
        '--json',
        '--log-every',
        '1000',
        '--checkpoint-dir',
        join(dir, 'ck'),
      ],
      {
        cwd: join(dir, 'pkg'),
        encoding: 'utf8',
        env: { ...process.env, OMP_NUM_THREADS: '1' },
      },
    );
    if (r.status !== 0) throw new Error(`train.py failed: ${(r.stderr || r.stdout).trim().split('\n').pop()}`);
    const recs = r.stdout
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l));
    const epoch = recs.find((x) => x.event === 'epoch');
    const start = recs.find((x) => x.event === 'start');
    results.exportedTrainPy = {
      examplesPerSecond: +epoch.examples_per_s.toFixed(1),
      engineExamplesPerSecond: engine,
      vsEngine: +(epoch.examples_per_s / engine).toFixed(2),
      batch,
      steps,
      threads: 1,
      torch: start.torch,
      params: start.params,
    };
    log(
      `  exported train.py ${epoch.examples_per_s.toFixed(0)} examples/s vs the engine's compiled step ${engine} examples/s (batch ${batch}, 1 thread)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// ---- our kernels: the same compiled step with engine/kernels vs on tfjs' stock kernels ----
await section('kernels', async () => {
  // own (plain SIMD, as Node 20 runs by default), stock, and own with relaxed SIMD (as the CLI runs).
  const workers = [
    ['--kernels', 'own'],
    ['--kernels', 'stock'],
    ['--kernels', 'own', '--relaxed-simd'],
  ].map((a) => tfjsWorker(root, 'compiled', a));
  try {
    const infos = await Promise.all(workers.map((w) => w.info));
    const st = infos[0].ownKernels;
    if (!st?.attached) throw new Error(`our kernels did not attach: ${st?.reason ?? 'no status'}`);
    const times = await interleave(workers, { rounds: ROUNDS, steps: STEPS });
    const [own, stock, relaxed] = times.map(median);
    results.kernelsSpeedup = stock / own;
    results.kernelsSpeedupRelaxed = infos[2].ownKernels?.variant === 'relaxed' ? stock / relaxed : null;
    results.kernelLoadMs = st.loadMs;
    const p = await workers[0].ask('peak');
    const gflops = (3 * infos[0].flopsPerExample * infos[0].batch) / (own / 1000) / 1e9;
    results.kernels = {
      stepMs: { own: +own.toFixed(1), stock: +stock.toFixed(1), ownRelaxed: +relaxed.toFixed(1) },
      relaxedVariant: infos[2].ownKernels?.variant,
      variant: st.variant,
      sharedMemory: st.sharedMemory,
      threads: 1,
      achievedGflops: +gflops.toFixed(2),
      matmulPeakGflops: { own: p.peakOwnGflops && +p.peakOwnGflops.toFixed(1), stock: +p.peakStockGflops.toFixed(1) },
      achievedFlopsFraction: +(gflops / p.peakGflops).toFixed(3),
    };
  } finally {
    await Promise.all(workers.map((w) => w.quit()));
  }
});

// ---- scaling: step time at M = 784, 3,136, 12,544 tokens (image 112/224/448, patches 4) ----
await section('scaling', async () => {
  const sizes = [112, 224, 448];
  const batch = 8;
  const workers = sizes.map((s) => tfjsWorker(root, 'compiled', ['--image', String(s), '--batch', String(batch)]));
  try {
    const infos = await Promise.all(workers.map((w) => w.info));
    const times = await interleave(workers, { rounds: quick ? 2 : 4, steps: 2 });
    const M = infos.map((i) => i.tokens);
    const T = times.map(median);
    // least-squares slope of log T on log M
    const lx = M.map(Math.log),
      ly = T.map(Math.log);
    const mx = lx.reduce((a, b) => a + b) / lx.length,
      my = ly.reduce((a, b) => a + b) / ly.length;
    const k = lx.reduce((a, x, i) => a + (x - mx) * (ly[i] - my), 0) / lx.reduce((a, x) => a + (x - mx) ** 2, 0);
    results.scalingExponent = k;
    results.scaling = {
      batch,
      tokens: M,
      stepMs: T.map((t) => +t.toFixed(1)),
      marginalExponentLargest: Math.log(T[2] / T[1]) / Math.log(M[2] / M[1]),
    };
  } finally {
    await Promise.all(workers.map((w) => w.quit()));
  }
});

// ---- the app's way: Chromium, Web Worker, wasm (threads under cross-origin isolation) ----
await section('app', async () => {
  const { buildBenchWeb } = await import('./web/build.mjs');
  const { serveBench } = await import('./web/server.mjs');
  const { launchChromium } = await import('./lib/chromium.mjs');
  const webDir = await buildBenchWeb(root);
  const { server, url } = await serveBench(root, webDir);
  const browser = await launchChromium();
  let torch = null;
  try {
    const page = await browser.newPage();
    await page.goto(url);
    await page.waitForFunction(() => globalThis.bench, null, { timeout: 30_000 });
    const doc = JSON.parse(readFileSync(join(root, 'templates/mnist-perceiver-io.json'), 'utf8'));
    const info = await page.evaluate((d) => globalThis.bench.init(d, 'wasm'), doc);
    if (info.error) throw new Error(info.error);
    backend.chromium = {
      backend: info.backend,
      simd: info.simd,
      multithread: info.multithread,
      threads: info.threads,
      crossOriginIsolated: info.crossOriginIsolated,
      hardwareConcurrency: info.hardwareConcurrency,
    };
    if (info.threads < 2)
      results.notes.push(
        `Chromium wasm ran on ${info.threads} thread: tfjs sizes its pthread pool as hardwareConcurrency/2 (${info.hardwareConcurrency} cores here); see bench/README.md`,
      );
    const chromeWorker = {
      label: 'chromium',
      ask: async (line) => page.evaluate((n) => globalThis.bench.run(n), Number(line.split(' ')[1])),
    };
    const workers = [chromeWorker];
    results.app = { ownKernels: info.ownKernels ?? null };
    // The same worker on tfjs' stock kernels in a second page (kernelsSpeedupApp), when ours attached.
    let stockPage = null;
    if (info.ownKernels?.attached) {
      stockPage = await browser.newPage();
      await stockPage.goto(url);
      await stockPage.waitForFunction(() => globalThis.bench, null, { timeout: 30_000 });
      const si = await stockPage.evaluate((d) => globalThis.bench.init(d, 'wasm', false, 'stock'), doc);
      if (si.error) throw new Error(si.error);
      workers.push({
        label: 'chromium stock kernels',
        ask: async (line) => stockPage.evaluate((n) => globalThis.bench.run(n), Number(line.split(' ')[1])),
      });
    } else
      results.skipped.kernelsSpeedupApp = `our kernels did not attach in Chromium: ${info.ownKernels?.reason ?? 'no status'}`;
    try {
      torch = pytorchWorker(info.threads);
      await torch.info;
      workers.push(torch);
    } catch (e) {
      results.skipped.vsPytorchCpuApp = e.message;
    }
    const times = await interleave(workers, {
      rounds: quick ? 3 : 6,
      steps: workers.map((w) => (w.label.startsWith('chromium') ? STEPS : STEPS * 3)),
    });
    const c = median(times[0]);
    Object.assign(results.app, {
      backend: info.backend,
      threads: info.threads,
      stepMs: +c.toFixed(1),
      examplesPerSecond: +((info.batch * 1000) / c).toFixed(1),
    });
    const ti = workers.indexOf(torch);
    if (torch && ti > 0) results.vsPytorchCpuApp = median(times[ti]) / c;
    const si = workers.findIndex((w) => w.label === 'chromium stock kernels');
    if (si > 0) {
      results.kernelsSpeedupApp = median(times[si]) / c;
      results.app.stockKernelsStepMs = +median(times[si]).toFixed(1);
    }
    results.app.matmulPeakGflops = (await page.evaluate(() => globalThis.bench.peak())).peakGflops;
    results.app.achievedFlopsFraction =
      (3 * info.flopsPerExample * info.batch) / (c / 1000) / 1e9 / results.app.matmulPeakGflops;
  } finally {
    await browser.close();
    server.close();
    await torch?.quit();
  }
});

// ---- analyser ----
await section('analysis', async () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/workers/analysis.ts'], {
    cwd: root,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(r.stderr.trim().split('\n').slice(-3).join(' | '));
  Object.assign(results, JSON.parse(r.stdout.trim().split('\n').pop()));
});

// ---- leaks (engine trainer, 20 tiny epochs) ----
await section('leaks', async () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/workers/leaks.ts'], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr.trim().split('\n').slice(-3).join(' | '));
  results.leakedTensors = JSON.parse(r.stdout.trim().split('\n').pop()).leakedTensors;
});

// ---- peak RSS of a CLI training run ----
await section('rss', async () => {
  const b = spawnSync(process.execPath, ['scripts/build-cli.mjs'], { cwd: root, encoding: 'utf8' });
  if (b.status !== 0) throw new Error(`CLI build failed: ${b.stderr.trim().slice(-300)}`);
  const steps = quick ? 10 : 30;
  const r = spawnSync(
    '/usr/bin/time',
    [
      '-v',
      process.execPath,
      'bin/perceiver-studio.js',
      'train',
      'templates/mnist-perceiver-io.json',
      '--data',
      'mnist',
      '--epochs',
      '1',
      '--max-steps',
      String(steps),
      '--json',
    ],
    { cwd: root, encoding: 'utf8' },
  );
  const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
  if (r.status !== 0 || !m)
    throw new Error(`CLI run failed (${r.status}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  results.peakRssMb = Number(m[1]) / 1024;
  results.rssRun = `${steps} steps of batch ${JSON.parse(readFileSync(join(root, 'templates/mnist-perceiver-io.json'), 'utf8')).training.batchSize} on MNIST, plus validation and test evaluation`;
});

// ---- UI: startup and canvas ----
await section('ui', async () => {
  const { measureStartup, measureCanvas } = await import('./lib/ui.mjs');
  const s = await measureStartup(root).catch((e) => ({ skipped: e.message }));
  if (s.skipped) results.skipped.startupMs = s.skipped;
  else results.startupMs = s.startupMs;
  const g = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '-e',
      "import('./bench/lib/graphs.ts').then(m => process.stdout.write(JSON.stringify(m.generatedGraph(300))))",
    ],
    { cwd: root, encoding: 'utf8', maxBuffer: 1 << 26 },
  );
  if (g.status !== 0) throw new Error(g.stderr.slice(-300));
  const c = await measureCanvas(root, g.stdout).catch((e) => ({ skipped: e.message }));
  if (c.skipped) results.skipped.canvasFps300 = c.skipped;
  else Object.assign(results, c);
});

results.backend = backend;

// ---- report ----
const TARGETS = {
  compiledVsHandwritten: ['≥', 0.95],
  vsStockLayers: ['≥', 3],
  vsPytorchCpu: ['≥', 0.3],
  vsPytorchCpuApp: ['≥', 0.5],
  achievedFlopsFraction: ['≥', 0.5],
  kernelsSpeedup: ['≥', 1.6],
  kernelsSpeedupRelaxed: ['≥', 1.6],
  kernelsSpeedupApp: ['≥', 1.6],
  kernelLoadMs: ['<', 100],
  scalingExponent: ['≤', 1.15],
  analysisMs300: ['<', 10],
  analysisMs1000: ['<', 30],
  canvasFps300: ['≥', 30],
  startupMs: ['<', 3000],
  leakedTensors: ['=', 0],
  peakRssMb: null,
};
const rows = Object.entries(TARGETS).map(([k, t]) => {
  const v = results[k];
  const has = typeof v === 'number';
  const ok =
    !has || !t ? '' : t[0] === '≥' ? v >= t[1] : t[0] === '≤' ? v <= t[1] : t[0] === '<' ? v < t[1] : v === t[1];
  return {
    metric: k,
    value: has ? (Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(3)) : 'skipped',
    target: t ? `${t[0]} ${t[1]}` : '',
    met: has && t ? (ok ? 'yes' : 'NO') : '',
    why: has
      ? ''
      : (results.skipped[k] ??
        results.skipped[Object.keys(results.skipped).find((s) => k.toLowerCase().includes(s))] ??
        ''),
  };
});
if (json) {
  process.stdout.write(JSON.stringify({ ...results, table: rows }) + '\n');
} else {
  const w = [24, 10, 9, 5];
  console.log(
    ['metric'.padEnd(w[0]), 'value'.padStart(w[1]), 'target'.padStart(w[2]), 'met'.padStart(w[3]), '  note'].join(' '),
  );
  for (const r of rows)
    console.log(
      [
        r.metric.padEnd(w[0]),
        r.value.padStart(w[1]),
        r.target.padStart(w[2]),
        r.met.padStart(w[3]),
        '  ' + r.why.slice(0, 110),
      ].join(' '),
    );
  console.log(
    '\nstep ms (median):',
    JSON.stringify(results.stepMs ?? {}),
    ' examples/s:',
    JSON.stringify(results.examplesPerSecond ?? {}),
  );
  if (results.scaling) console.log('scaling:', JSON.stringify(results.scaling));
  if (results.app) console.log('app (Chromium worker):', JSON.stringify(results.app));
  if (results.kernels) console.log('own kernels (Node):', JSON.stringify(results.kernels));
  console.log(
    'achieved GFLOP/s:',
    results.achievedGflops?.toFixed(2),
    ' matmul peak GFLOP/s:',
    results.matmulPeakGflops?.toFixed(1),
    ' pytorch:',
    JSON.stringify(results.pytorch ?? null),
  );
  console.log('backend:', JSON.stringify(results.backend));
  for (const n of results.notes) console.log('note:', n);
  for (const [k, v] of Object.entries(results.skipped))
    if (!rows.some((r) => r.metric === k)) console.log(`skipped ${k}: ${v}`);
}
