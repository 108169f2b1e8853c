#!/usr/bin/env node
// `npm start`: build what is missing, then open the desktop app in Electron when its binary is
// installed; otherwise say so in one line and serve the same UI on 127.0.0.1 until Ctrl+C.
//   npm start [-- --web] [--no-build] [--port N] [--user-data DIR]
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ensureHostBundle } from './build-host.mjs';
import { ensureRenderer } from './serve.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The Electron executable's path when its binary is installed, else null with the reason. Reads
 * the package's path.txt rather than require('electron'): since Electron 45 that require tries to
 * download a missing binary (and prints a stack trace offline).
 */
export function findElectron() {
  try {
    const pkgDir = dirname(createRequire(join(root, 'package.json')).resolve('electron/package.json'));
    const pathFile = join(pkgDir, 'path.txt');
    if (!existsSync(pathFile)) return { path: null, why: 'the Electron package has no binary (no path.txt)' };
    const rel = readFileSync(pathFile, 'utf8').trim();
    const p = process.env.ELECTRON_OVERRIDE_DIST_PATH
      ? join(process.env.ELECTRON_OVERRIDE_DIST_PATH, rel || 'electron')
      : join(pkgDir, 'dist', rel);
    if (existsSync(p)) return { path: p };
    return { path: null, why: `the Electron package points at ${p}, which does not exist` };
  } catch (e) {
    return { path: null, why: String(e?.message ?? e).split('\n')[0] };
  }
}

async function main(argv) {
  const forceWeb = argv.includes('--web');
  const noBuild = argv.includes('--no-build');
  const rest = argv.filter((a) => a !== '--web' && a !== '--no-build');
  const electron = forceWeb ? { path: null } : findElectron();

  if (!noBuild) await ensureRenderer();
  if (electron.path) {
    const { buildElectron } = await import(pathToFileURL(join(root, 'scripts', 'build-electron.mjs')).href);
    if (!noBuild || !existsSync(join(root, 'dist', 'electron', 'main.cjs'))) await buildElectron();
    const env = { ...process.env };
    delete env.ELECTRON_RUN_AS_NODE; // it would start Electron as plain Node
    const child = spawn(electron.path, [root, ...rest], { stdio: 'inherit', env });
    const forward = (sig) => () => child.kill(sig);
    process.on('SIGINT', forward('SIGINT'));
    process.on('SIGTERM', forward('SIGTERM'));
    child.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
    return;
  }

  if (!forceWeb) {
    console.log(
      'The Electron binary is not installed (ELECTRON_SKIP_BINARY_DOWNLOAD or an offline install); run `node node_modules/electron/install.js` while online to get it — serving the same UI in your browser instead.',
    );
  }
  const bundle = await ensureHostBundle();
  const { runServe } = await import(pathToFileURL(bundle).href);
  await runServe(rest, root);
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await main(process.argv.slice(2));
