/**
 * A text file for the masked-byte model: open templates/bytes-mlm-tiny.json from the Open
 * dialog's templates, choose a small .txt in the Dataset tab (windows of 128 bytes, hidden bytes
 * shown), train a few steps and read masked-token accuracy (not class accuracy, no confusion
 * matrix) in the training panel.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { tempDir } from './dataFixtures';
import { DatasetPage } from './pages/DatasetPage';
import { EditorPage } from './pages/EditorPage';
import { FilesPage } from './pages/FilesPage';
import { TrainingPage } from './pages/TrainingPage';

const prose =
  'Perceivers attend to their inputs through a small latent array. The cross-attention maps a large input onto the latents, and a stack of self-attention layers refines them. ';

test('text: masked bytes on a .txt file train and report masked-token accuracy', async ({ page }) => {
  test.setTimeout(150_000);
  const file = join(tempDir('text'), 'notes.txt');
  // 4,096 ASCII bytes: 32 windows of 128.
  writeFileSync(file, prose.repeat(30).slice(0, 4096));
  const editor = new EditorPage(page);
  const data = new DatasetPage(page);
  const training = new TrainingPage(page);
  await editor.open();
  const d = await new FilesPage(page).openDialog();
  await d.getByRole('tab', { name: 'Templates' }).click();
  await d.getByRole('button', { name: /^Tiny byte-level masked language model/ }).click();
  await expect(page.getByRole('tab', { name: /Tiny byte-level/ })).toBeVisible();

  await data.chooseFile(file);
  await expect(data.summary).toContainText(
    'notes.txt: 32 windows of 128 bytes · masked-byte targets (15% of the bytes hidden)',
  );
  await expect(data.boundTo).toContainText('Bound to notes.txt (text)');
  await expect(data.binding).toContainText('Fits the graph');
  await expect(page.getByTestId('text-samples').locator('pre')).toHaveCount(4);
  await expect(page.getByTestId('text-samples').locator('pre').first()).toContainText('_');
  await expect(page.getByRole('list', { name: 'Class balance' })).toHaveCount(0);

  await training.set('Epochs', '2');
  await training.set('Batch size', '8');
  await training.set('Max steps per epoch', '2');
  await training.trainButton.click();
  await expect(training.status).toHaveText(/Finished/, { timeout: 120_000 });
  const table = page.locator('table.epochs');
  await expect(table.locator('thead')).toContainText('masked acc');
  await expect(table.locator('tbody tr')).toHaveCount(2);
  await expect(table.locator('tbody tr').first()).toContainText(/\d+\.\d%/);
  await expect(page.getByTestId('test-accuracy')).toContainText(/Test masked-token accuracy \d+\.\d\d%/);
  await expect(page.getByTestId('test-loss')).toContainText(/test loss \d+\.\d{4} over the hidden bytes/);
  await expect(page.getByRole('table', { name: /Confusion matrix/ })).toHaveCount(0);
  await editor.screenshot('data-text-01-trained');
});
