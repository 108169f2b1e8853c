/**
 * The guards as a user meets them: a CSV whose values overflow the model (dropped onto the
 * window) makes the loss NaN and the run stops with the engine's message; a batch far too large
 * for the backend is refused before anything is allocated, with the estimate and what to shrink.
 */
import { expect, test } from '@playwright/test';
import { csvText } from './dataFixtures';
import { DatasetPage } from './pages/DatasetPage';
import { EditorPage } from './pages/EditorPage';
import { FilesPage } from './pages/FilesPage';
import { TrainingPage } from './pages/TrainingPage';

test('a diverging loss (huge values, no normalisation) stops the run with the NaN message', async ({ page }) => {
  test.setTimeout(120_000);
  const editor = new EditorPage(page);
  const data = new DatasetPage(page);
  const training = new TrainingPage(page);
  await editor.open();
  const d = await new FilesPage(page).openDialog();
  await d.getByRole('tab', { name: 'Templates' }).click();
  await d.getByRole('button', { name: /^Tabular Perceiver/ }).click();

  await data.dropFile('huge.csv', csvText(90, { scale: 1e38 }));
  // The drop switched to the Dataset tab and loaded the file.
  await expect(data.summary).toContainText('huge.csv: 90 examples · 3 classes · input [8]');
  await expect(page.getByTestId('data-stats')).toContainText(/max \d\.\d\de\+38/);
  await data.select('Normalisation').selectOption('none');
  await expect(data.select('Normalisation')).toHaveValue('none');
  await expect(data.binding).toContainText('Fits the graph');

  await training.set('Epochs', '2');
  await training.set('Max steps per epoch', '3');
  await training.trainButton.click();
  await expect(training.status).toHaveText('Diverged', { timeout: 90_000 });
  await expect(page.getByTestId('diverged')).toContainText(
    /The loss became (NaN|too large).* at epoch 1, step \d+; training stopped/,
  );
  await expect(page.getByTestId('diverged')).toContainText('Lower the learning rate');
  await expect(page.getByTestId('diverged')).toContainText('No epoch had finished, so there is no checkpoint');
  await expect(page.getByTestId('test-accuracy')).toHaveCount(0);
  await editor.screenshot('data-guards-01-diverged');
});

test('a model too large for the backend is refused before allocating, with the estimate and what to shrink', async ({
  page,
}) => {
  const editor = new EditorPage(page);
  const training = new TrainingPage(page);
  await editor.open();
  await training.set('Batch size', '65536');
  await training.trainButton.click();
  const refusal = page.getByTestId('memory-refusal');
  await expect(refusal).toContainText('Not started: the model would not fit in memory.', { timeout: 60_000 });
  await expect(refusal).toContainText(/Estimated training memory \d+\.\d\d GiB \(activations .* at batch 65536/);
  await expect(refusal).toContainText(/lower the batch size to \d+ or less/);
  await expect(training.status).toHaveText('Failed');
  await expect(training.loss).toHaveCount(0);
  await editor.screenshot('data-guards-02-memory');
});
