/**
 * Issue 16, leftovers and durability: temp files of interrupted saves are cleaned at start, the
 * folder is fsynced after the rename, writes through a symlinked documents/exports refuse, and
 * Windows-reserved names (COM¹, CONIN$, CONOUT$, "con .json") and bidi overrides are refused.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { cleanStaleTemps, createHostApi, createServices } from '../host/hostApi.js';

const opened: { path: string; synced: boolean }[] = [];
vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...real,
    open: async (...args: Parameters<typeof real.open>) => {
      const fh = await real.open(...args);
      const rec = { path: String(args[0]), synced: false };
      opened.push(rec);
      const sync = fh.sync.bind(fh);
      fh.sync = async () => {
        rec.synced = true;
        return sync();
      };
      return fh;
    },
  };
});

const { atomicWrite, checkFileName, cleanStaleTempFiles } = await import('./safeFs.js');

const tmp = () => mkdtempSync(join(tmpdir(), 'ps-durable-'));

describe('reserved and deceptive names', () => {
  for (const name of [
    'COM¹',
    'com².json',
    'LPT³.txt',
    'CONIN$',
    'conout$.json',
    'CLOCK$',
    'con .json',
    'NUL  .perceiver.json',
    'aux.tar.gz',
  ]) {
    it(`refuses ${JSON.stringify(name)}`, () =>
      expect(() => checkFileName(name)).toThrow(/reserved device name on Windows/));
  }
  for (const name of ['photo\u202Egnp.exe.json', 'a\u2066b.json', 'x\u200fy.json', 'c1\u0085.json']) {
    it(`refuses ${JSON.stringify(name)}`, () =>
      expect(() => checkFileName(name)).toThrow(/bidirectional control|control characters/));
  }
  it('still accepts names that only start like a device', () => {
    for (const n of [
      'console.json',
      'company.perceiver.json',
      'com10.json',
      'connection (2).json',
      'nullable.json',
      'CON-notes.json',
    ])
      expect(checkFileName(n)).toBe(n);
  });
});

describe('durable saves', () => {
  it('fsyncs the file and then its folder after the rename', async () => {
    const dir = tmp();
    opened.length = 0;
    await atomicWrite(join(dir, 'doc.json'), '{}');
    const tmpFile = opened.find((o) => o.path.endsWith('.tmp'))!;
    expect(tmpFile.synced).toBe(true);
    const folder = opened.find((o) => o.path === dir);
    expect(folder, `opened: ${opened.map((o) => o.path).join(', ')}`).toBeDefined();
    expect(folder!.synced).toBe(true);
    expect(opened.indexOf(folder!)).toBeGreaterThan(opened.indexOf(tmpFile));
  });

  it('removes temp files of saves interrupted by kill -9 at the next start, and keeps live ones', async () => {
    const userData = tmp();
    for (const d of ['documents', 'recovery', 'templates/.trash/t1', 'documents/exports/pkg/data'])
      mkdirSync(join(userData, d), { recursive: true });
    // A process that dies between writing its temp file and renaming it (as kill -9 would leave it).
    const dying = `const fs=require('fs'),p=require('path');for(const d of process.argv.slice(1)){fs.writeFileSync(p.join(d,'.doc.json.'+process.pid+'.0123456789ab.tmp'),'half');}process.kill(process.pid,'SIGKILL')`;
    const dirs = ['documents', 'recovery', 'templates/.trash/t1', 'documents/exports/pkg/data', '.'].map((d) =>
      join(userData, d),
    );
    const r = spawnSync(process.execPath, ['-e', dying, ...dirs]);
    expect(r.signal).toBe('SIGKILL');
    const live = join(userData, 'documents', `.mine.json.${process.pid}.abcdefabcdef.tmp`);
    writeFileSync(live, 'in progress');
    const oldLive = join(userData, 'recovery', `.old.json.${process.pid}.abcdefabcdef.tmp`);
    writeFileSync(oldLive, 'days old');
    utimesSync(oldLive, new Date(Date.now() - 3 * 86400e3), new Date(Date.now() - 3 * 86400e3));
    writeFileSync(join(userData, 'documents', 'keep.json'), '{}');
    writeFileSync(join(userData, 'documents', '.not-ours.tmp'), 'x');

    const removed = await cleanStaleTemps({ userData, templatesDir: tmp(), version: '0', platform: process.platform });
    expect(removed).toHaveLength(dirs.length + 1);
    for (const d of dirs)
      expect(readdirSync(d).filter((f) => f.endsWith('.tmp') && f.includes('0123456789ab'))).toEqual([]);
    expect(existsSync(live)).toBe(true);
    expect(existsSync(oldLive)).toBe(false);
    expect(existsSync(join(userData, 'documents', 'keep.json'))).toBe(true);
    expect(existsSync(join(userData, 'documents', '.not-ours.tmp'))).toBe(true);
  });

  it('never follows a symlink while sweeping', async () => {
    const outside = tmp();
    const victim = join(outside, `.x.json.999999.0123456789ab.tmp`);
    writeFileSync(victim, 'not ours');
    const dir = tmp();
    symlinkSync(outside, join(dir, 'link'));
    await cleanStaleTempFiles([dir], { depth: 3 });
    expect(existsSync(victim)).toBe(true);
  });
});

describe('web host exports through a symlinked documents/exports', () => {
  for (const linked of ['documents', 'documents/exports']) {
    it(`refuse when ${linked} is a symlink, writing nothing`, async () => {
      const userData = tmp();
      const elsewhere = tmp();
      mkdirSync(join(userData, 'documents'), { recursive: true });
      if (linked === 'documents') {
        mkdirSync(join(elsewhere, 'exports'));
        symlinkSync(elsewhere, join(userData, 'documents-real'));
        // documents itself → elsewhere
        spawnSync('rmdir', [join(userData, 'documents')]);
        symlinkSync(elsewhere, join(userData, 'documents'));
      } else symlinkSync(elsewhere, join(userData, 'documents', 'exports'));
      const config = { userData, templatesDir: tmp(), version: '0', platform: process.platform };
      const api = createHostApi(config, createServices(config), {
        shell: 'web',
        resolver: createServices(config).documents,
      });
      const files = [{ path: 'train.py', base64: Buffer.from('print(1)\n').toString('base64') }];
      await expect(api.writeExport({ format: 'pytorch', name: 'planted', files })).rejects.toThrow(
        /is a symbolic link; the app writes only into real folders/,
      );
      const walk = (d: string): string[] =>
        readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [e.name]));
      expect(walk(elsewhere)).toEqual([]);
    });
  }

  it('writes normally into real folders', async () => {
    const userData = tmp();
    const config = { userData, templatesDir: tmp(), version: '0', platform: process.platform };
    const services = createServices(config);
    const api = createHostApi(config, services, { shell: 'web', resolver: services.documents });
    const r = await api.writeExport({
      format: 'pytorch',
      name: 'ok',
      files: [{ path: 'data/a.txt', base64: Buffer.from('hi').toString('base64') }],
    });
    expect(r).toMatchObject({ location: 'documents/exports/ok', files: 1 });
  });
});
