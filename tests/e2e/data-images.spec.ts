/**
 * An image folder the test writes (three classes of 16×16 PNGs, one subfolder per class),
 * chosen in the Dataset tab of the default MNIST graph: previewed (resized to the input node's
 * 28×28×1), the graph fitted to 3 classes with one click, trained a few steps, and the results
 * show the misclassified test images with their predictions.
 */
import { expect, test } from '@playwright/test';
import { SHAPES, tempDir, writeImageFolder } from './dataFixtures';
import { DatasetPage } from './pages/DatasetPage';
import { EditorPage } from './pages/EditorPage';
import { TrainingPage } from './pages/TrainingPage';

test('image folder: choose, preview, fit the graph, train a few steps, results with a gallery of mistakes', async ({
  page,
}) => {
  test.setTimeout(150_000);
  const folder = writeImageFolder(tempDir('images'), 20);
  const editor = new EditorPage(page);
  const data = new DatasetPage(page);
  const training = new TrainingPage(page);
  await editor.open();

  await data.chooseFolder(folder);
  await expect(data.summary).toContainText('shapes: 60 examples · 3 classes · input [28, 28, 1]');
  // The default template's split: 20% test, 5% validation (templates/mnist-perceiver-io.json `data`),
  // but never fewer than min(30, 10%) held-out examples (issue 14): 6 rather than 3 of 60.
  await expect(data.sizes).toContainText('train 42 · validation 6 · test 12');
  // Only the preview's samples were decoded, not the folder.
  await expect(data.sizes).toContainText('12 images decoded for this preview');
  await expect(data.sampleImages).toHaveCount(12);
  await expect(data.classBalance).toHaveCount(3);
  for (const s of SHAPES) await expect(page.getByRole('list', { name: 'Class balance' })).toContainText(s);
  // The balance is the training split's, as it says (issue 17: it once counted all 60 images).
  await expect(page.getByRole('list', { name: 'Class balance' })).toContainText('training split, 42 examples');
  const perClass = await page.getByRole('list', { name: 'Class balance' }).locator('.balance-count').allTextContents();
  expect(perClass.map(Number).reduce((a, b) => a + b, 0)).toBe(42);
  await expect(data.boundTo).toContainText('Bound to shapes (image folder)');
  // The MNIST head predicts 10 classes: the panel says so and offers the fix.
  await expect(data.binding).toContainText('predicts 10 classes but the data has 3');
  await editor.screenshot('data-images-01-mismatch');
  await page.getByRole('button', { name: 'Fit the graph to the data' }).click();
  await expect(data.binding).toContainText('Fits the graph');
  await expect(editor.shapeOf('head')).toHaveText('[B, 3]');
  await editor.screenshot('data-images-02-preview');

  await training.set('Epochs', '1');
  await training.set('Batch size', '8');
  await training.set('Max steps per epoch', '3');
  await training.trainButton.click();
  await expect(training.backend).toContainText(/Backend (wasm|webgl|cpu)/, { timeout: 60_000 });
  await expect(training.loss).toContainText(/loss \d+\.\d{4}/, { timeout: 90_000 });
  // The Training panel states the same three splits as the Dataset tab (issue 17: it left out validation).
  await expect(training.data).toContainText('train 42 · validation 6 · test 12');
  await expect(training.status).toHaveText(/Finished|Stopped/, { timeout: 90_000 });
  await expect(page.getByTestId('test-accuracy')).toContainText(/Test accuracy \d+\.\d\d%/);
  await expect(page.getByTestId('test-loss')).toContainText(/on 12 held-back examples/);
  const wrong = Number((await page.getByTestId('test-loss').textContent())!.match(/\((\d+) misclassified\)/)![1]);
  const gallery = page
    .getByRole('figure')
    .filter({ has: page.locator('canvas') })
    .and(page.getByTestId('mistake'));
  await expect(gallery).toHaveCount(Math.min(wrong, 24));
  if (wrong > 0) {
    // Each tile names the true class and the prediction, and the image came from the folder.
    await expect(gallery.first()).toContainText(/(circle|cross|square)\s*→ (circle|cross|square)/);
    await expect(gallery.first().locator('canvas')).toHaveAttribute(
      'title',
      /shapes\/(circle|cross|square)\/.+\.png: true \w+, predicted \w+/,
    );
  } else await expect(page.getByTestId('no-mistakes')).toBeVisible();
  await page.getByRole('table', { name: /Confusion matrix/ }).scrollIntoViewIfNeeded();
  await editor.screenshot('data-images-03-results');
});
