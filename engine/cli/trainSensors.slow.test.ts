/**
 * The README's audio and point-cloud figures, re-measured (npm run test:slow; minutes each on a
 * 2-core CPU): the templates as shipped on the generated datasets, ≥ 90% test accuracy.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './main.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ps-sensors-slow-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function trainJson(template: string, data: string): Promise<{ testAccuracy: number; seconds: number }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(['train', template, '--data', data, '--json'], {
    log: (s) => out.push(s),
    err: (s) => err.push(s),
  });
  expect(err).toEqual([]);
  expect(code).toBe(0);
  const final = JSON.parse(out[out.length - 1]!);
  console.log(
    `${template} on ${data}: test accuracy ${(final.testAccuracy * 100).toFixed(2)}% in ${final.seconds.toFixed(1)} s`,
  );
  return final;
}

describe('sensor templates reach their README figures', () => {
  it('spoken digits (espeak-ng, 120 per class): ≥ 90% test accuracy', async () => {
    execFileSync('node', ['scripts/gen-spoken-digits.mjs', '--out', join(dir, 'digits'), '--per-class', '120'], {
      stdio: 'pipe',
    });
    const r = await trainJson('templates/audio-perceiver.json', join(dir, 'digits'));
    expect(r.testAccuracy).toBeGreaterThanOrEqual(0.9);
  }, 1_200_000);

  it('generated shapes (8 classes, 100 per class): ≥ 90% test accuracy', async () => {
    execFileSync('node', ['scripts/gen-shapes.mjs', '--out', join(dir, 'shapes'), '--per-class', '100'], {
      stdio: 'pipe',
    });
    const r = await trainJson('templates/pointcloud-perceiver.json', join(dir, 'shapes'));
    expect(r.testAccuracy).toBeGreaterThanOrEqual(0.9);
  }, 1_800_000);
});
