/**
 * Editing rough edges: double-click on empty canvas opens quick-add (not zoom), every template
 * opens with no two nodes on top of each other, a node that grows pushes its neighbour down,
 * pasted nodes land offset and in view, each tab keeps its own viewport, activation memory per
 * node on the node and in Costs.
 */
import { expect, test, type Page } from '@playwright/test';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EditorPage } from './pages/EditorPage';
import { overlapping, ShellPage } from './pages/ShellPage';

const templates = readdirSync(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'templates'))
  .filter((f) => f.endsWith('.json'))
  .sort();

const zoomOf = (page: Page) =>
  page.evaluate(() => {
    const t = getComputedStyle(document.querySelector('.react-flow__viewport')!).transform;
    return t === 'none' ? 1 : new DOMMatrix(t).a;
  });
const viewOf = (page: Page) =>
  page.evaluate(() => getComputedStyle(document.querySelector('.react-flow__viewport')!).transform);

test('double-click on empty canvas opens quick-add there and does not zoom', async ({ page }) => {
  const editor = new EditorPage(page);
  await editor.open();
  await page.waitForTimeout(400);
  const before = await zoomOf(page);
  const box = (await editor.canvas.boundingBox())!;
  await page.mouse.dblclick(box.x + box.width - 120, box.y + 90);
  const quick = page.getByRole('dialog', { name: 'Add node' });
  await expect(quick).toBeVisible();
  await page.waitForTimeout(300);
  expect(await zoomOf(page)).toBeCloseTo(before, 5);
  const count = await editor.nodes().count();
  await quick.getByRole('textbox', { name: 'Search node kinds' }).fill('Latent array');
  await page.keyboard.press('Enter');
  await expect(editor.nodes()).toHaveCount(count + 1);
});

test('every template opens with no two nodes overlapping', async ({ page }) => {
  test.setTimeout(240_000);
  const editor = new EditorPage(page);
  const shell = new ShellPage(page);
  await page.setViewportSize({ width: 1600, height: 1000 });
  await editor.open();
  const problems: string[] = [];
  for (const file of templates) {
    await shell.openTemplate(file);
    await expect(editor.notice).toContainText('Opened “');
    await page.waitForTimeout(500);
    await editor.fitView();
    const boxes = await shell.nodeBoxes();
    expect(boxes.length, file).toBeGreaterThan(2);
    for (const pair of overlapping(boxes)) problems.push(`${file}: ${pair}`);
    if (file === 'perceiver-io-multimodal-autoencoder.json' || file === 'mnist-perceiver.json')
      await editor.screenshot(`shell-template-${file.replace('.json', '')}`);
  }
  expect(problems).toEqual([]);
});

test('a node that grows to show an error pushes the node below it down', async ({ page }) => {
  const editor = new EditorPage(page);
  const shell = new ShellPage(page);
  await editor.open();
  await editor.fitView();
  // Bring the latent stack right under the encoder (a small gap), as a person might.
  const box = async (id: string) => (await shell.nodeBoxes()).find((b) => b.id === id)!;
  const enc = await box('encoder');
  const stack = await box('stack');
  await editor.moveNode('stack', 0, -(stack.y - (enc.y + enc.height)) + 8);
  const gap = (await box('stack')).y - ((await box('encoder')).y + (await box('encoder')).height);
  expect(gap).toBeGreaterThanOrEqual(0);
  expect(gap).toBeLessThan(20);
  // Its qk channels do not split into 5 heads: the encoder shows the error and grows.
  await editor.selectNode('encoder');
  await editor.setParam('heads', '5');
  await expect(editor.node('encoder').locator('.pnode-error')).toBeVisible();
  const grown = await box('encoder');
  expect(grown.height).toBeGreaterThan(enc.height + gap);
  await page.waitForTimeout(300);
  expect(overlapping(await shell.nodeBoxes())).toEqual([]);
  await editor.screenshot('shell-grown-node');
});

test('pasted nodes land offset from the originals and in view', async ({ page }) => {
  const editor = new EditorPage(page);
  const shell = new ShellPage(page);
  await editor.open();
  await editor.fitView();
  await editor.selectNode('head');
  await editor.focusCanvas();
  await editor.selectNode('head');
  await editor.press('Control+C');
  await editor.press('Control+V');
  await editor.press('Control+V');
  await expect(editor.nodes()).toHaveCount(11);
  await page.waitForTimeout(500);
  const boxes = await shell.nodeBoxes();
  const canvas = (await editor.canvas.boundingBox())!;
  const heads = boxes.filter((b) => b.id.startsWith('head'));
  expect(heads).toHaveLength(3);
  expect(overlapping(heads)).toEqual([]);
  for (const b of heads.filter((h) => h.id !== 'head')) {
    expect(b.x).toBeGreaterThanOrEqual(canvas.x);
    expect(b.y).toBeGreaterThanOrEqual(canvas.y);
    expect(b.x + b.width).toBeLessThanOrEqual(canvas.x + canvas.width + 1);
    expect(b.y + b.height).toBeLessThanOrEqual(canvas.y + canvas.height + 1);
  }
});

test('each tab keeps its own zoom and pan', async ({ page }) => {
  const editor = new EditorPage(page);
  const shell = new ShellPage(page);
  await editor.open();
  await editor.fitView();
  await editor.focusCanvas();
  await editor.press('Control+=');
  await editor.press('Control+=');
  await page.waitForTimeout(400);
  const mnistView = await viewOf(page);
  await shell.openTemplate('perceiver-io-optical-flow.json');
  await page.waitForTimeout(500);
  // The new tab is fitted to its own graph: all its nodes are in view.
  const canvas = (await editor.canvas.boundingBox())!;
  for (const b of await shell.nodeBoxes()) expect(b.y + b.height).toBeLessThanOrEqual(canvas.y + canvas.height + 1);
  const flowView = await viewOf(page);
  expect(flowView).not.toBe(mnistView);
  await shell.graphTab('MNIST Perceiver IO').click();
  await page.waitForTimeout(300);
  expect(await viewOf(page)).toBe(mnistView);
  await shell.graphTab(/optical flow/i).click();
  await page.waitForTimeout(300);
  expect(await viewOf(page)).toBe(flowView);
});

test('activation memory per node: on the node and in Costs beside params and FLOPs', async ({ page }) => {
  const editor = new EditorPage(page);
  const shell = new ShellPage(page);
  await editor.open();
  await expect(page.getByTestId('act-encoder')).toHaveText(/^\d+(\.\d)? (KiB|MiB|B) act\.$/);
  await shell.sidePanelTab('Costs').click();
  const table = page.getByRole('table', { name: 'Parameters and FLOPs per node, with activation memory' });
  await expect(table.getByRole('columnheader', { name: 'activations / example' })).toBeVisible();
  const onNode = (await page.getByTestId('act-encoder').textContent())!.replace(' act.', '');
  await expect(page.getByTestId('cost-act-encoder')).toHaveText(onNode);
});
