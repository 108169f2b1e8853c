/**
 * Layout and text at common window sizes: every side-panel tab is reachable, the active graph tab
 * stays in view however many graphs are open, and no text in the app is cut (an element whose
 * scrollWidth exceeds its width) at 1280×800 and 1920×1080 — the editor, each side-panel tab,
 * and the dialogs.
 */
import { expect, test, type Page } from '@playwright/test';
import { EditorPage } from './pages/EditorPage';
import { ShellPage } from './pages/ShellPage';
import { TrainingPage } from './pages/TrainingPage';

for (const size of [
  { width: 1600, height: 1000 },
  { width: 1280, height: 800 },
]) {
  test(`at ${size.width}×${size.height} every side-panel tab is on screen and the active graph tab stays visible`, async ({
    page,
  }) => {
    await page.setViewportSize(size);
    const editor = new EditorPage(page);
    const shell = new ShellPage(page);
    await editor.open();
    const tabs = page.getByRole('tablist', { name: 'Side panel tabs' }).getByRole('tab');
    const panel = (await page.locator('.right-panel').boundingBox())!;
    for (let i = 0; i < (await tabs.count()); i++) {
      const b = (await tabs.nth(i).boundingBox())!;
      expect(b.x, await tabs.nth(i).innerText()).toBeGreaterThanOrEqual(panel.x - 1);
      expect(b.x + b.width, await tabs.nth(i).innerText()).toBeLessThanOrEqual(panel.x + panel.width + 1);
    }
    await shell.sidePanelTab('Help').click();
    await expect(shell.sidePanelTab('Help')).toHaveAttribute('aria-selected', 'true');
    // Many graphs open: the newest (active) tab is scrolled into the strip.
    for (const f of [
      'perceiver-io-optical-flow.json',
      'perceiver-io-multimodal-autoencoder.json',
      'perceiver-imagenet.json',
      'perceiver-io-mlm.json',
      'perceiver-io-imagenet-learned.json',
    ])
      await shell.openTemplate(f);
    const strip = (await page.getByRole('tablist', { name: 'Open graphs' }).boundingBox())!;
    const active = page.getByRole('tablist', { name: 'Open graphs' }).locator('[role=tab][aria-selected=true]');
    await expect(active).toBeVisible();
    await page.waitForTimeout(300);
    const a = (await active.boundingBox())!;
    expect(a.x).toBeGreaterThanOrEqual(strip.x - 1);
    expect(a.x + a.width).toBeLessThanOrEqual(strip.x + strip.width + 1);
    // Switching back to the first one scrolls it into view again.
    await page.getByRole('tablist', { name: 'Open graphs' }).getByRole('tab').first().click();
    await page.waitForTimeout(300);
    const first = (await page.getByRole('tablist', { name: 'Open graphs' }).getByRole('tab').first().boundingBox())!;
    expect(first.x).toBeGreaterThanOrEqual(strip.x - 1);
  });
}

async function clippedEverywhere(page: Page): Promise<string[]> {
  const shell = new ShellPage(page);
  const found = new Set<string>();
  const note = async (where: string) => {
    await page.waitForTimeout(250);
    for (const c of await shell.clippedText()) found.add(`${where}: ${c}`);
  };
  await note('editor');
  for (const t of ['Inspector', 'Dataset', 'Training', 'Problems', 'Insight', 'Costs', 'Help']) {
    await shell.sidePanelTab(t).click();
    await note(t);
  }
  await new EditorPage(page).selectNode('stack');
  await shell.sidePanelTab('Inspector').click();
  await note('Inspector with a node');
  await page.getByRole('button', { name: 'Template library…', exact: true }).click();
  await note('Library');
  await page.keyboard.press('Escape');
  await page.getByRole('button', { name: 'Export model (PyTorch / tfjs)…', exact: true }).click();
  await note('Export');
  await page.keyboard.press('Escape');
  await new EditorPage(page).focusCanvas();
  await page.keyboard.press('?');
  await note('Shortcuts');
  await page.keyboard.press('Escape');
  return [...found];
}

for (const size of [
  { width: 1280, height: 800 },
  { width: 1920, height: 1080 },
]) {
  test(`no text is cut at ${size.width}×${size.height}`, async ({ page }) => {
    test.setTimeout(240_000);
    await page.setViewportSize(size);
    const editor = new EditorPage(page);
    await editor.open();
    expect(await clippedEverywhere(page)).toEqual([]);
  });
}

test('after a short run, the training chart, results and runs have no cut text (1280×800)', async ({ page }) => {
  test.setTimeout(240_000);
  await page.setViewportSize({ width: 1280, height: 800 });
  const editor = new EditorPage(page);
  const shell = new ShellPage(page);
  const training = new TrainingPage(page);
  await editor.open();
  await training.setShortRun(1, 32, 20);
  await training.trainButton.click();
  await expect(shell.runEnd).toBeVisible({ timeout: 180_000 });
  await shell.sidePanelTab('Training').click();
  await page.waitForTimeout(500);
  const clipped = await shell.clippedText();
  await shell.sidePanelTab('Insight').click();
  await page.waitForTimeout(500);
  clipped.push(...(await shell.clippedText()));
  await page.screenshot({ path: 'test-results/shell-after-run.png' });
  expect(clipped).toEqual([]);
});
