/**
 * ONNX export of the imported Hugging Face fixtures (../shared/hf-fixtures, one per class):
 * `import-hf` → `export --weights MODEL --format onnx` → ONNX Runtime on a batch of 3, equal to
 * the engine's outputs for the same inputs within 1e-4. Slow (six imports and exports); run with
 * `npm run test:slow`. Needs the fixtures and /usr/bin/python3 with torch; skipped otherwise.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { torchUnavailable } from '../node/exportHarness.js';
import { readModelFolder } from '../node/modelFolder.js';
import { runCli } from './main.js';
import { HF_CLASSES } from '../hf/convert.js';

const FIXTURES = resolve(__dirname, '..', '..', '..', 'shared', 'hf-fixtures');
const CLASSES = HF_CLASSES;
const skip = torchUnavailable() ?? (existsSync(FIXTURES) ? null : `no fixtures at ${FIXTURES}`);
if (skip) console.log(`ONNX of the HF fixtures skipped: ${skip}`);

const quiet = { log: () => {}, err: () => {} };

describe.skipIf(skip !== null)('ONNX export of the imported Hugging Face fixtures', () => {
  const work = mkdtempSync(join(tmpdir(), 'ps-onnx-hf-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  for (const cls of CLASSES) {
    it(`${cls}: ONNX Runtime equals the engine within 1e-4`, async () => {
      const modelDir = join(work, cls);
      const onnxDir = join(work, `${cls}-onnx`);
      expect(await runCli(['import-hf', join(FIXTURES, cls), '--out', modelDir], quiet)).toBe(0);
      const lines: string[] = [];
      const code = await runCli(['export', '--weights', modelDir, '--format', 'onnx', '--out', onnxDir, '--json'], {
        log: (s) => lines.push(s),
        err: (s) => lines.push(s),
      });
      expect(code, lines.join('\n')).toBe(0);
      const summary = JSON.parse(lines[lines.length - 1]!) as { onnx: string; inputs: string[] };
      await tf.setBackend('cpu');
      const loaded = await readModelFolder(modelDir);
      const session = await ort.InferenceSession.create(summary.onnx);
      try {
        const n = 3;
        const xs = loaded.model.inputs.map((sym, k) => {
          const shape = [n, ...(sym.shape.slice(1) as number[])];
          return sym.dtype === 'int32'
            ? tf.randomUniform(shape, 0, 200, 'int32', 11 + k)
            : tf.randomUniform(shape, -1, 1, 'float32', 21 + k);
        });
        const out = loaded.model.predict(xs.length === 1 ? xs[0]! : xs);
        const ys = Array.isArray(out) ? out : [out];
        const feeds: Record<string, ort.Tensor> = {};
        session.inputNames.forEach((name, k) => {
          const x = xs[k]!;
          feeds[name] =
            x.dtype === 'int32'
              ? new ort.Tensor(
                  'int64',
                  BigInt64Array.from(x.dataSync(), (v) => BigInt(v)),
                  x.shape,
                )
              : new ort.Tensor('float32', x.dataSync() as Float32Array, x.shape);
        });
        const got = await session.run(feeds);
        let maxAbs = 0;
        let maxRef = 0;
        session.outputNames.forEach((name, k) => {
          const want = ys[k]!.dataSync();
          const g = got[name]!.data as Float32Array;
          expect(got[name]!.dims, `${cls} ${name}`).toEqual(ys[k]!.shape);
          for (let i = 0; i < want.length; i++) {
            maxAbs = Math.max(maxAbs, Math.abs(g[i]! - want[i]!));
            maxRef = Math.max(maxRef, Math.abs(want[i]!));
          }
        });
        tf.dispose([...xs, ...ys]);
        console.log(
          `${cls}: ${session.outputNames.length} output(s), max |Δ| ${maxAbs.toExponential(2)} (|y| ≤ ${maxRef.toFixed(3)})`,
        );
        expect(maxRef).toBeGreaterThan(1e-3);
        expect(maxAbs).toBeLessThan(1e-4);
      } finally {
        await session.release();
        loaded.model.dispose();
      }
    }, 300_000);
  }
});
