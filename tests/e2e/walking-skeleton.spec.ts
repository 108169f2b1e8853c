/**
 * The walking-skeleton path as a person: open → see 96,292 → Train a few steps → see progress
 * and a loss → Stop → Save → reopen → identical graph. Plus: a bad file leaves the graph alone.
 */
import { expect, test } from '@playwright/test';
import { EditorPage } from './pages/EditorPage';
import { FilesPage } from './pages/FilesPage';
import { TrainingPage } from './pages/TrainingPage';

test('opens on the default template with shapes, params and totals', async ({ page }) => {
  const editor = new EditorPage(page);
  await editor.open();
  await expect(editor.totalParams).toHaveText('96,292');
  await expect(editor.nodes()).toHaveCount(9);
  await expect(editor.node('fourier')).toContainText('Fourier');
  await expect(editor.shapeOf('fourier')).toHaveText('[B, 49, 42]');
  await expect(editor.shapeOf('head')).toHaveText('[B, 10]');
  await expect(editor.edgeLabel('e4')).toHaveText('[B, 49, 42]');
  await expect(editor.node('stack')).toContainText('2 layers × 2 blocks (shared), 4 heads');
  await expect(page.getByRole('button', { name: /0 errors/ })).toBeVisible();
  await editor.screenshot('skeleton-01-open');
});

test('train a few steps, stop, save, reopen identical', async ({ page }) => {
  test.setTimeout(240_000);
  const editor = new EditorPage(page);
  const training = new TrainingPage(page);
  const files = new FilesPage(page);
  await editor.open();

  await training.setShortRun(1, 16, 400);
  await training.trainButton.click();
  await expect(training.backend).toContainText(/Backend (wasm|webgl|cpu)/, { timeout: 60_000 });
  await expect(training.loss).toContainText(/loss \d+\.\d{4}/, { timeout: 120_000 });
  // The canvas stays responsive while the worker trains: a node can be selected and inspected.
  await editor.selectNode('encoder');
  await editor.panelTab('Inspector').click();
  await expect(page.getByRole('form', { name: 'Inspector for encoder' })).toBeVisible();
  await training.show();
  await expect(training.progress).toHaveAttribute('aria-valuenow', /\d+/);
  await editor.screenshot('skeleton-02-training');
  await training.stopButton.click();
  await expect(training.status).toHaveText('Stopped', { timeout: 60_000 });
  await expect(page.getByTestId('test-accuracy')).toContainText(/Test accuracy \d+\.\d\d%/, { timeout: 60_000 });
  await editor.screenshot('skeleton-03-stopped');

  // The settings edits made the graph dirty; save it through the host.
  await expect(page.getByRole('tab', { name: /unsaved changes/ })).toBeVisible();
  await files.save();
  await expect(editor.notice).toContainText(/Saved “.+”/);
  await expect(page.getByRole('tab', { name: /unsaved changes/ })).toHaveCount(0);
  const savedName = (await editor.notice.textContent())!.match(/Saved “(.+)”/)![1]!;

  // Change the open graph, then reopen the saved file in a new tab: it is the graph as saved.
  await editor.selectNode('stack');
  await editor.setParam('heads', '8');
  await files.openSaved(savedName);
  await expect(page.getByRole('tab', { name: /MNIST Perceiver IO/ })).toHaveCount(2);
  await expect(editor.totalParams).toHaveText('96,292');
  await expect(editor.node('stack')).toContainText('4 heads');
  await training.show();
  await expect(training.field('Epochs')).toHaveValue('1');
  await expect(training.field('Batch size')).toHaveValue('16');
  await editor.screenshot('skeleton-04-reopened');
});

test('a malformed, truncated or wrong-version file is refused and the graph stays as it was', async ({ page }) => {
  const editor = new EditorPage(page);
  const files = new FilesPage(page);
  await editor.open();
  await editor.selectNode('latents');
  await editor.setParam('num latents', '16');
  const before = await editor.totalParams.textContent();

  await files.upload('broken.json', '{"schemaVersion": 1, "name": "x", "nodes": [');
  await expect(editor.notice).toContainText(/"broken\.json" is not valid JSON/);
  await page.getByRole('button', { name: 'Cancel' }).click();

  await files.upload('future.json', JSON.stringify({ schemaVersion: 99, name: 'x', nodes: [], edges: [] }));
  await expect(editor.notice).toContainText(/schemaVersion 99, newer than this app/);
  await page.getByRole('button', { name: 'Cancel' }).click();

  await files.upload(
    'bad-node.json',
    JSON.stringify({ schemaVersion: 1, name: 'x', nodes: [{ id: 'a b', kind: 'ImageInput' }], edges: [] }),
  );
  await expect(editor.notice).toContainText(/nodes\[0\]/);
  await editor.screenshot('skeleton-05-bad-file');
  await page.getByRole('button', { name: 'Cancel' }).click();

  await expect(page.getByRole('tablist', { name: 'Open graphs' }).getByRole('tab')).toHaveCount(1);
  await expect(editor.totalParams).toHaveText(before!);
  await expect(editor.node('latents')).toContainText('16');
});
