/**
 * Export from the app (issue 7, "the same from the app's Export menu"): the PyTorch package and
 * the tfjs web files of the graph in the editor, with the weights of the run just trained. The
 * web host writes the folder into its documents area and the browser downloads a .zip; the
 * PyTorch model with the exported weights must predict what the app's model predicted.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { EditorPage } from './pages/EditorPage';
import { ExportPage } from './pages/ExportPage';
import { InsightPage } from './pages/InsightPage';
import { TrainingPage } from './pages/TrainingPage';

const PYTHON = process.env.PERCEIVER_PYTHON ?? '/usr/bin/python3';

function unzip(zipPath: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'ps-export-app-'));
  const r = spawnSync('unzip', ['-q', zipPath, '-d', dir], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return dir;
}

const hasTorch = () => spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;

test('export without a run: PyTorch package with the MNIST data, written by the host and downloaded', async ({
  page,
}) => {
  const editor = new EditorPage(page);
  const exporter = new ExportPage(page);
  await editor.open();
  await exporter.open();
  await expect(exporter.withWeights).toBeDisabled();
  await expect(exporter.dialog).toContainText('no run yet');
  const zip = await exporter.exportAndDownload();
  expect(zip.suggestedFilename()).toMatch(/^mnist-perceiver-io-pytorch( \(\d+\))?\.zip$/);
  await expect(exporter.result).toContainText(
    /Exported 12 files \(\d+\.\d MB\) to documents\/exports\/mnist-perceiver-io-pytorch/,
  );
  await expect(exporter.result).toContainText('96,292 parameters · initial weights (no training)');
  await editor.screenshot('export-app-01-pytorch');
  const dir = unzip(await zip.path());
  const pkg = join(dir, zip.suggestedFilename().replace(/\.zip$/, ''));
  for (const f of [
    'model.py',
    'perceiver_layers.py',
    'train.py',
    'data.py',
    'export_onnx.py',
    'README.md',
    'config.json',
    'graph.json',
    'data/mnist.npz',
  ])
    expect(existsSync(join(pkg, f)), f).toBe(true);
  expect(existsSync(join(pkg, 'weights.pt'))).toBe(false);
  expect(readFileSync(join(pkg, 'README.md'), 'utf8')).toContain('96,292 parameters');
});

test('train, then export the trained weights to tfjs and PyTorch: PyTorch predicts what the app predicted', async ({
  page,
}) => {
  test.setTimeout(300_000);
  const editor = new EditorPage(page);
  const training = new TrainingPage(page);
  const exporter = new ExportPage(page);
  await editor.open();
  await training.setShortRun(1, 16, 30);
  await training.trainButton.click();
  await expect(training.status).toHaveText(/Done|Finished|Stopped/, { timeout: 180_000 });
  // All three splits of the built-in digits, stated as the Dataset tab states them (issue 17).
  await expect(training.data).toContainText(
    'MNIST (built-in, 10,000 digits): train 7,500 · validation 500 · test 2,000',
  );
  await training.data.scrollIntoViewIfNeeded();
  await editor.screenshot('export-app-01-run-splits');

  // tfjs web files with the trained weights: example.json holds the app model's own predictions.
  // The run is named as the Runs view names it (issue 17: the dialog said "run 4" where Runs said "#2").
  await exporter.open();
  await expect(exporter.withWeights).toBeChecked();
  await exporter.format('TensorFlow.js web files').check();
  const webZip = await exporter.exportAndDownload();
  await expect(exporter.result).toContainText('trained weights: MNIST Perceiver IO #1, 1 epoch completed');
  await expect(exporter.result.getByRole('list', { name: 'Exported files' })).toContainText('perceiver-layers.js');
  await editor.screenshot('export-app-02-tfjs-trained');
  const web = join(unzip(await webZip.path()), webZip.suggestedFilename().replace(/\.zip$/, ''));
  for (const f of [
    'model.json',
    'weights.bin',
    'perceiver-layers.js',
    'predict.mjs',
    'index.html',
    'example.json',
    'graph.json',
  ])
    expect(existsSync(join(web, f)), f).toBe(true);
  await exporter.close();

  // The same run as a PyTorch package.
  await exporter.open();
  await exporter.format('PyTorch package').check();
  await exporter.dialog.getByRole('checkbox', { name: /Include the MNIST digits/ }).uncheck();
  const ptZip = await exporter.exportAndDownload();
  await expect(exporter.result).toContainText('trained weights: MNIST Perceiver IO #1');
  const pt = join(unzip(await ptZip.path()), ptZip.suggestedFilename().replace(/\.zip$/, ''));
  expect(existsSync(join(pt, 'weights.pt'))).toBe(true);
  expect(existsSync(join(pt, 'weights.safetensors'))).toBe(true);
  expect(existsSync(join(pt, 'data', 'mnist.npz'))).toBe(false);
  expect(readFileSync(join(pt, 'README.md'), 'utf8')).toContain('MNIST Perceiver IO #1');

  test.skip(
    !hasTorch(),
    `${PYTHON} has no torch (Debian python3-torch); the parity check of the exported weights needs it`,
  );
  const script = `
import json, sys, torch
sys.path.insert(0, ${JSON.stringify(pt)})
from model import build_model
from perceiver_layers import load_weights
ex = json.load(open(${JSON.stringify(join(web, 'example.json'))}))
m = build_model(); load_weights(m, ${JSON.stringify(join(pt, 'weights.pt'))}); m.eval()
x = torch.tensor(ex['inputs'], dtype=torch.float32).reshape([ex['n']] + ex['inputShape'])
with torch.no_grad():
    out = m(x)
if isinstance(out, dict): out = list(out.values())[0]
if isinstance(out, (list, tuple)): out = out[0]
diff = (out.reshape(-1) - torch.tensor(ex['outputs'])).abs().max().item()
print(json.dumps({'maxAbsDiff': diff, 'same': out.argmax(-1).tolist() == ex['predictions']}))
`;
  const r = spawnSync(PYTHON, ['-c', script], { encoding: 'utf8', timeout: 120_000 });
  expect(r.status, r.stderr).toBe(0);
  const parity = JSON.parse(r.stdout.trim().split('\n').pop()!);
  expect(parity.same).toBe(true);
  expect(parity.maxAbsDiff).toBeLessThan(1e-4);
});

test('a graph changed since the run is not paired with its weights', async ({ page }) => {
  test.setTimeout(240_000);
  const editor = new EditorPage(page);
  const training = new TrainingPage(page);
  const exporter = new ExportPage(page);
  await editor.open();
  await training.setShortRun(1, 16, 5);
  await training.trainButton.click();
  await expect(training.status).toHaveText(/Done|Finished|Stopped/, { timeout: 180_000 });
  await editor.selectNode('stack');
  await editor.setParam('heads', '8');
  await exporter.open();
  await exporter.dialog.getByRole('button', { name: 'Export', exact: true }).click();
  await expect(exporter.dialog.getByRole('alert')).toContainText(
    /The graph has changed since MNIST Perceiver IO #1 trained it \(stack\.heads is 8 \(trained with 4\)\)/,
  );
  await editor.screenshot('export-app-03-changed');
  // Without the weights it exports the edited graph.
  await exporter.withWeights.uncheck();
  await exporter.exportAndDownload();
  await expect(exporter.result).toContainText('initial weights (no training)');
});

test('Export and Runs number a run alike, also after a reload (the worker counts runs from 1 again)', async ({
  page,
}) => {
  test.setTimeout(300_000);
  const editor = new EditorPage(page);
  const training = new TrainingPage(page);
  const exporter = new ExportPage(page);
  const insight = new InsightPage(page);
  await editor.open();
  await training.setShortRun(1, 16, 3);
  await training.trainButton.click();
  await expect(training.status).toHaveText(/Done|Finished|Stopped/, { timeout: 180_000 });
  // A reload starts a new worker (its run ids start at 1 again); the run history is kept.
  await editor.open();
  await training.setShortRun(1, 16, 3);
  await training.trainButton.click();
  await expect(training.status).toHaveText(/Done|Finished|Stopped/, { timeout: 180_000 });
  await insight.show('Runs');
  await expect(insight.runsTable.locator('tbody tr')).toHaveCount(2);
  await expect(insight.runsTable).toContainText('MNIST Perceiver IO #2');
  await exporter.open();
  await exporter.format('TensorFlow.js web files').check();
  await exporter.exportAndDownload();
  await expect(exporter.result).toContainText('trained weights: MNIST Perceiver IO #2, 1 epoch completed');
  await expect(exporter.result).not.toContainText(/run 1\b/);
  await editor.screenshot('export-app-04-run-name');
});
