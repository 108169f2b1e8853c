/**
 * ONNX export parity for the miniatures of the large templates (engine/compile/miniatures.ts:
 * the same wiring at small sizes: conv stems, learned positions, Fourier queries, optical flow,
 * the multimodal autoencoder's three heads, masked language modelling). Slow (one ONNX export
 * per model); run with `npm run test:slow`. Needs /usr/bin/python3 with torch.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MINIATURES, shrink } from '../compile/miniatures.js';
import { loadGraphDoc } from '../graph/load.js';
import { torchUnavailable } from '../node/exportHarness.js';
import { compareOnnx, exportOnnxAll, prepareOnnxCase, type OnnxCase } from '../node/onnxHarness.js';

const skipReason = torchUnavailable();
if (skipReason) console.log(`ONNX parity (miniatures) skipped: ${skipReason}`);
const templatesDir = join(__dirname, '..', '..', 'templates');

describe.skipIf(skipReason !== null)('ONNX export of the large templates, as miniatures', () => {
  const work = mkdtempSync(join(tmpdir(), 'ps-onnx-mini-'));
  const cases: OnnxCase[] = [];
  let exported = new Map<string, { onnx?: string; error?: string }>();

  beforeAll(async () => {
    await tf.setBackend('cpu');
    for (const [f, patch] of Object.entries(MINIATURES)) {
      const doc = loadGraphDoc(readFileSync(join(templatesDir, f), 'utf8'), f);
      cases.push(prepareOnnxCase(`mini-${f}`, shrink(doc, patch), work));
    }
    exported = exportOnnxAll(cases, 600_000);
  }, 600_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("ONNX Runtime's outputs equal the engine's within 1e-4", async () => {
    const report: string[] = [];
    const failed: string[] = [];
    for (const c of cases) {
      const r = exported.get(c.dir);
      if (r?.error || !r?.onnx) {
        failed.push(`${c.name}: ${r?.error ?? 'no result'}`);
        continue;
      }
      let cmp;
      try {
        cmp = await compareOnnx(c, r.onnx);
      } catch (err) {
        failed.push(`${c.name}: ONNX Runtime: ${(err as Error).message.split('\n')[0]}`);
        continue;
      }
      report.push(
        `${c.name}: ${c.outputs.length} output(s), max |Δ| ${cmp.maxAbs.toExponential(2)} (|y| ≤ ${cmp.maxRef.toFixed(3)})`,
      );
      if (!(cmp.maxAbs < 1e-4) || !(cmp.maxRef > 1e-3))
        failed.push(`${c.name}: max |Δ| ${cmp.maxAbs}, |y| ≤ ${cmp.maxRef}`);
    }
    console.log(report.join('\n'));
    expect(failed).toEqual([]);
  }, 600_000);
});
