/**
 * Export › ONNX from the app: the worker builds the PyTorch package (with export_onnx.py), the
 * host writes it and runs export_onnx.py with this computer's Python + torch, so model.onnx lands
 * in the exported folder (documents/exports/… in the web host); it loads in ONNX Runtime with the
 * graph's input and a dynamic batch axis. Skipped, saying why, without /usr/bin/python3 + torch.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect, test } from '@playwright/test';
import * as ort from 'onnxruntime-node';
import { EditorPage } from './pages/EditorPage';
import { ExportPage } from './pages/ExportPage';

const PYTHON = process.env.PERCEIVER_PYTHON ?? '/usr/bin/python3';
const hasTorch = () => spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
const port = Number(process.env.PERCEIVER_E2E_PORT ?? 4817);

test('Export › ONNX: the host adds model.onnx to the package, and ONNX Runtime runs it at any batch size', async ({
  page,
}) => {
  test.skip(!hasTorch(), `${PYTHON} has no torch (Debian python3-torch); the host needs it to write model.onnx`);
  test.skip(!!process.env.PERCEIVER_E2E_URL, 'needs the web host this suite starts (its documents folder)');
  test.setTimeout(180_000);
  const editor = new EditorPage(page);
  const exporter = new ExportPage(page);
  await editor.open();
  await exporter.open();
  await exporter.dialog.getByRole('radio', { name: 'ONNX' }).check();
  const zip = await exporter.exportAndDownload();
  expect(zip.suggestedFilename()).toMatch(/^mnist-perceiver-io-onnx( \(\d+\))?\.zip$/);
  const onnx = exporter.dialog.getByTestId('export-onnx');
  await expect(onnx).toContainText(/model\.onnx written \(opset 17, dynamic batch; inputs image; outputs head\)/, {
    timeout: 120_000,
  });
  await expect(exporter.result.getByRole('list', { name: 'Exported files' })).toContainText('export_onnx.py');
  await editor.screenshot('export-onnx-01-written');
  const name = zip.suggestedFilename().replace(/\.zip$/, '');
  const file = resolve('test-results', `e2e-user-data-${port}`, 'documents', 'exports', name, 'model.onnx');
  expect(existsSync(file), file).toBe(true);
  const session = await ort.InferenceSession.create(file);
  expect(session.inputNames).toEqual(['image']);
  const r = await session.run({ image: new ort.Tensor('float32', new Float32Array(5 * 28 * 28), [5, 28, 28, 1]) });
  expect(r.head!.dims).toEqual([5, 10]);
  await session.release();
  expect(
    existsSync(join(resolve('test-results', `e2e-user-data-${port}`, 'documents', 'exports', name), 'weights.pt')),
  ).toBe(false); // no run: initial weights
});
