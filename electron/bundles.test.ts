/**
 * The esbuild bundles as Electron will load them: the preload runs in a sandbox where `require`
 * knows only 'electron', and the packaged main has no node_modules to require from.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runInNewContext } from 'node:vm';
import { beforeAll, describe, expect, it } from 'vitest';
import { contractEvents, contractMethods } from './ipc-contract.js';

const root = join(__dirname, '..');
let outDir: string;

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'ps-bundles-'));
  const { buildElectron } = await import(pathToFileURL(join(root, 'scripts', 'build-electron.mjs')).href);
  await buildElectron({ outDir, host: false });
}, 60_000);

describe('bundled preload (sandboxed)', () => {
  it('requires only electron and exposes exactly the contract as window.perceiver', async () => {
    const exposed: Record<string, unknown> = {};
    const invoked: unknown[][] = [];
    const electron = {
      contextBridge: { exposeInMainWorld: (key: string, api: unknown) => (exposed[key] = api) },
      ipcRenderer: {
        invoke: async (...a: unknown[]) => (invoked.push(a), { result: 'pong' }),
        on: () => undefined,
        removeListener: () => undefined,
      },
    };
    const sandboxRequire = (id: string) => {
      if (id === 'electron') return electron;
      throw new Error(`module not found: ${id} (sandboxed preloads may require only 'electron')`);
    };
    const module = { exports: {} };
    runInNewContext(readFileSync(join(outDir, 'preload.cjs'), 'utf8'), {
      require: sandboxRequire,
      module,
      exports: module.exports,
      console,
    });
    expect(Object.keys(exposed)).toEqual(['perceiver']);
    const api = exposed.perceiver as Record<string, (...a: unknown[]) => Promise<unknown>>;
    expect(Object.keys(api).sort()).toEqual([...contractMethods, ...contractEvents].sort());
    expect(await api.appInfo!()).toBe('pong');
    expect(invoked).toEqual([['perceiver:invoke', 'appInfo', []]]);
  });
});

describe('bundled main', () => {
  it('requires nothing but electron and Node built-ins', () => {
    const src = readFileSync(join(outDir, 'main.cjs'), 'utf8');
    const required = new Set([...src.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]!));
    const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
    expect([...required].filter((r) => r !== 'electron' && !builtins.has(r))).toEqual([]);
    expect(required.has('electron')).toBe(true);
  });
});
