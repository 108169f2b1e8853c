/**
 * Insight as a person uses it: train the MNIST template a few steps, open the attention view,
 * pick a latent and see it drawn over the digit; read the per-epoch diagnostics; find the run in
 * the history, export it and restore its graph; run a 2-variant sweep and see both points.
 */
import { expect, test, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { EditorPage } from './pages/EditorPage';
import { InsightPage } from './pages/InsightPage';
import { TrainingPage } from './pages/TrainingPage';

/** Screenshots go to test-results/ (INSIGHT_SHOTS overrides it, for runs beside other specs). */
const shot = (page: Page, name: string) =>
  page.screenshot({ path: `${process.env.INSIGHT_SHOTS ?? 'test-results'}/${name}.png` });

test('attention over the digit, latent diagnostics, and the run in the history', async ({ page }) => {
  test.setTimeout(180_000);
  const editor = new EditorPage(page);
  const training = new TrainingPage(page);
  const insight = new InsightPage(page);
  await editor.open();

  await training.setShortRun(2, 16, 3);
  await training.trainButton.click();
  await expect(training.status).toHaveText('Finished', { timeout: 150_000 });

  await insight.show('Attention');
  await expect(insight.mainMap).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('attention-meta')).toContainText('after epoch 2');
  await expect(page.getByTestId('attention-prediction')).toContainText(/label \d → predicted \d/);
  // 32 latents as small multiples, one decoder query reading the latents.
  await expect(insight.allLatents.locator('canvas')).toHaveCount(32);
  await expect(insight.decoderMap).toBeVisible();

  await insight.pickLatent(5);
  await expect(insight.mainMap).toHaveAttribute('data-latent', '4');
  const first = await insight.canvasStats(insight.mainMap);
  // A heat map over a grey digit: many colours, and most of the picture tinted by the overlay.
  expect(first.colours).toBeGreaterThan(10);
  expect(first.tinted / first.pixels).toBeGreaterThan(0.5);
  const peak5 = await insight.mainMap.getAttribute('data-peak');
  // Picking another latent from the small multiples redraws the map for that latent.
  await insight.allLatents.getByRole('img', { name: 'Latent 12', exact: true }).click();
  await expect(insight.mainMap).toHaveAttribute('data-latent', '11');
  expect(await insight.mainMap.getAttribute('data-peak')).not.toBe(peak5);
  await page.getByRole('combobox', { name: 'Head' }).selectOption('mean');
  await shot(page, 'insight-01-attention');

  // A PNG of the map.
  const png = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export map PNG' }).click();
  const pngFile = await (await png).path();
  expect(readFileSync(pngFile).subarray(1, 4).toString()).toBe('PNG');

  await insight.show('Diagnostics');
  await expect(page.getByTestId('diagnostics-summary')).toContainText(/Epoch 2: 32 latents over 49 keys/);
  await insight.expectPoints('chart-entropy', 6); // mean, min, max × 2 epochs
  await expect(insight.chart('chart-gradients')).toHaveAttribute('data-points', /^(1[0-9]|[2-9][0-9])$/); // ≥ 10: every block, 2 epochs
  await expect(page.getByTestId('similarity-matrix')).toBeVisible();
  await shot(page, 'insight-02-diagnostics');

  await insight.show('Runs');
  await expect(insight.runsTable.locator('tbody tr')).toHaveCount(1);
  await expect(insight.runsTable.locator('tbody tr').first()).toContainText(/MNIST Perceiver IO #1/);
  await expect(insight.runsTable.locator('tbody tr').first()).toContainText(/\d+\.\d%/);
  const csv = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export CSV' }).click();
  const csvText = readFileSync(await (await csv).path(), 'utf8');
  expect(csvText.split('\n')[0]).toMatch(/^name,status,started,backend,data,params/);
  expect(csvText.split('\n')[1]).toMatch(/^MNIST Perceiver IO #1,done,/);
  await insight.expectPoints('runs-overlay', 2);
  await shot(page, 'insight-03-runs');

  // Restore opens the run's graph in a new tab; the current graph stays.
  await page.getByRole('button', { name: /^Restore the graph of MNIST Perceiver IO #1/ }).click();
  await expect(page.getByRole('tablist', { name: 'Open graphs' }).getByRole('tab')).toHaveCount(2);
  await expect(
    page.getByRole('tablist', { name: 'Open graphs' }).getByRole('tab', { name: /from MNIST Perceiver IO #1/ }),
  ).toBeVisible();
  await expect(editor.totalParams).toHaveText('96,292');

  // The history survives a reload (IndexedDB).
  await page.reload();
  await insight.show('Runs');
  await expect(insight.runsTable.locator('tbody tr')).toHaveCount(1);
});

test('a 2-variant sweep trains both and draws both points', async ({ page }) => {
  test.setTimeout(180_000);
  const editor = new EditorPage(page);
  const insight = new InsightPage(page);
  await editor.open();
  await new TrainingPage(page).set('Batch size', '16');

  await insight.show('Sweep');
  await insight.sweepAxis(1, 'latents', 'numLatents', '8, 16');
  await page.getByRole('textbox', { name: 'Epochs per variant' }).fill('1');
  await page.getByRole('textbox', { name: 'Sweep steps per epoch' }).fill('2');
  await expect(page.getByTestId('sweep-preview')).toContainText('2 variants');
  await page.getByRole('button', { name: 'Run sweep' }).click();
  await expect(page.getByTestId('sweep-status')).toHaveText('Sweep finished', { timeout: 170_000 });
  await expect(insight.sweepTable.locator('tbody tr[data-status="done"]')).toHaveCount(2);
  await expect(insight.sweepTable.getByTestId('sweep-accuracy').first()).toHaveText(/\d+\.\d%/);
  await insight.expectPoints('sweep-chart-param', 2);
  await insight.expectPoints('sweep-chart-size', 2);
  await insight.expectPoints('sweep-chart-time', 2);
  await expect(insight.sweepTable).toContainText('★');
  await shot(page, 'insight-04-sweep');

  await insight.show('Runs');
  await expect(insight.runsTable.locator('tbody tr')).toHaveCount(2);
  await expect(insight.runsTable).toContainText('sweep latents.numLatents=8');
  await expect(insight.runsTable).toContainText('sweep latents.numLatents=16');
});

test('the original Perceiver: each successive cross-attend side by side and played in order', async ({ page }) => {
  test.setTimeout(180_000);
  const editor = new EditorPage(page);
  const training = new TrainingPage(page);
  const insight = new InsightPage(page);
  await editor.open();
  await page.getByRole('button', { name: 'Open…', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Open a graph' });
  await dialog.getByRole('tab', { name: 'Templates' }).click();
  await dialog.getByRole('button', { name: /^MNIST Perceiver \(raw pixels, repeated cross-attend\)/ }).click();
  await expect(editor.totalParams).toHaveText('80,508');

  await training.set('Batch size', '8');
  await training.set('Max steps per epoch', '200');
  await training.trainButton.click();
  await expect(training.loss).toContainText(/loss \d+\.\d{4}/, { timeout: 120_000 });

  // The model is asked while it trains: answered between steps.
  await insight.show('Attention');
  await expect(insight.mainMap).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('attention-meta')).toContainText('training');
  await expect(insight.sequenceRow.locator('canvas')).toHaveCount(2);
  await expect(insight.sequenceStep).toHaveText('cross-attend 1 / 2');
  await expect(insight.mainMap).toHaveAttribute('data-step', '0');
  // Pixels are the tokens: a 28×28 grid over the 28×28 digit.
  await expect(page.getByText('28×28 grid')).toBeVisible();
  const step1 = await insight.mainMap.getAttribute('data-peak');

  await page.getByRole('button', { name: 'Step ›' }).click();
  await expect(insight.sequenceStep).toHaveText('cross-attend 2 / 2');
  await expect(insight.mainMap).toHaveAttribute('data-step', '1');
  expect(await insight.mainMap.getAttribute('data-peak')).not.toBe(step1);
  const stats = await insight.canvasStats(insight.mainMap);
  expect(stats.colours).toBeGreaterThan(10);
  await shot(page, 'insight-05-repeated-cross-attend');

  // Play cycles through the cross-attends by itself; Pause holds it.
  await page.getByRole('button', { name: '▶ Play' }).click();
  await expect(insight.sequenceStep).toHaveText('cross-attend 1 / 2', { timeout: 5_000 });
  await expect(insight.sequenceStep).toHaveText('cross-attend 2 / 2', { timeout: 5_000 });
  await page.getByRole('button', { name: '❚❚ Pause' }).click();
  const held = await insight.sequenceStep.textContent();
  await page.waitForTimeout(1_200);
  await expect(insight.sequenceStep).toHaveText(held!);

  await training.show();
  await training.stopButton.click();
  await expect(training.status).toHaveText('Stopped', { timeout: 60_000 });
});
