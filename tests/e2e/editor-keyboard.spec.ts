/**
 * Keyboard reachability: quick-add with Tab, the command palette, Find, arrow-key moves with
 * undo — and every control on screen has an accessible name.
 */
import { expect, test } from '@playwright/test';
import { EditorPage } from './pages/EditorPage';

test('add, find, lay out and move nodes from the keyboard', async ({ page }) => {
  const editor = new EditorPage(page);
  await editor.open();
  await editor.focusCanvas();
  await editor.press('Tab');
  const quick = page.getByRole('dialog', { name: 'Add node' });
  await quick.getByRole('textbox').fill('latent array');
  await editor.press('Enter');
  await expect(editor.nodes()).toHaveCount(10);
  await expect(editor.node('latentArray')).toBeVisible();

  await editor.press('Control+f');
  await page.getByRole('dialog', { name: 'Find node' }).getByRole('textbox').fill('decoder');
  await editor.press('Enter');
  await editor.panelTab('Inspector').click();
  await expect(page.getByRole('form', { name: 'Inspector for decoder' })).toBeVisible();

  await editor.press('Control+k');
  await page.getByRole('dialog', { name: 'Command palette' }).getByRole('textbox').fill('auto-layout');
  await editor.press('Enter');
  await expect(page.getByRole('button', { name: 'Undo' })).toBeEnabled();
  await page.waitForTimeout(500);
  await editor.screenshot('keyboard-01-layout');

  // Arrow keys move the selected node; each press is one undoable move.
  const before = await editor.node('head').boundingBox();
  await page.locator('.react-flow__node[data-id="head"]').focus();
  await editor.press('Enter'); // selects the focused node
  await editor.press('ArrowRight');
  await editor.press('ArrowRight');
  await expect.poll(async () => (await editor.node('head').boundingBox())!.x).toBeGreaterThan(before!.x);
  await editor.focusCanvas();
  await editor.press('Control+z');
  await editor.press('Control+z');
  await expect.poll(async () => Math.round((await editor.node('head').boundingBox())!.x)).toBe(Math.round(before!.x));
});

test('every visible control has an accessible name', async ({ page }) => {
  const editor = new EditorPage(page);
  await editor.open();
  for (const tab of ['Inspector', 'Training', 'Problems', 'Costs', 'Help']) {
    await editor.panelTab(tab).click();
    if (tab === 'Inspector') await editor.selectNode('stack');
    const unnamed = await page.evaluate(() => {
      const out: string[] = [];
      for (const el of document.querySelectorAll<HTMLElement>(
        'button, input, select, textarea, [role="button"], [role="tab"]',
      )) {
        if (el.offsetParent === null && (el as HTMLInputElement).type !== 'file') continue;
        const labelled =
          el.getAttribute('aria-label') ||
          (el.id && document.querySelector(`label[for="${el.id}"]`)?.textContent) ||
          el.closest('label')?.textContent ||
          el.textContent?.trim() ||
          el.getAttribute('title');
        if (!labelled) out.push(el.outerHTML.slice(0, 120));
      }
      return out;
    });
    expect(unnamed, `unnamed controls on the ${tab} tab`).toEqual([]);
  }
});
