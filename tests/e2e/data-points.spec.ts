/**
 * A ModelNet-style folder of meshes (scripts/gen-shapes.mjs: OFF and ascii / binary PLY) chosen
 * on the default image graph: the Dataset tab offers the Point-cloud Perceiver fitted to its 8
 * classes, which trains a few steps in the app's worker and shows test results.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { tempDir } from './dataFixtures';
import { DatasetPage } from './pages/DatasetPage';
import { EditorPage } from './pages/EditorPage';
import { TrainingPage } from './pages/TrainingPage';

test('a folder of meshes: Point-cloud Perceiver offered, trains a few steps, confusion matrix', async ({ page }) => {
  test.setTimeout(150_000);
  const folder = join(tempDir('points'), 'shapes');
  execFileSync('node', ['scripts/gen-shapes.mjs', '--out', folder, '--per-class', '5'], { stdio: 'pipe' });
  const editor = new EditorPage(page);
  const data = new DatasetPage(page);
  const training = new TrainingPage(page);
  await editor.open();
  await data.chooseFolder(folder);
  await expect(data.summary).toContainText('shapes: 40 examples · 8 classes · input [512, 3]');
  await expect(data.sizes).toContainText('point clouds decoded for this preview');
  await expect(training.trainButton).toBeDisabled();
  const offer = page.getByRole('button', {
    name: 'This is a folder of 40 point clouds / meshes in 8 classes: open Point-cloud Perceiver fitted to it',
  });
  await expect(offer).toBeVisible();
  await offer.click();
  await expect(data.binding).toContainText('Fits the graph');
  await expect(editor.shapeOf('points')).toHaveText('[B, 512, 75]');
  await training.setShortRun(1, 8, 2);
  await training.trainButton.click();
  await expect(training.status).toHaveText(/Finished|Stopped/, { timeout: 120_000 });
  await expect(page.getByTestId('test-accuracy')).toContainText(/Test accuracy \d+\.\d\d%/);
  const matrix = page.getByRole('table', { name: /Confusion matrix/ });
  await expect(matrix).toContainText('torus');
  await matrix.scrollIntoViewIfNeeded();
  await editor.screenshot('data-points-01-results');
});
