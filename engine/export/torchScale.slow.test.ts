/**
 * Slow (npm run test:slow): peak memory of one train.py rank does not grow with the size of an
 * image folder — 1,000 vs 4,000 PNGs of 64×64 RGB into a 64×64×3 input (decoded up front they
 * would take 49 vs 197 MB of float32). The figures are written in the export's README (SCALE_NOTE
 * in engine/export/pytorch/index.ts).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadGraphDoc } from '../graph/load.js';
import { makePngFolder, PYTHON, torchUnavailable } from '../node/exportHarness.js';
import { exportPytorch } from './pytorch/index.js';

const skipReason = torchUnavailable();
const templatePath = join(__dirname, '..', '..', 'templates', 'mnist-perceiver-io.json');

describe.skipIf(skipReason !== null)(
  `train.py memory against folder size${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    const work = mkdtempSync(join(tmpdir(), 'ps-torchmem-'));
    afterAll(() => rmSync(work, { recursive: true, force: true }));

    it('peak RSS of a rank is the same for 1,000 and 4,000 images', () => {
      const doc = loadGraphDoc(readFileSync(templatePath, 'utf8'), templatePath);
      doc.nodes.find((n) => n.id === 'image')!.params = { height: 64, width: 64, channels: 3 };
      doc.nodes.find((n) => n.id === 'patches')!.params = { spatialDownsample: 8 };
      const pkg = join(work, 'pkg');
      for (const [f, c] of exportPytorch(doc).files) {
        mkdirSync(join(pkg, f, '..'), { recursive: true });
        writeFileSync(join(pkg, f), c);
      }
      const peaks: Record<number, number> = {};
      for (const n of [1000, 4000]) {
        const folder = join(work, `pngs${n}`);
        makePngFolder(folder, n / 4, 4, 64);
        const r = spawnSync(
          PYTHON,
          [
            'train.py',
            '--data',
            folder,
            '--device',
            'cpu',
            '--epochs',
            '1',
            '--max-steps',
            '10',
            '--batch-size',
            '32',
            '--json',
            '--checkpoint-dir',
            join(work, `ck${n}`),
          ],
          {
            cwd: pkg,
            encoding: 'utf8',
            timeout: 600_000,
            env: { ...process.env, OMP_NUM_THREADS: '1' },
          },
        );
        expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
        const end = r.stdout
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as { event: string; peak_rss_mib?: number[] })
          .find((x) => x.event === 'end')!;
        peaks[n] = end.peak_rss_mib![0]!;
      }
      console.log(
        `peak RSS of one rank: 1,000 images ${peaks[1000]!.toFixed(0)} MiB, 4,000 images ${peaks[4000]!.toFixed(0)} MiB`,
      );
      // Decoded up front, 3,000 more images would add 3000·64·64·3·4 B = 141 MiB.
      expect(peaks[4000]! - peaks[1000]!).toBeLessThan(20);
    }, 900_000);
  },
);
