/** templates/tabular-perceiver.json on a 64-column, 5-class CSV (see fitData.test.ts for 4 and 13 columns). */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mulberry32 } from '../data/random.js';
import { runCli } from './main.js';

let dir: string;

function blobsCsv(rows: number, dims: number, classes: number, seed: number): string {
  const rand = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const centres = Array.from({ length: classes }, () => Array.from({ length: dims }, () => (rand() - 0.5) * 2));
  const lines = [[...Array.from({ length: dims }, (_, d) => `x${d}`), 'label'].join(',')];
  for (let i = 0; i < rows; i++)
    lines.push([...centres[i % classes]!.map((c) => (c + gauss()).toFixed(3)), `c${i % classes}`].join(','));
  return lines.join('\n') + '\n';
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ps-cli-fit64-'));
  writeFileSync(join(dir, 'w64.csv'), blobsCsv(600, 64, 5, 3));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('templates/tabular-perceiver.json trains on 64 columns and 5 classes without editing', async () => {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(
    [
      'train',
      'templates/tabular-perceiver.json',
      '--data',
      join(dir, 'w64.csv'),
      '--target',
      'label',
      '--epochs',
      '12',
      '--json',
    ],
    { log: (s) => out.push(s), err: (s) => err.push(s) },
  );
  expect(err).toEqual([]);
  expect(code).toBe(0);
  expect(JSON.parse(out[0]!).filled).toEqual([
    "table.numColumns 8 → 64 (fitted to the data; --no-fit keeps the template's sizes)",
    "head.numClasses 3 → 5 (fitted to the data; --no-fit keeps the template's sizes)",
  ]);
  const final = JSON.parse(out[out.length - 1]!);
  expect(final.confusion).toHaveLength(5);
  expect(final.testAccuracy).toBeGreaterThanOrEqual(0.8);
});
