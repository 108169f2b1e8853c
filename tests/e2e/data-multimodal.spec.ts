/**
 * Multimodal example folders in the app: the Multimodal Perceiver template (image + audio) opened
 * from the library, a folder of examples (image.png, audio.wav, label.txt each) chosen in the
 * Dataset tab, both inputs fed per batch in a short run, results with a confusion matrix.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { PNG } from 'pngjs';
import { tempDir } from './dataFixtures';
import { DatasetPage } from './pages/DatasetPage';
import { EditorPage } from './pages/EditorPage';
import { LibraryPage } from './pages/LibraryPage';
import { TrainingPage } from './pages/TrainingPage';

test('multimodal example folders: both inputs bound by name, a short run, results', async ({ page }) => {
  test.setTimeout(150_000);
  const dir = tempDir('mm');
  try {
    execFileSync('node', ['scripts/gen-spoken-digits.mjs', '--out', join(dir, 'digits'), '--per-class', '6'], {
      stdio: 'pipe',
    });
  } catch (err) {
    test.skip(true, `needs espeak-ng: ${(err as Error).message.split('\n')[0]}`);
  }
  const root = join(dir, 'examples');
  for (const word of ['one', 'two']) {
    for (let i = 0; i < 6; i++) {
      const ex = join(root, `${word}${i}`);
      mkdirSync(ex, { recursive: true });
      copyFileSync(join(dir, 'digits', word, `000${i}.wav`), join(ex, 'audio.wav'));
      const png = new PNG({ width: 28, height: 28 });
      for (let p = 0; p < 28 * 28; p++) png.data.set(word === 'one' ? [240, 240, 240, 255] : [10, 10, 10, 255], p * 4);
      writeFileSync(join(ex, 'image.png'), PNG.sync.write(png));
      writeFileSync(join(ex, 'label.txt'), `${word}\n`);
    }
  }
  const editor = new EditorPage(page);
  const data = new DatasetPage(page);
  const training = new TrainingPage(page);
  const library = new LibraryPage(page);
  await editor.open();
  await library.open();
  const name = 'Multimodal Perceiver (image + audio → class)';
  await library.search('multimodal perceiver');
  await library
    .card(name, 'built-in')
    .getByRole('button', { name: `Open ${name}`, exact: true })
    .click();
  await expect(library.dialog).toBeHidden();
  await data.chooseFolder(root);
  await expect(data.summary).toContainText('examples: 12 examples · 2 classes · inputs [28, 28, 1] + [8192]');
  await expect(data.binding).toContainText('predicts 10 classes but the data has 2');
  await page.getByRole('button', { name: 'Fit the graph to the data' }).click();
  await expect(data.binding).toContainText('Fits the graph');
  await training.setShortRun(1, 4, 2);
  await training.trainButton.click();
  await expect(training.status).toHaveText(/Finished|Stopped/, { timeout: 120_000 });
  await expect(page.getByTestId('test-accuracy')).toContainText(/Test accuracy \d+\.\d\d%/);
  await expect(page.getByRole('table', { name: /Confusion matrix/ })).toContainText('two');
  await editor.screenshot('data-multimodal-01-results');
});
