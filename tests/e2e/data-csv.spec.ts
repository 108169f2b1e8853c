/**
 * A CSV the test writes (8 numeric features + a named class column), loaded in the Dataset tab
 * of the tabular template, previewed, bound, trained a few steps with Pause/Resume, stopped,
 * results shown, then resumed from the per-epoch checkpoint. The binding is saved with the graph
 * and, after a reload, the panel asks for the file again.
 */
import { expect, test, type Page } from '@playwright/test';
import { csvText, tempDir, writeCsv } from './dataFixtures';
import { DatasetPage } from './pages/DatasetPage';
import { EditorPage } from './pages/EditorPage';
import { FilesPage } from './pages/FilesPage';
import { TrainingPage } from './pages/TrainingPage';

async function openTabularTemplate(page: Page): Promise<void> {
  const d = await new FilesPage(page).openDialog();
  await d.getByRole('tab', { name: 'Templates' }).click();
  await d.getByRole('button', { name: /^Tabular Perceiver/ }).click();
  await expect(page.getByRole('tab', { name: /Tabular Perceiver/ })).toBeVisible();
}

test('CSV: choose, preview, bind, train with pause, stop, results, resume from checkpoint', async ({ page }) => {
  test.setTimeout(150_000);
  const csv = writeCsv(tempDir('csv'), 'flowers.csv', csvText(150));
  const editor = new EditorPage(page);
  const data = new DatasetPage(page);
  const training = new TrainingPage(page);
  await editor.open();
  await openTabularTemplate(page);

  await data.chooseFile(csv);
  await expect(data.summary).toContainText('flowers.csv: 150 examples · 3 classes · input [8]');
  // The template's split (15% / 15%) and standardisation are kept from the graph's binding.
  await expect(data.sizes).toContainText('train 104 · validation 23 · test 23');
  await expect(data.binding).toContainText('Fits the graph');
  await expect(data.select('Target column')).toHaveValue('species');
  await expect(data.select('Normalisation')).toHaveValue('standardize');
  await expect(data.classBalance).toHaveCount(3);
  await expect(data.classBalance.first()).toContainText('setosa');
  await expect(data.firstRows).toHaveCount(8);
  await expect(data.boundTo).toContainText('Bound to flowers.csv (CSV)');
  // Choosing a feature as the target re-reads the file: the class names are now features and
  // the error names the file, line and column.
  await data.select('Target column').selectOption('f1');
  await expect(data.error).toContainText(
    'flowers.csv, line 2, column "species": the feature cell has "setosa", which is not a number',
  );
  await data.select('Target column').selectOption('species');
  await expect(data.error).toHaveCount(0);
  await expect(data.binding).toContainText('Fits the graph');
  await editor.screenshot('data-csv-01-preview');

  await training.set('Epochs', '30');
  await training.set('Batch size', '16');
  await training.set('Max steps per epoch', '3');
  await training.trainButton.click();
  await expect(training.backend).toContainText(/Backend (wasm|webgl|cpu)/, { timeout: 60_000 });
  await expect(page.getByTestId('checkpoint')).toContainText(/Checkpoint kept after epoch \d+/, { timeout: 90_000 });

  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  await expect(training.status).toHaveText('Paused');
  const stepsAtPause = await page.getByTestId('run-stats').textContent();
  await page.waitForTimeout(1500);
  await expect(page.getByTestId('run-stats')).toHaveText(stepsAtPause!);
  await page.getByRole('button', { name: 'Resume', exact: true }).click();
  await expect(training.status).toHaveText('Training…');
  await expect(page.getByTestId('run-stats')).not.toHaveText(stepsAtPause!, { timeout: 30_000 });

  await page.getByRole('button', { name: 'Stop run' }).click();
  await expect(training.status).toHaveText(/Stopped|Stopped early|Finished/, { timeout: 60_000 });
  await expect(page.getByTestId('test-accuracy')).toContainText(/Test accuracy \d+\.\d\d%/);
  await expect(page.getByTestId('test-loss')).toContainText(/test loss \d+\.\d{4} on 23 held-back examples/);
  await expect(page.getByRole('table', { name: /Confusion matrix/ }).locator('tbody tr')).toHaveCount(3);
  await expect(
    page
      .getByRole('table', { name: /Confusion matrix/ })
      .locator('tbody th')
      .nth(1),
  ).toHaveAttribute('title', 'versicolor');
  await expect(page.getByRole('table', { name: 'Per-class accuracy' }).locator('tr')).toHaveCount(3);
  await expect(page.getByRole('table', { name: 'Per-class accuracy' })).toContainText(/virginica\s*\d+\.\d%/);
  const wrong = Number((await page.getByTestId('test-loss').textContent())!.match(/\((\d+) misclassified\)/)![1]);
  await expect(page.getByTestId('mistake')).toHaveCount(Math.min(wrong, 24));
  await page.getByTestId('test-accuracy').scrollIntoViewIfNeeded();
  await editor.screenshot('data-csv-02-results');

  // A later run continues from the newest checkpoint.
  const stored = page.getByTestId('stored-checkpoint');
  await expect(stored).toContainText(/Checkpoint after epoch \d+/);
  const epoch = Number((await stored.textContent())!.match(/after epoch (\d+)/)![1]);
  await stored.getByRole('button', { name: `Resume from epoch ${epoch}` }).click();
  await expect(page.getByText(`Resumed from the checkpoint after epoch ${epoch}.`)).toBeVisible({ timeout: 60_000 });
  await expect(page.locator('table.epochs tbody tr').first().locator('td').first()).toHaveText(String(epoch + 1), {
    timeout: 60_000,
  });
  await page.getByRole('button', { name: 'Stop run' }).click();
  await expect(training.status).toHaveText(/Stopped|Stopped early|Finished/, { timeout: 60_000 });
  await editor.screenshot('data-csv-03-resumed');

  // The binding is saved with the graph; after a reload the file must be chosen again.
  await new FilesPage(page).save();
  await expect(editor.notice).toContainText(/Saved “.+”/);
  const savedName = (await editor.notice.textContent())!.match(/Saved “(.+)”/)![1]!;
  await page.reload();
  await expect(editor.totalParams).not.toHaveText('', { timeout: 30_000 });
  await new FilesPage(page).openSaved(savedName);
  await data.show();
  await expect(data.boundTo).toContainText('Bound to flowers.csv (CSV)');
  await expect(data.repick).toContainText('choose flowers.csv again');
  await expect(data.select('Normalisation')).toHaveCount(0);
  await data.chooseFile(csv);
  await expect(data.summary).toContainText('flowers.csv: 150 examples');
  await expect(data.repick).toHaveCount(0);
});
