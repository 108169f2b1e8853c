#!/usr/bin/env node
// Runs the bundled CLI (dist/cli/perceiver-studio.mjs), building it first when it is missing or
// older than the engine sources, .py files included (a checkout that changed since the last build).
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = join(root, 'dist', 'cli', 'perceiver-studio.mjs');

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (/\.(ts|py)$/.test(entry.name) && !/\.test\.ts$/.test(entry.name))
      newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

const engineDir = join(root, 'engine');
const stale =
  !existsSync(bundle) ||
  !existsSync(join(root, 'dist', 'cli', 'kernels', 'stamp.json')) ||
  (existsSync(engineDir) && newestSource(engineDir) > statSync(bundle).mtimeMs);
if (stale) {
  const { buildCli } = await import(pathToFileURL(join(root, 'scripts', 'build-cli.mjs')).href);
  await buildCli();
}

// Relaxed SIMD for our kernels (engine/kernels: ~1.2× on a training step, bench/README.md).
// Node 22+ has it on; Node 20/21 need V8's --experimental-wasm-relaxed-simd at start, so the
// launcher runs itself again once with the flag. Not when: the engine already validates the
// relaxed build, PERCEIVER_RELAXED_SIMD=0, we were forked with an IPC channel (it would not
// follow), or this is already the re-run. Signals are forwarded; the exit status is passed on.
const relaxedFlag = '--experimental-wasm-relaxed-simd';
const relaxedBuild = join(root, 'dist', 'cli', 'kernels', 'kernels-relaxed.wasm');
const major = Number(process.versions.node.split('.')[0]);
if (
  (major === 20 || major === 21) &&
  process.env.PERCEIVER_RELAXED_SIMD !== '0' &&
  !process.env.PERCEIVER_RELAXED_REEXEC &&
  !process.send &&
  !process.execArgv.includes(relaxedFlag) &&
  existsSync(relaxedBuild) &&
  !WebAssembly.validate(readFileSync(relaxedBuild))
) {
  const { spawn } = await import('node:child_process');
  const child = spawn(
    process.execPath,
    [relaxedFlag, ...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    {
      stdio: 'inherit',
      env: { ...process.env, PERCEIVER_RELAXED_REEXEC: '1' },
    },
  );
  const forward = (sig) => () => child.kill(sig);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, forward(sig));
  child.on('error', (e) => {
    console.error(
      `perceiver-studio: could not start Node with ${relaxedFlag} (${e.message}); set PERCEIVER_RELAXED_SIMD=0`,
    );
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    } else process.exit(code ?? 1);
  });
} else {
  await import(pathToFileURL(bundle).href);
}
