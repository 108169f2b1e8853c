/**
 * Packaging without Electron's downloads: electron-builder.yml is validated against
 * electron-builder's own JSON schema, then the unpacked `--dir` Linux target is built for real
 * against a stand-in Electron folder (`electronDist`) whose "binary" is a small script carrying
 * Electron's fuse sentinel, so the fuses step runs too. The test then reads app.asar and the
 * resources folder to check that everything lands where the app looks for it.
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { builtinTemplatesDirOf, preloadPathOf, rendererDirOf } from './main/appPaths.js';

const root = join(__dirname, '..');
const require = createRequire(join(root, 'package.json'));

// electron-builder's own dependencies (not declared by this project, so loaded untyped).
type Validate = ((data: unknown) => boolean) & {
  errors?: { instancePath: string; message?: string; params?: unknown }[] | null;
};
const Ajv = require('ajv') as new (opts: Record<string, unknown>) => { compile: (schema: unknown) => Validate };
const yaml = require('js-yaml') as { load: (text: string) => unknown };
const asar = require('@electron/asar') as {
  listPackage: (archive: string, opts: object) => string[];
  extractFile: (archive: string, file: string) => Buffer;
};

const configText = readFileSync(join(root, 'electron-builder.yml'), 'utf8');
const config = yaml.load(configText) as Record<string, unknown>;

function validator(): Validate {
  const schema = JSON.parse(readFileSync(join(root, 'node_modules/app-builder-lib/scheme.json'), 'utf8'));
  return new Ajv({ allErrors: true, strict: false, allowUnionTypes: true }).compile(schema);
}

describe('electron-builder.yml', () => {
  it('matches electron-builder’s JSON schema', () => {
    const validate = validator();
    const ok = validate(config);
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 1)).toEqual([]);
    expect(ok).toBe(true);
  });

  it('the schema check catches a misspelt option (the check can fail)', () => {
    const validate = validator();
    expect(validate({ ...config, fileAsociations: [] })).toBe(false);
    expect(validate({ ...config, linux: { target: 42 } })).toBe(false);
  });

  it('targets AppImage, deb, NSIS and dmg, sets the fuses and the file association', () => {
    expect(config.linux).toMatchObject({ target: ['AppImage', 'deb'] });
    expect(config.win).toMatchObject({ target: ['nsis'] });
    expect(config.mac).toMatchObject({ target: ['dmg'] });
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
    });
    // Issue 17: our own one-part extension (".perceiver.json" only worked where the last part counts), .json offered too.
    expect(config.fileAssociations).toEqual([
      expect.objectContaining({ ext: 'perceiver', role: 'Editor' }),
      expect.objectContaining({ ext: 'json', rank: 'Alternate' }),
    ]);
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    expect(pkg.main).toBe('dist/electron/main.cjs');
  });
});

// Electron's fuse wire: sentinel, version 1, length 8, then one byte per fuse ('0' off, '1' on)
// in @electron/fuses' order, here Electron's defaults: RunAsNode, CookieEncryption, NodeOptions,
// NodeCliInspect, EmbeddedAsarIntegrity, OnlyLoadAppFromAsar, V8Snapshot, FileProtocolPrivileges.
const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
const DEFAULT_FUSES = '10110001';
const EXPECTED_FUSES = '01001100';

describe('unpacked build (--dir) against a stand-in Electron', () => {
  let out: string;
  let staging: string;
  let build: ReturnType<typeof spawnSync>;
  let rendererSource: 'built renderer' | 'stand-in renderer';

  beforeAll(async () => {
    const base = mkdtempSync(join(tmpdir(), 'ps-pack-'));
    staging = join(base, 'app');
    out = join(base, 'out');
    mkdirSync(staging);
    for (const f of ['package.json', 'electron-builder.yml']) copyFileSync(join(root, f), join(staging, f));
    cpSync(join(root, 'templates'), join(staging, 'templates'), { recursive: true });
    // The real dependency tree, so the build proves that no node_modules end up in the app.
    symlinkSync(join(root, 'node_modules'), join(staging, 'node_modules'), 'dir');
    const { buildElectron } = await import(pathToFileURL(join(root, 'scripts', 'build-electron.mjs')).href);
    await buildElectron({ outDir: join(staging, 'dist', 'electron'), host: false });
    // `npm test` runs unit tests before `npm run build`: use the built renderer when there is one.
    const renderer = join(staging, 'dist', 'renderer');
    if (existsSync(join(root, 'dist', 'renderer', 'index.html'))) {
      cpSync(join(root, 'dist', 'renderer'), renderer, { recursive: true });
      rendererSource = 'built renderer';
    } else {
      mkdirSync(join(renderer, 'wasm'), { recursive: true });
      writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>stand-in</title>');
      const wasmDir = join(root, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
      for (const f of readdirSync(wasmDir).filter((n) => n.endsWith('.wasm')))
        copyFileSync(join(wasmDir, f), join(renderer, 'wasm', f));
      rendererSource = 'stand-in renderer';
    }

    const electronDist = join(base, 'electron-dist');
    mkdirSync(join(electronDist, 'resources'), { recursive: true });
    mkdirSync(join(electronDist, 'locales'));
    const binary = Buffer.concat([
      Buffer.from('#!/bin/sh\necho "stand-in Electron"\n# '),
      Buffer.from(SENTINEL),
      Buffer.from([1, 8]),
      Buffer.from(DEFAULT_FUSES + '\n'),
    ]);
    writeFileSync(join(electronDist, 'electron'), binary);
    chmodSync(join(electronDist, 'electron'), 0o755);
    writeFileSync(join(electronDist, 'LICENSE'), 'stand-in');
    const electronVersion = (
      JSON.parse(readFileSync(join(root, 'node_modules/electron/package.json'), 'utf8')) as { version: string }
    ).version;

    build = spawnSync(
      process.execPath,
      [
        join(root, 'node_modules/electron-builder/cli.js'),
        '--dir',
        '--linux',
        '--x64',
        '--projectDir',
        staging,
        '--config',
        join(staging, 'electron-builder.yml'),
        `-c.electronDist=${electronDist}`,
        `-c.electronVersion=${electronVersion}`,
        `-c.directories.output=${out}`,
      ],
      { encoding: 'utf8', env: { ...process.env, CI: '1', ELECTRON_BUILDER_OFFLINE: '1' }, timeout: 180_000 },
    );
  }, 240_000);

  const unpacked = () => join(out, 'linux-unpacked');
  const archive = () => join(unpacked(), 'resources', 'app.asar');

  it('builds offline', () => {
    const log = `${build.stdout}\n${build.stderr}`;
    if (build.status !== 0 && /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|getaddrinfo|download/i.test(log)) {
      throw new Error(
        `electron-builder tried to download something even with a local electronDist, so the --dir build cannot run offline here:\n${log.slice(-3000)}`,
      );
    }
    expect(build.status, log.slice(-4000)).toBe(0);
    expect(existsSync(join(unpacked(), 'perceiver-studio')), 'the executable is renamed to linux.executableName').toBe(
      true,
    );
  });

  it('app.asar holds package.json, main, preload and the renderer where main looks for them — and no node_modules', () => {
    const files = asar.listPackage(archive(), {}).map((f) => f.replace(/\\/g, '/'));
    const pkg = JSON.parse(asar.extractFile(archive(), 'package.json').toString('utf8'));
    expect(pkg.main).toBe('dist/electron/main.cjs');
    const loc = { isPackaged: true, resourcesPath: '/RES', appRoot: '/APP' };
    expect(rendererDirOf(loc)).toBe('/APP/dist/renderer');
    expect(preloadPathOf('/APP/dist/electron')).toBe('/APP/dist/electron/preload.cjs');
    for (const f of ['/dist/electron/main.cjs', '/dist/electron/preload.cjs', '/dist/renderer/index.html'])
      expect(files, f).toContain(f);
    expect(files.filter((f) => f.includes('node_modules'))).toEqual([]);
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
    // The tfjs wasm binaries travel with the renderer, fetched from app:// (same origin, COEP-safe).
    const wasm = files.filter((f) => f.startsWith('/dist/renderer/') && f.endsWith('.wasm'));
    expect(wasm.length, `${rendererSource}: no .wasm files in the renderer`).toBeGreaterThan(0);
  });

  it('the built-in templates are extra resources, where the packaged app reads them', () => {
    const resources = join(unpacked(), 'resources');
    const dir = builtinTemplatesDirOf({ isPackaged: true, resourcesPath: resources, appRoot: archive() });
    expect(dir).toBe(join(resources, 'templates'));
    const shipped = readdirSync(dir).sort();
    expect(shipped).toEqual(
      readdirSync(join(root, 'templates'))
        .filter((f) => f.endsWith('.json'))
        .sort(),
    );
    for (const f of shipped)
      expect(readFileSync(join(dir, f), 'utf8')).toBe(readFileSync(join(root, 'templates', f), 'utf8'));
  });

  it('flipped the fuses in the executable (no run-as-node, no inspect, asar only and checked)', () => {
    const bin = readFileSync(join(unpacked(), 'perceiver-studio'));
    const at = bin.indexOf(SENTINEL) + SENTINEL.length;
    expect(bin[at]).toBe(1);
    expect(bin.subarray(at + 2, at + 2 + 8).toString('latin1')).toBe(EXPECTED_FUSES);
  });
});
