/** The README's tabular example on CSVs of any width: the CLI fits the template to the data. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../data/random.js';
import { runCli } from './main.js';

let dir: string;

/** k Gaussian blobs in `dims` dimensions, class named c<k>, label column last. */
function blobsCsv(rows: number, dims: number, classes: number, seed: number): string {
  const rand = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const centres = Array.from({ length: classes }, () =>
    Array.from({ length: dims }, () => (rand() - 0.5) * (dims > 8 ? 2 : 6)),
  );
  const lines = [[...Array.from({ length: dims }, (_, d) => `x${d}`), 'label'].join(',')];
  for (let i = 0; i < rows; i++)
    lines.push([...centres[i % classes]!.map((c) => (c + gauss()).toFixed(3)), `c${i % classes}`].join(','));
  return lines.join('\n') + '\n';
}

async function cli(argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { log: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out, err };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ps-cli-fit-'));
  writeFileSync(join(dir, 'w4.csv'), blobsCsv(240, 4, 3, 1));
  writeFileSync(join(dir, 'w13.csv'), blobsCsv(240, 13, 3, 2));
  writeFileSync(join(dir, 'small.csv'), blobsCsv(60, 4, 2, 4));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('train fits generic templates to the data', () => {
  // 64 columns: engine/cli/fitData64.test.ts (each file stays well under 30 s on a loaded 2-core machine).
  for (const [file, cols, classes] of [
    ['w4.csv', 4, 3],
    ['w13.csv', 13, 3],
  ] as const) {
    it(`templates/tabular-perceiver.json trains on ${cols} columns and ${classes} classes without editing`, async () => {
      const r = await cli([
        'train',
        'templates/tabular-perceiver.json',
        '--data',
        join(dir, file),
        '--target',
        'label',
        '--epochs',
        '12',
        '--json',
      ]);
      expect(r.err).toEqual([]);
      expect(r.code).toBe(0);
      const start = JSON.parse(r.out[0]!);
      const expected = [`table.numColumns 8 → ${cols} (fitted to the data; --no-fit keeps the template's sizes)`];
      if (classes !== 3)
        expected.push(`head.numClasses 3 → ${classes} (fitted to the data; --no-fit keeps the template's sizes)`);
      expect(start.filled).toEqual(expected);
      const final = JSON.parse(r.out[r.out.length - 1]!);
      expect(final.confusion).toHaveLength(classes);
      expect(final.testAccuracy).toBeGreaterThanOrEqual(0.8);
    });
  }

  it('prints what it set, and --no-fit refuses data of another width', async () => {
    const r = await cli([
      'train',
      'templates/tabular-perceiver.json',
      '--data',
      join(dir, 'w13.csv'),
      '--target',
      'label',
      '--epochs',
      '1',
      '--max-steps',
      '1',
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("  table.numColumns 8 → 13 (fitted to the data; --no-fit keeps the template's sizes)");
    const n = await cli([
      'train',
      'templates/tabular-perceiver.json',
      '--data',
      join(dir, 'w13.csv'),
      '--target',
      'label',
      '--no-fit',
    ]);
    expect(n.code).toBe(1);
    expect(n.err[0]).toContain('The input node "table" expects examples of shape [8] but the data gives [13]');
  });

  it('keeps a sensible validation split on small data and says when a split is tiny', async () => {
    // 60 rows at 15%/15%: 9 each by fraction; never fewer than min(30, 10%) = 6, so 9 stays, and both are flagged tiny.
    const r = await cli([
      'train',
      'templates/tabular-perceiver.json',
      '--data',
      join(dir, 'small.csv'),
      '--target',
      'label',
      '--epochs',
      '1',
      '--max-steps',
      '1',
    ]);
    expect(r.code).toBe(0);
    expect(r.out[0]).toMatch(/42 train \/ 9 validation \/ 9 test/);
    expect(r.out).toContain(
      '  note: the validation split has only 9 examples; its figures are noisy (more data, or a larger data.validationFraction, helps)',
    );
  });
});
