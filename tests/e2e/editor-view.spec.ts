/**
 * The editor's view items of issue 5 (integration task): weight sharing drawn on the canvas
 * (tied repeats of a latent stack, the sharing schemes of a repeated cross-attend, a tied
 * embedding wire), entering a block with a breadcrumb back, and the light/dark theme.
 */
import { expect, test } from '@playwright/test';
import { EditorPage } from './pages/EditorPage';
import { LibraryPage } from './pages/LibraryPage';

test('tied repeats are marked and linked, and follow the parameters', async ({ page }) => {
  const editor = new EditorPage(page);
  await editor.open();
  const stack = editor.node('stack');
  await expect(stack.getByTestId('tied-stack')).toHaveText('tied ×2');
  await expect(stack.getByRole('img', { name: /applied 2 times with one set of weights \(tied\)/ })).toBeVisible();
  await expect(stack.locator('.tie-link')).toHaveCount(1);

  await editor.selectNode('stack');
  await editor.setParam('blocks', '4');
  await expect(stack.getByTestId('tied-stack')).toHaveText('tied ×4');
  await expect(stack.locator('.tie-link')).toHaveCount(3);
  await editor.screenshot('editor-view-01-tied-stack');

  // Untied: each repeat its own weights — no badge, no links, parameters grow.
  await page.getByRole('form').getByLabel('share weights', { exact: true }).uncheck();
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(stack.getByTestId('tied-stack')).toHaveCount(0);
  await expect(stack.getByRole('img', { name: /applied 4 times, each repeat with its own weights/ })).toBeVisible();
  await expect(stack.locator('.tie-link')).toHaveCount(0);
});

test('repeated cross-attends show their sharing scheme; a tied embedding wire is dashed', async ({ page }) => {
  const editor = new EditorPage(page);
  const library = new LibraryPage(page);
  await editor.open();
  await library.open();
  await library
    .card('MNIST Perceiver (raw pixels, repeated cross-attend)', 'built-in')
    .getByRole('button', { name: /^Open MNIST Perceiver \(raw/ })
    .first()
    .click();
  const rca = editor.node('perceiver');
  await expect(rca.getByTestId('tied-perceiver')).toContainText('tied:');
  await expect(rca.getByRole('img', { name: /cross-attends use \d weight sets?/ })).toBeVisible();
  await editor.screenshot('editor-view-02-repeated-cross-attend');

  await library.open();
  await library
    .card('Tiny byte-level masked language model', 'built-in')
    .getByRole('button', { name: 'Open Tiny byte-level masked language model', exact: true })
    .click();
  await expect(editor.edgeLabel('e9')).toContainText('tied ·');
  await expect(page.locator('.react-flow__edge[data-id="e9"] path.react-flow__edge-path')).toHaveAttribute(
    'style',
    /stroke-dasharray/,
  );
  await editor.screenshot('editor-view-03-tied-embedding');
});

test('enter a block: only its nodes, a breadcrumb back, Escape leaves', async ({ page }) => {
  const editor = new EditorPage(page);
  await editor.open();
  await editor.selectNode('encoder');
  await editor.selectNode('stack', { add: true });
  await editor.press('Control+g');
  await expect(page.getByTestId('group-block')).toBeVisible();
  await page.getByRole('button', { name: 'Enter block Block 1' }).click();
  await expect(editor.nodes()).toHaveCount(2);
  await expect(editor.node('encoder')).toBeVisible();
  await expect(editor.node('fourier')).toHaveCount(0);
  const crumbs = page.getByRole('navigation', { name: 'Breadcrumb' });
  await expect(crumbs).toContainText('MNIST Perceiver IO›Block 1');
  await editor.screenshot('editor-view-04-entered-block');
  // Editing inside works as anywhere: the inspector edits a member.
  const box = (await editor.canvas.boundingBox())!;
  await page.mouse.click(box.x + 40, box.y + box.height / 2); // empty canvas: clears the selection
  await editor.selectNode('stack');
  await editor.setParam('heads', '8');
  await expect(editor.node('stack')).toContainText('8 heads');
  await crumbs.getByRole('button', { name: 'Back to the whole graph MNIST Perceiver IO' }).click();
  await expect(editor.nodes()).toHaveCount(9);
  // Escape on the canvas leaves too.
  await page.getByRole('button', { name: 'Enter block Block 1' }).click();
  await expect(editor.nodes()).toHaveCount(2);
  await editor.focusCanvas();
  await editor.press('Escape');
  await expect(editor.nodes()).toHaveCount(9);
  await expect(crumbs).toHaveCount(0);
});

test('light/dark theme: toggled from the toolbar and the command palette, kept after a reload', async ({ page }) => {
  const editor = new EditorPage(page);
  await editor.open();
  const html = page.locator('html');
  await expect(html).toHaveAttribute('data-theme', 'dark');
  await page.getByRole('button', { name: 'Switch to the light theme' }).click();
  await expect(html).toHaveAttribute('data-theme', 'light');
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  expect(bg).toBe('rgb(244, 246, 250)');
  await editor.screenshot('editor-view-05-light');
  await page.reload();
  await expect(editor.totalParams).toHaveText('96,292');
  await expect(html).toHaveAttribute('data-theme', 'light');
  await page.keyboard.press('Control+k');
  const palette = page.getByRole('dialog', { name: 'Command palette' });
  await palette.getByRole('textbox').fill('theme');
  await palette.getByRole('option', { name: /^Toggle light\/dark theme/ }).click();
  await expect(html).toHaveAttribute('data-theme', 'dark');
});
