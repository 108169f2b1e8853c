/**
 * `perceiver-studio train` with heads other than classifiers: masked bytes on a text file
 * (templates/bytes-mlm-tiny.json) and regression on numeric targets (CSV and .npy), plus the
 * refusals when the data does not fit the head or the input.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../data/random.js';
import { runCli } from './main.js';

const fixture = (name: string) => join(__dirname, 'fixtures', name);
let dir: string;

async function cli(argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { log: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out, err };
}

/** y = 2·a − b + 0.5·c (+ a little noise), three feature columns. */
function linearRows(n: number, seed: number): number[][] {
  const rand = mulberry32(seed);
  return Array.from({ length: n }, () => {
    const [a, b, c] = [rand() * 2 - 1, rand() * 2 - 1, rand() * 2 - 1];
    return [a, b, c, 2 * a - b + 0.5 * c + 0.01 * (rand() - 0.5)];
  });
}

/** A float32 .npy holding `rows` as a [n, cols] table. */
function npyTable(rows: number[][]): Uint8Array {
  const cols = rows[0]!.length;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows.length}, ${cols}), }`;
  header += ' '.repeat(64 - ((10 + header.length + 1) % 64)) + '\n';
  const body = new Float32Array(rows.flat());
  const out = new Uint8Array(10 + header.length + body.byteLength);
  out.set([0x93, ...new TextEncoder().encode('NUMPY'), 1, 0, header.length & 255, header.length >> 8]);
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(body.buffer), 10 + header.length);
  return out;
}

const prose =
  'Perceivers attend to their inputs through a small latent array. The cross-attention maps a large input onto the latents, and a stack of self-attention layers refines them. ' +
  'A decoder with output queries reads the latents back out, one query per predicted byte. ';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ps-cli-heads-'));
  writeFileSync(join(dir, 'prose.txt'), prose.repeat(12));
  const rows = linearRows(200, 3);
  writeFileSync(
    join(dir, 'linear.csv'),
    ['a,b,c,y', ...rows.map((r) => r.map((v) => v.toFixed(4)).join(','))].join('\n') + '\n',
  );
  const bad = ['a,b,c,y', ...rows.slice(0, 20).map((r) => r.map((v) => v.toFixed(4)).join(','))];
  bad[7] = '0.1,0.2,0.3,high';
  writeFileSync(join(dir, 'bad-target.csv'), bad.join('\n') + '\n');
  writeFileSync(join(dir, 'linear.npy'), npyTable(rows));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('perceiver-studio train: masked bytes', () => {
  it('trains templates/bytes-mlm-tiny.json on a text file, reporting masked-token accuracy per epoch', async () => {
    const r = await cli([
      'train',
      'templates/bytes-mlm-tiny.json',
      '--data',
      join(dir, 'prose.txt'),
      '--epochs',
      '3',
      '--max-steps',
      '4',
      '--batch-size',
      '8',
      '--learning-rate',
      '0.003',
    ]);
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.out[0]).toMatch(
      /on .*prose\.txt: \d+ train \/ \d+ validation \/ \d+ test, masked tokens \(262 ids, 15% hidden\), input \[128\]/,
    );
    const epochs = r.out.filter((l) => l.startsWith('epoch '));
    expect(epochs).toHaveLength(3);
    for (const l of epochs)
      expect(l).toMatch(/masked-token accuracy \d+\.\d% {2}val loss \d+\.\d{4} val masked-token accuracy \d+\.\d%/);
    const loss = epochs.map((l) => Number(/loss (\d+\.\d+)/.exec(l)![1]));
    // ln 262 ≈ 5.57 at the start; a few steps already learn the byte frequencies.
    expect(loss[2]!).toBeLessThan(loss[0]! - 0.3);
    expect(r.out.some((l) => l.startsWith('true\\pred'))).toBe(false);
    expect(r.out[r.out.length - 1]).toMatch(/^test masked-token accuracy \d+\.\d\d% \(loss \d+\.\d{4}\)/);
  });

  it('--json reports the metric and no confusion matrix; --mask-rate is checked', async () => {
    const r = await cli([
      'train',
      'templates/bytes-mlm-tiny.json',
      '--data',
      join(dir, 'prose.txt'),
      '--epochs',
      '1',
      '--max-steps',
      '1',
      '--mask-rate',
      '0.3',
      '--json',
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out[0]!).metric).toBe('maskedTokenAccuracy');
    expect(JSON.parse(r.out[1]!).metric).toBe('maskedTokenAccuracy');
    const final = JSON.parse(r.out[r.out.length - 1]!);
    expect(final.confusion).toBeNull();
    expect(final.testAccuracy).toBeGreaterThanOrEqual(0);
    const bad = await cli([
      'train',
      'templates/bytes-mlm-tiny.json',
      '--data',
      join(dir, 'prose.txt'),
      '--mask-rate',
      '2',
    ]);
    expect(bad.code).toBe(2);
    expect(bad.err[0]).toContain('--mask-rate is the fraction of bytes hidden, between 0 and 1 (got 2)');
  });

  it('refuses a text file for an image model and an empty text, naming the input and the file', async () => {
    const r = await cli(['train', 'templates/mnist-perceiver-io.json', '--data', join(dir, 'prose.txt')]);
    expect(r.code).toBe(1);
    expect(r.err[0]).toContain(
      `${join(dir, 'prose.txt')} is a text file: it trains a masked-byte model whose input is a Text bytes node, but the input "image" (ImageInput) takes examples of shape [28, 28, 1]`,
    );
    writeFileSync(join(dir, 'empty.txt'), '');
    const s = await cli(['train', 'templates/bytes-mlm-tiny.json', '--data', join(dir, 'empty.txt')]);
    expect(s.code).toBe(3);
    expect(s.err[0]).toBe(`perceiver-studio: ${join(dir, 'empty.txt')}: the text file is empty`);
  });

  it('a table model on text data is refused at its input, named', async () => {
    const r = await cli(['train', fixture('tabular-test.json'), '--data', join(dir, 'prose.txt')]);
    // The tabular input takes numColumns from the data only for tables: the text is refused at the input.
    expect(r.code).toBe(1);
    expect(r.err[0]).toMatch(/is a text file: .* the input "table" \(TabularInput\)/);
  });
});

describe('perceiver-studio train: regression', () => {
  it('trains a per-position projection on a CSV with a numeric target column (MSE falls)', async () => {
    const r = await cli([
      'train',
      fixture('regression-test.json'),
      '--data',
      join(dir, 'linear.csv'),
      '--target',
      'y',
      '--epochs',
      '6',
      '--json',
    ]);
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
    const start = JSON.parse(r.out[0]!);
    expect(start.metric).toBe('mse');
    expect(start.filled).toEqual(['table.numColumns = 3 (from data)']);
    const epochs = r.out.slice(1, -1).map((l) => JSON.parse(l));
    expect(epochs).toHaveLength(6);
    expect(epochs[0].metric).toBe('mse');
    // The targets' variance is about 1.75; a fitted model is far below it.
    expect(epochs[5].accuracy).toBeLessThan(epochs[0].accuracy * 0.5);
    const final = JSON.parse(r.out[r.out.length - 1]!);
    expect(final.confusion).toBeNull();
    expect(final.testAccuracy).toBeLessThan(0.5);
  });

  it('trains on a .npy table (target: last column) and prints MSE', async () => {
    const r = await cli([
      'train',
      fixture('regression-test.json'),
      '--data',
      join(dir, 'linear.npy'),
      '--epochs',
      '1',
      '--max-steps',
      '2',
    ]);
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.out[0]).toContain('real-valued targets [1] (MSE)');
    expect(r.out.find((l) => l.startsWith('epoch 1:'))).toMatch(/loss \d+\.\d{4} MSE \d\.\d+/);
    expect(r.out[r.out.length - 1]).toMatch(/^test MSE \d/);
  });

  it('names the line of a non-numeric regression target (exit 3)', async () => {
    const r = await cli([
      'train',
      fixture('regression-test.json'),
      '--data',
      join(dir, 'bad-target.csv'),
      '--target',
      'y',
    ]);
    expect(r.code).toBe(3);
    expect(r.err[0]).toBe(
      `perceiver-studio: ${join(dir, 'bad-target.csv')}, line 8, column "y": the target cell has "high", which is not a number; a regression head needs a finite number in every row`,
    );
  });

  it('a classifier template on the same CSV still reads classes (and refuses real values)', async () => {
    const r = await cli(['train', fixture('tabular-test.json'), '--data', join(dir, 'linear.csv'), '--target', 'y']);
    expect(r.code).toBe(3);
    expect(r.err[0]).toContain('targets must be classes');
  });
});
