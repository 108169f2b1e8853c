/**
 * Issue 16, unbounded reads: only regular files, the size checked first, the read stopped at the
 * limit: /dev/zero (stat size 0), a FIFO (blocks forever), /proc files (size 0, real content), and
 * model / checkpoint folders whose manifests name such files.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileLimitError, readFileBounded, readFileBoundedAsync, resolveTemplateDataPath } from './boundedRead.js';
import { readCheckpoint } from './checkpointFiles.js';
import { readTrainedModelDir } from './export.js';

const dir = mkdtempSync(join(tmpdir(), 'ps-bounded-read-'));
const fifo = join(dir, 'pipe');
let hasFifo = true;
try {
  execFileSync('mkfifo', [fifo]);
} catch {
  hasFifo = false;
}

describe('readFileBounded', () => {
  it('reads regular files whole, and refuses one over the limit by its size', async () => {
    writeFileSync(join(dir, 'a.txt'), 'hello');
    expect(readFileBounded(join(dir, 'a.txt'), 5).toString()).toBe('hello');
    expect((await readFileBoundedAsync(join(dir, 'a.txt'), 5)).toString()).toBe('hello');
    expect(() => readFileBounded(join(dir, 'a.txt'), 4, 'template')).toThrow(
      /a\.txt: the template is 5 bytes, over the 4 bytes limit/,
    );
    await expect(readFileBoundedAsync(join(dir, 'a.txt'), 4)).rejects.toBeInstanceOf(FileLimitError);
  });

  it('refuses devices at once, and stops /proc files (size 0 by stat) at the limit', async () => {
    const t = Date.now();
    expect(() => readFileBounded('/dev/zero', 1024)).toThrow(/\/dev\/zero: it is a device; give a regular file/);
    await expect(readFileBoundedAsync('/dev/zero', 1024)).rejects.toThrow(/it is a device/);
    expect(Date.now() - t).toBeLessThan(1000);
    expect(readFileBounded('/proc/self/status', 1 << 20).toString()).toMatch(/^Name:/);
    expect(() => readFileBounded('/proc/self/status', 10)).toThrow(/over the 10 bytes limit/);
    expect(() => readFileBounded(dir, 10)).toThrow(/it is a folder/);
  });

  it.skipIf(!hasFifo)('refuses a FIFO without waiting for a writer', async () => {
    expect(() => readFileBounded(fifo, 1024)).toThrow(/it is a FIFO \(named pipe\)/);
    await expect(readFileBoundedAsync(fifo, 1024)).rejects.toThrow(/FIFO/);
  });

  it.skipIf(!hasFifo)(
    'model and checkpoint folders whose files are FIFOs or devices are refused, not read forever',
    () => {
      const model = join(dir, 'model');
      mkdirSync(model);
      writeFileSync(
        join(model, 'model.json'),
        JSON.stringify({
          modelTopology: {},
          weightsManifest: [{ paths: ['../pipe'], weights: [{ name: 'w', shape: [1], dtype: 'float32' }] }],
        }),
      );
      expect(() => readTrainedModelDir(model)).toThrow(/outside its folder|FIFO/);
      writeFileSync(
        join(model, 'model.json'),
        JSON.stringify({
          modelTopology: {},
          weightsManifest: [{ paths: ['w.bin'], weights: [{ name: 'w', shape: [1], dtype: 'float32' }] }],
        }),
      );
      execFileSync('mkfifo', [join(model, 'w.bin')]);
      expect(() => readTrainedModelDir(model)).toThrow(/w\.bin: it is a FIFO/);
      const ck = join(dir, 'ck');
      mkdirSync(ck);
      writeFileSync(join(ck, 'checkpoint.json'), '{}');
      execFileSync('mkfifo', [join(ck, 'weights.bin')]);
      expect(() => readCheckpoint(ck)).toThrow(/FIFO|not valid|checkpoint/);
    },
  );
});

describe('resolveTemplateDataPath', () => {
  it('keeps data paths inside the template folder', () => {
    const t = join(dir, 'tpl', 't.json');
    mkdirSync(join(dir, 'tpl', 'data'), { recursive: true });
    writeFileSync(join(dir, 'tpl', 'data', 'x.csv'), 'a\n');
    expect(resolveTemplateDataPath(t, 'data/x.csv')).toBe(join(dir, 'tpl', 'data', 'x.csv'));
    expect(resolveTemplateDataPath(t, './data/../data/x.csv')).toBe(join(dir, 'tpl', 'data', 'x.csv'));
    for (const bad of [
      '/etc/passwd',
      '../a.txt',
      'data/../../a.txt',
      '..',
      '.',
      'C:\\x.csv',
      '\\\\server\\share\\x.csv',
    ]) {
      expect(() => resolveTemplateDataPath(t, bad), bad).toThrow(FileLimitError);
    }
    expect(() => resolveTemplateDataPath(t, 'data/missing.csv')).toThrow(/does not exist/);
  });
});
