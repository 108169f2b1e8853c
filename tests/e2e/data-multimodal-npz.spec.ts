/**
 * The tiny multimodal autoencoder in the app: opened from the library, a multimodal .npz (an
 * array per input node, y for the classes) chosen in the Dataset tab, its class head fitted, a
 * short run on all three heads (waveform and pixel reconstruction, class), and the run finishes.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { npz } from '../../engine/export/archive';
import { tempDir } from './dataFixtures';
import { DatasetPage } from './pages/DatasetPage';
import { EditorPage } from './pages/EditorPage';
import { LibraryPage } from './pages/LibraryPage';
import { TrainingPage } from './pages/TrainingPage';

test('multimodal .npz: the tiny autoencoder binds its arrays by name and trains its three heads', async ({ page }) => {
  test.setTimeout(150_000);
  const N = 40;
  const file = join(tempDir('mmnpz'), 'mm.npz');
  const image = new Float32Array(N * 784);
  const audio = new Float32Array(N * 2048);
  const y = new Int32Array(N);
  for (let i = 0; i < N; i++) {
    const c = i % 4;
    y[i] = c;
    for (let x = 0; x < 28; x++) image[i * 784 + (6 * c + 2) * 28 + x] = 1;
    for (let k = 0; k < 2048; k++) audio[i * 2048 + k] = 0.5 * Math.sin((2 * Math.PI * (c + 1) * k) / 256);
  }
  writeFileSync(
    file,
    npz({
      image: { shape: [N, 28, 28, 1], data: image },
      audio: { shape: [N, 2048], data: audio },
      y: { shape: [N], data: y },
    }),
  );
  const editor = new EditorPage(page);
  const data = new DatasetPage(page);
  const training = new TrainingPage(page);
  const library = new LibraryPage(page);
  await editor.open();
  await library.open();
  const name = 'Tiny multimodal autoencoder (image + audio + label)';
  await library.search('multimodal autoencoder');
  await library
    .card(name, 'built-in')
    .getByRole('button', { name: `Open ${name}`, exact: true })
    .click();
  await expect(library.dialog).toBeHidden();
  await data.chooseFile(file);
  await expect(data.summary).toContainText('inputs [28, 28, 1] + [2048] + [10]');
  await expect(data.binding).toContainText('predicts 10 classes but the data');
  await page.getByRole('button', { name: 'Fit the graph to the data' }).click();
  await expect(data.binding).toContainText('Fits the graph');
  await editor.screenshot('data-multimodal-npz-01-preview');
  await training.setShortRun(2, 8, 3);
  await training.trainButton.click();
  await expect(training.status).toHaveText(/Finished|Stopped/, { timeout: 120_000 });
  // Each head's own loss per epoch (train / validation), the label head with its weight.
  const perHead = page.getByRole('table', { name: 'Per-head losses' });
  await expect(perHead.getByRole('columnheader')).toHaveText(['epoch', 'audioOut', 'imageOut', 'labelOut ×0.1']);
  await expect(perHead.getByRole('row')).toHaveCount(3);
  await expect(perHead.getByRole('row').nth(2).getByRole('cell').nth(1)).toHaveText(
    /^\d\.\d+(e-\d+)? \/ \d\.\d+(e-\d+)?$/,
  );
  await perHead.scrollIntoViewIfNeeded();
  await editor.screenshot('data-multimodal-npz-02-results');
});
