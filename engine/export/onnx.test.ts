/**
 * ONNX export parity: every small template (the ones that train in the app as they are),
 * exported as a PyTorch package with perturbed weights, converted by its export_onnx.py (opset
 * 17, dynamic batch) and run in ONNX Runtime (onnxruntime-node) on a batch of 3: outputs equal
 * the engine's within 1e-4. Needs /usr/bin/python3 with torch; skipped, saying why, otherwise.
 * The miniatures of the large templates: onnx.slow.test.ts.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MINIATURES } from '../compile/miniatures.js';
import { loadGraphDoc } from '../graph/load.js';
import { torchUnavailable } from '../node/exportHarness.js';
import { compareOnnx, exportOnnxAll, prepareOnnxCase, type OnnxCase } from '../node/onnxHarness.js';

const skipReason = torchUnavailable();
if (skipReason) console.log(`ONNX parity skipped: ${skipReason}`);
const templatesDir = join(__dirname, '..', '..', 'templates');

describe.skipIf(skipReason !== null)(
  `ONNX export of the small templates${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    const work = mkdtempSync(join(tmpdir(), 'ps-onnx-'));
    const cases: OnnxCase[] = [];
    let exported = new Map<
      string,
      { onnx?: string; error?: string; opset?: number; inputs?: string[]; outputs?: string[] }
    >();

    beforeAll(async () => {
      await tf.setBackend('cpu');
      for (const f of readdirSync(templatesDir)
        .filter((x) => x.endsWith('.json') && !MINIATURES[x])
        .sort()) {
        cases.push(prepareOnnxCase(f, loadGraphDoc(readFileSync(join(templatesDir, f), 'utf8'), f), work));
      }
      exported = exportOnnxAll(cases);
    }, 240_000);
    afterAll(() => rmSync(work, { recursive: true, force: true }));

    it('covers the small templates', () => {
      const names = cases.map((c) => c.name);
      for (const n of [
        'mnist-perceiver-io.json',
        'mnist-perceiver.json',
        'tabular-perceiver.json',
        'bytes-mlm-tiny.json',
      ])
        expect(names).toContain(n);
    });

    it('writes model.onnx (opset 17) with the named inputs and heads', () => {
      for (const c of cases) {
        const r = exported.get(c.dir);
        expect(r?.error, c.name).toBeUndefined();
        expect(r?.opset, c.name).toBe(17);
        expect(r?.inputs, c.name).toEqual(c.inputs.map((x) => x.name));
      }
    });

    it("ONNX Runtime's outputs equal the engine's within 1e-4 at another batch size", async () => {
      const report: string[] = [];
      for (const c of cases) {
        const r = await compareOnnx(c, exported.get(c.dir)!.onnx!);
        expect(r.maxRef, `${c.name}: outputs are not all zero`).toBeGreaterThan(1e-3);
        expect(r.maxAbs, c.name).toBeLessThan(1e-4);
        report.push(
          `${c.name}: ${c.outputs.length} output(s), batch ${c.outputs[0]!.shape[0]}, max |Δ| ${r.maxAbs.toExponential(2)} (|y| ≤ ${r.maxRef.toFixed(3)})`,
        );
      }
      console.log(report.join('\n'));
    });
  },
);
