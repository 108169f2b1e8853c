/**
 * Video folders in the app: the Video Perceiver opened from the library, a folder of class
 * folders holding clips (a folder of PNG frames per clip, or a .npy [T, H, W, C]) chosen in the
 * Dataset tab as the CLI reads it, the class count fitted, a short run, results; a frame of
 * another size is refused with the clip and frame named.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { PNG } from 'pngjs';
import { tempDir } from './dataFixtures';
import { DatasetPage } from './pages/DatasetPage';
import { EditorPage } from './pages/EditorPage';
import { LibraryPage } from './pages/LibraryPage';
import { TrainingPage } from './pages/TrainingPage';

test('video folders: clip folders of frames and .npy clips, fitted, a short run, results; a bad frame is named', async ({
  page,
}) => {
  test.setTimeout(150_000);
  const root = join(tempDir('video'), 'videos');
  execFileSync('node', ['scripts/gen-videos.mjs', '--out', root, '--per-class', '5'], { stdio: 'pipe' });
  const classes = readdirSync(root).filter((c) => statSync(join(root, c)).isDirectory());
  const editor = new EditorPage(page);
  const data = new DatasetPage(page);
  const training = new TrainingPage(page);
  const library = new LibraryPage(page);
  await editor.open();
  await library.open();
  const name = 'Video Perceiver (clip → class)';
  await library.search('video perceiver');
  await library
    .card(name, 'built-in')
    .getByRole('button', { name: `Open ${name}`, exact: true })
    .click();
  await expect(library.dialog).toBeHidden();
  await data.chooseFolder(root);
  await expect(data.summary).toContainText(
    `videos: ${classes.length * 5} examples · ${classes.length} classes · input [8, 32, 32, 3]`,
  );
  await expect(data.binding).toContainText(/Fits the graph|fit/i);
  const fit = page.getByRole('button', { name: 'Fit the graph to the data' });
  if (await fit.isVisible()) await fit.click();
  await expect(data.binding).toContainText('Fits the graph');
  await editor.screenshot('data-video-01-preview');
  await training.setShortRun(1, 4, 2);
  await training.trainButton.click();
  await expect(training.status).toHaveText(/Finished|Stopped/, { timeout: 120_000 });
  await expect(page.getByTestId('test-accuracy')).toContainText(/Test accuracy \d+\.\d\d%/);
  await expect(page.getByRole('table', { name: /Confusion matrix/ })).toContainText(classes[0]!);
  await editor.screenshot('data-video-02-results');

  // A frame of another size in one clip folder: the run stops with the clip and the frame named.
  const cls = join(root, classes[0]!);
  const clip = readdirSync(cls).find((c) => statSync(join(cls, c)).isDirectory())!;
  const frames = readdirSync(join(cls, clip)).sort();
  const png = new PNG({ width: 20, height: 20 });
  writeFileSync(join(cls, clip, frames[0]!), PNG.sync.write(png));
  await data.chooseFolder(root);
  await training.setShortRun(1, 4, 20);
  await training.trainButton.click();
  const refusal = page.getByText(/but the clip's first frame/).first();
  await expect(refusal).toBeVisible({ timeout: 90_000 });
  await expect(refusal).toContainText(`${classes[0]}/${clip}`);
  await expect(refusal).toContainText(`/${frames[0]}) is 20×20`);
  await editor.screenshot('data-video-03-bad-frame');
});
