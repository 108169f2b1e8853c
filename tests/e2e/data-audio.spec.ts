/**
 * Data that does not fit the open graph, as a new user brings it: a CSV of 64 columns and a
 * folder of spoken digits (scripts/gen-spoken-digits.mjs, espeak-ng) chosen on the default image
 * graph. The Dataset tab names the disagreement, ▶ Train is disabled with the reason, and the
 * matching template opens fitted to the data; the audio one then trains a few steps and shows
 * test results with a confusion matrix.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { tempDir, writeCsv } from './dataFixtures';
import { DatasetPage } from './pages/DatasetPage';
import { EditorPage } from './pages/EditorPage';
import { TrainingPage } from './pages/TrainingPage';

function wideCsv(rows: number, cols: number): string {
  const lines = [[...Array.from({ length: cols }, (_, c) => `x${c}`), 'label'].join(',')];
  for (let r = 0; r < rows; r++)
    lines.push(
      [
        ...Array.from({ length: cols }, (_, c) => (((r * 7 + c * 13) % 17) / 17 + (r % 3)).toFixed(3)),
        `k${r % 3}`,
      ].join(','),
    );
  return lines.join('\n') + '\n';
}

test('a 64-column CSV on the image graph: Train disabled with the reason, Tabular Perceiver offered fitted to it', async ({
  page,
}) => {
  test.setTimeout(60_000);
  const editor = new EditorPage(page);
  const data = new DatasetPage(page);
  const training = new TrainingPage(page);
  await editor.open();
  await data.chooseFile(writeCsv(tempDir('wide'), 'wide.csv', wideCsv(90, 64)));
  await expect(data.summary).toContainText('wide.csv: 90 examples · 3 classes · input [64]');
  await expect(data.binding).toContainText(
    'The input node "image" expects examples of shape [28, 28, 1] but the data gives [64]',
  );
  await expect(training.trainButton).toBeDisabled();
  await expect(page.locator('#train-disabled-reason')).toContainText('The data does not fit the graph (Dataset tab)');
  const offer = page.getByRole('button', {
    name: 'This is a table of 64 numeric columns with 3 classes: open Tabular Perceiver fitted to it',
  });
  await expect(offer).toBeVisible();
  await editor.screenshot('data-fit-01-csv-offer');
  await offer.click();
  await expect(data.binding).toContainText('Fits the graph');
  await expect(training.trainButton).toBeEnabled();
  await expect(editor.shapeOf('table')).toHaveText('[B, 64, 32]');
  await expect(editor.shapeOf('head')).toHaveText('[B, 3]');
  await editor.screenshot('data-fit-02-csv-fitted');

  // 0 = "from the data": the inspector says auto with the size the loaded table resolves it to.
  await editor.selectNode('table');
  await editor.setParam('num columns', '0');
  await expect(page.getByTestId('auto-numColumns')).toHaveText('auto → 64');
  await expect(editor.shapeOf('table')).toHaveText('[B, 64, 32]');
  await expect(training.trainButton).toBeEnabled();
  await editor.screenshot('data-fit-03-auto');
});

test('a folder of spoken digits: Audio Perceiver offered, trains a few steps, results with a confusion matrix', async ({
  page,
}) => {
  test.setTimeout(180_000);
  const folder = join(tempDir('audio'), 'digits');
  try {
    execFileSync('node', ['scripts/gen-spoken-digits.mjs', '--out', folder, '--per-class', '4'], { stdio: 'pipe' });
  } catch (err) {
    test.skip(true, `scripts/gen-spoken-digits.mjs needs espeak-ng: ${(err as Error).message.split('\n')[0]}`);
  }
  const editor = new EditorPage(page);
  const data = new DatasetPage(page);
  const training = new TrainingPage(page);
  await editor.open();
  await data.chooseFolder(folder);
  await expect(data.summary).toContainText('digits: 40 examples · 10 classes · input [8192]');
  await expect(data.sizes).toContainText('clips decoded for this preview');
  await expect(training.trainButton).toBeDisabled();
  const offer = page.getByRole('button', {
    name: 'This is a folder of 40 audio clips in 10 classes: open Audio Perceiver fitted to it',
  });
  await expect(offer).toBeVisible();
  await editor.screenshot('data-audio-01-offer');
  await offer.click();
  await expect(data.binding).toContainText('Fits the graph');
  await expect(editor.shapeOf('patches')).toHaveText('[B, 128, 33]');
  await training.setShortRun(1, 8, 2);
  await training.trainButton.click();
  await expect(training.status).toHaveText(/Finished|Stopped/, { timeout: 120_000 });
  await expect(page.getByTestId('test-accuracy')).toContainText(/Test accuracy \d+\.\d\d%/);
  const matrix = page.getByRole('table', { name: /Confusion matrix/ });
  await expect(matrix).toBeVisible();
  await expect(matrix).toContainText('seven');
  await matrix.scrollIntoViewIfNeeded();
  await editor.screenshot('data-audio-02-results');
});
