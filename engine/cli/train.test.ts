import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../data/random.js';
import { runCli } from './main.js';

const fixture = (name: string) => join(__dirname, 'fixtures', name);
let dir: string;

/** Three Gaussian blobs in 4-D with named classes; learnable, not trivially separable. */
function blobsCsv(rows: number, seed: number, dims = 4): string {
  const rand = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const centres = [
    [0, 0, 5, 1],
    [3, 1, 4, -1],
    [0, 3, 6, 0],
  ].map((c) => Array.from({ length: dims }, (_, d) => c[d % 4]! * (d < 4 ? 1 : 0.5)));
  const names = ['alpha', 'beta', 'gamma'];
  const lines = [[...Array.from({ length: dims }, (_, d) => `f${d + 1}`), 'species'].join(',')];
  for (let i = 0; i < rows; i++) {
    const k = i % 3;
    lines.push([...centres[k]!.map((c) => (c + gauss()).toFixed(3)), names[k]].join(','));
  }
  return lines.join('\n') + '\n';
}

async function cli(argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { log: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out, err };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ps-cli-train-'));
  writeFileSync(join(dir, 'blobs.csv'), blobsCsv(300, 1));
  writeFileSync(join(dir, 'blobs8.csv'), blobsCsv(300, 2, 8));
  const lines = blobsCsv(300, 1).split('\n');
  lines[57] = lines[57]!.replace(/^[^,]+/, 'oops'); // data row 57 is on line 58 of the file
  writeFileSync(join(dir, 'corrupt.csv'), lines.join('\n'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('perceiver-studio train', () => {
  it('trains the tabular Perceiver on a CSV to a sensible accuracy, columns and classes from data', async () => {
    const r = await cli([
      'train',
      fixture('tabular-test.json'),
      '--data',
      join(dir, 'blobs.csv'),
      '--target',
      'species',
      '--json',
    ]);
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
    const start = JSON.parse(r.out[0]!);
    expect(start.filled).toEqual(['table.numColumns = 4 (from data)', 'head.numClasses = 3 (from data)']);
    expect(start.classes).toEqual(['alpha', 'beta', 'gamma']);
    const final = JSON.parse(r.out[r.out.length - 1]!);
    expect(final.status).toBe('done');
    expect(final.testAccuracy).toBeGreaterThanOrEqual(0.85);
    expect(final.confusion).toHaveLength(3);
  });

  it('trains templates/tabular-perceiver.json (8 columns, 3 classes) on a CSV', async () => {
    const r = await cli([
      'train',
      'templates/tabular-perceiver.json',
      '--data',
      join(dir, 'blobs8.csv'),
      '--target',
      'species',
      '--epochs',
      '8',
      '--json',
    ]);
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out[0]!).filled).toEqual([]);
    const final = JSON.parse(r.out[r.out.length - 1]!);
    expect(final.testAccuracy).toBeGreaterThanOrEqual(0.85);
  });

  it('fails on a corrupted row with its line, column and exit code 3', async () => {
    const r = await cli([
      'train',
      fixture('tabular-test.json'),
      '--data',
      join(dir, 'corrupt.csv'),
      '--target',
      'species',
    ]);
    expect(r.code).toBe(3);
    expect(r.err.join('\n')).toBe(
      `perceiver-studio: ${join(dir, 'corrupt.csv')}, line 58, column "f1": the feature cell has "oops", which is not a number; features must be finite numbers (or make "f1" the target with --target)`,
    );
  });

  it('--skip-bad-rows trains on and reports what it skipped', async () => {
    const r = await cli([
      'train',
      fixture('tabular-test.json'),
      '--data',
      join(dir, 'corrupt.csv'),
      '--skip-bad-rows',
      '--epochs',
      '1',
      '--max-steps',
      '1',
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('skipped 1 item:');
    expect(r.out.some((l) => l.includes('line 58, column "f1"'))).toBe(true);
  });

  it('names a missing target column and an unreadable data path', async () => {
    const r = await cli([
      'train',
      fixture('tabular-test.json'),
      '--data',
      join(dir, 'blobs.csv'),
      '--target',
      'colour',
    ]);
    expect(r.code).toBe(3);
    expect(r.err[0]).toContain(
      'there is no target column "colour". The columns are "f1", "f2", "f3", "f4", "species".',
    );
    const m = await cli(['train', fixture('tabular-test.json'), '--data', join(dir, 'nope.csv')]);
    expect(m.code).toBe(3);
    expect(m.err[0]).toMatch(/nope\.csv: no such file or folder/);
  });

  it('refuses a model that does not fit the memory limit, before building it (exit 4)', async () => {
    const r = await cli([
      'train',
      fixture('tabular-test.json'),
      '--data',
      join(dir, 'blobs.csv'),
      '--memory-limit',
      '0.0003',
    ]);
    expect(r.code).toBe(4);
    expect(r.err[0]).toMatch(
      /The model is too large to train here\. Estimated training memory .* the wasm backend holds 314\.6 KiB\. To fit: lower the batch size to 10 or less/,
    );
  });

  it('writes a checkpoint per epoch and resumes from it', async () => {
    const ck = join(dir, 'ckpt');
    const a = await cli([
      'train',
      fixture('tabular-test.json'),
      '--data',
      join(dir, 'blobs.csv'),
      '--epochs',
      '1',
      '--max-steps',
      '2',
      '--checkpoints',
      ck,
    ]);
    expect(a.code).toBe(0);
    expect(JSON.parse(readFileSync(join(ck, 'latest.json'), 'utf8'))).toEqual({ epoch: 1, path: 'epoch-0001' });
    expect(existsSync(join(ck, 'epoch-0001', 'weights.bin'))).toBe(true);
    const b = await cli([
      'train',
      fixture('tabular-test.json'),
      '--data',
      join(dir, 'blobs.csv'),
      '--epochs',
      '2',
      '--max-steps',
      '2',
      '--resume',
      ck,
    ]);
    expect(b.err).toEqual([]);
    expect(b.code).toBe(0);
    expect(b.out).toContain(`resuming from ${ck} after epoch 1 (step 2)`);
    expect(b.out.some((l) => l.startsWith('epoch 2:'))).toBe(true);
    expect(b.out.some((l) => l.startsWith('epoch 1:'))).toBe(false);
    expect(JSON.parse(readFileSync(join(ck, 'latest.json'), 'utf8')).epoch).toBe(2);
    const done = await cli([
      'train',
      fixture('tabular-test.json'),
      '--data',
      join(dir, 'blobs.csv'),
      '--epochs',
      '2',
      '--resume',
      ck,
    ]);
    expect(done.code).toBe(2);
    expect(done.err[0]).toMatch(/has finished 2 of 2 epochs; give --epochs N with N > 2/);
  });

  it('trains from an image folder, resizing to the input and taking channels from the images', async () => {
    const images = join(dir, 'images');
    ['circle', 'square'].forEach((cls, k) => {
      mkdirSync(join(images, cls), { recursive: true });
      for (let i = 0; i < 12; i++) {
        const p = new PNG({ width: 16, height: 16 });
        for (let q = 0; q < 256; q++) p.data.set([k ? 250 : 10, k ? 250 : 10, k ? 250 : 10, 255], q * 4);
        writeFileSync(join(images, cls, `${i}.png`), PNG.sync.write(p));
      }
    });
    const r = await cli(['train', fixture('tiny-image-test.json'), '--data', images, '--json']);
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
    const start = JSON.parse(r.out[0]!);
    expect(start.filled).toEqual(['image.channels = 1 (from data)', 'head.numClasses = 2 (from data)']);
    expect(start.classes).toEqual(['circle', 'square']);
  });

  it('says when the template does not match the data', async () => {
    const r = await cli(['train', 'templates/mnist-perceiver-io.json', '--data', join(dir, 'blobs.csv')]);
    expect(r.code).toBe(1);
    expect(r.err[0]).toBe(
      'perceiver-studio: The input node "image" expects examples of shape [28, 28, 1] but the data gives [4]; change its params to match, or set the size params to 0 to take them from the data',
    );
  });
});
