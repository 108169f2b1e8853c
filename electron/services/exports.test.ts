import { lstatSync, mkdtempSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_EXPORT_FILES } from '../ipc-contract.js';
import { ServiceError } from './errors.js';
import { checkExportPath, decodeBase64, decodeExportFiles, writeExportFolder } from './exports.js';

const b64 = (s: string | Uint8Array) => Buffer.from(s).toString('base64');
const tmp = () => mkdtempSync(join(tmpdir(), 'ps-export-'));

async function refusal(p: Promise<unknown> | (() => unknown)): Promise<ServiceError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    expect(e).toBeInstanceOf(ServiceError);
    return e as ServiceError;
  }
  throw new Error('expected a refusal');
}

describe('export packages (host side)', () => {
  it('writes text and binary files, nested folders included, byte for byte', async () => {
    const parent = tmp();
    const bin = new Uint8Array([0, 255, 1, 128, 10, 13]);
    const w = await writeExportFolder(parent, 'net-pytorch', [
      { path: 'model.py', base64: b64('print("hi")\n') },
      { path: 'data/mnist.npz', base64: b64(bin) },
    ]);
    expect(w).toMatchObject({ name: 'net-pytorch', files: 2, bytes: 12 + 6 });
    expect(readFileSync(join(parent, 'net-pytorch', 'model.py'), 'utf8')).toBe('print("hi")\n');
    expect(new Uint8Array(readFileSync(join(parent, 'net-pytorch', 'data', 'mnist.npz')))).toEqual(bin);
    // No temp files are left behind.
    expect(readdirSync(join(parent, 'net-pytorch')).sort()).toEqual(['data', 'model.py']);
  });

  it('never overwrites an earlier export: the second gets "(2)"', async () => {
    const parent = tmp();
    await writeExportFolder(parent, 'net-tfjs', [{ path: 'a.txt', base64: b64('one') }]);
    const second = await writeExportFolder(parent, 'net-tfjs', [{ path: 'a.txt', base64: b64('two') }]);
    expect(second.name).toBe('net-tfjs (2)');
    expect(readFileSync(join(parent, 'net-tfjs', 'a.txt'), 'utf8')).toBe('one');
    expect(readFileSync(join(parent, 'net-tfjs (2)', 'a.txt'), 'utf8')).toBe('two');
  });

  it('refuses paths that could leave the folder, naming the file', async () => {
    for (const bad of [
      '../evil.py',
      '/etc/passwd',
      'data/../../x',
      'a\\b.py',
      '.hidden',
      'data//x',
      '',
      'C:evil',
      'a/b/c/d/e.txt',
      'con',
      'x\u0000.py',
    ]) {
      const e = await refusal(() => checkExportPath(bad, 'files.0.path'));
      expect(e.field).toBe('files.0.path');
    }
    const parent = tmp();
    const e = await refusal(
      writeExportFolder(parent, 'x', [
        { path: 'ok.py', base64: b64('1') },
        { path: '../../escape.py', base64: b64('2') },
      ]),
    );
    expect(e.field).toBe('files.1.path');
    // Nothing was written: paths are checked before any file.
    expect(readdirSync(parent)).toEqual([]);
  });

  it('refuses a bad folder name, garbled base64, duplicates and file/folder clashes', async () => {
    const parent = tmp();
    expect((await refusal(writeExportFolder(parent, '../up', [{ path: 'a', base64: '' }]))).field).toBe('name');
    expect((await refusal(() => decodeBase64('ab$=', 'f'))).message).toMatch(/not base64/);
    expect((await refusal(() => decodeBase64('abc', 'f'))).message).toMatch(/not base64/);
    expect(
      (
        await refusal(() =>
          decodeExportFiles([
            { path: 'Model.py', base64: '' },
            { path: 'model.py', base64: '' },
          ]),
        )
      ).message,
    ).toMatch(/listed twice/);
    expect(
      (
        await refusal(() =>
          decodeExportFiles([
            { path: 'data', base64: '' },
            { path: 'data/x.npz', base64: '' },
          ]),
        )
      ).message,
    ).toMatch(/both a file and a folder/);
    expect((await refusal(() => decodeExportFiles([]))).field).toBe('files');
    const many = Array.from({ length: MAX_EXPORT_FILES + 1 }, (_, i) => ({ path: `f${i}.txt`, base64: '' }));
    expect((await refusal(() => decodeExportFiles(many))).message).toMatch(/at most/);
  });

  it('does not follow a symlink planted where the export folder would go', async () => {
    const parent = tmp();
    const elsewhere = tmp();
    symlinkSync(elsewhere, join(parent, 'net'));
    const w = await writeExportFolder(parent, 'net', [{ path: 'a.txt', base64: b64('x') }]);
    expect(w.name).toBe('net (2)');
    expect(readdirSync(elsewhere)).toEqual([]);
    expect(lstatSync(join(parent, 'net')).isSymbolicLink()).toBe(true);
  });
});
