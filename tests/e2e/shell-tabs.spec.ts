/**
 * No lost work in the tab strip: closing a changed tab asks Save / Don't save / Cancel, a closed
 * tab comes back with Ctrl+Shift+T, and a reload reopens the window's tabs (unsaved ones unsaved).
 */
import { expect, test } from '@playwright/test';
import { EditorPage } from './pages/EditorPage';
import { SessionPage, hostCall } from './pages/SessionPage';
import { ShellPage } from './pages/ShellPage';

const stamp = Date.now().toString(36);

test('closing a changed tab asks first; Ctrl+Shift+T reopens a closed tab as it was', async ({ page }) => {
  const editor = new EditorPage(page);
  const shell = new ShellPage(page);
  const session = new SessionPage(page);
  await editor.open();
  await shell.newGraph();
  const name = `Close me ${stamp}`;
  await session.renameGraph(/^Untitled/, name);
  await editor.dragKindToCanvas('Latent array', { x: 300, y: 200 });
  await expect(editor.nodes()).toHaveCount(1);
  await expect(shell.graphTab(`${name} (unsaved changes)`)).toBeVisible();

  // Cancel: nothing happens.
  await shell.closeButton(name).click();
  await expect(shell.closePrompt).toBeVisible();
  await expect(shell.closePrompt).toContainText(`Save the changes to “${name}”?`);
  await editor.screenshot('shell-close-prompt');
  await shell.closePrompt.getByRole('button', { name: 'Cancel' }).click();
  await expect(shell.closePrompt).toBeHidden();
  await expect(shell.graphTab(`${name} (unsaved changes)`)).toHaveAttribute('aria-selected', 'true');

  // Escape is Cancel too.
  await shell.closeButton(name).click();
  await page.keyboard.press('Escape');
  await expect(shell.closePrompt).toBeHidden();
  await expect(shell.graphTabs()).toHaveCount(2);

  // Don't save: the tab goes.
  await shell.closeButton(name).click();
  await shell.closePrompt.getByRole('button', { name: 'Don’t save' }).click();
  await expect(shell.graphTabs()).toHaveCount(1);
  await expect(shell.graphTab(new RegExp(name))).toHaveCount(0);

  // Ctrl+Shift+T: back with its node, still unsaved, and its undo history.
  await editor.focusCanvas();
  await editor.press('Control+Shift+T');
  await expect(shell.graphTab(`${name} (unsaved changes)`)).toHaveAttribute('aria-selected', 'true');
  await expect(editor.nodes()).toHaveCount(1);
  await editor.focusCanvas();
  await editor.press('Control+Z');
  await expect(editor.nodes()).toHaveCount(0);
  await editor.press('Control+Shift+Z');
  await expect(editor.nodes()).toHaveCount(1);

  // Save: the graph is written and the tab closes.
  await shell.closeButton(name).click();
  await shell.closePrompt.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(editor.notice).toContainText('Saved “');
  await expect(shell.graphTabs()).toHaveCount(1);
  const docs = await hostCall<{ handle: string; name: string }[]>(page.request, 'listDocuments');
  expect(docs.some((d) => d.name.startsWith(`close-me-${stamp}`))).toBe(true);

  // An unchanged tab closes without a question.
  await shell.newGraph();
  await shell.closeButton('Untitled').click();
  await expect(shell.closePrompt).toHaveCount(0);
  await expect(shell.graphTabs()).toHaveCount(1);
});

test('after a reload the window’s tabs come back, the unsaved one still unsaved', async ({ page }) => {
  const editor = new EditorPage(page);
  const shell = new ShellPage(page);
  const session = new SessionPage(page);
  await editor.open();
  await shell.newGraph();
  const name = `Reload ${stamp}`;
  await session.renameGraph(/^Untitled/, name);
  await editor.dragKindToCanvas('Latent array', { x: 300, y: 200 });
  await expect(shell.graphTab(`${name} (unsaved changes)`)).toBeVisible();
  await page.waitForTimeout(600); // the tab list is written shortly after a change

  await page.reload();
  await expect(editor.totalParams).not.toHaveText('', { timeout: 30_000 });
  await expect(shell.graphTabs()).toHaveCount(2);
  await expect(shell.graphTab('MNIST Perceiver IO')).toBeVisible();
  await expect(shell.graphTab(`${name} (unsaved changes)`)).toHaveAttribute('aria-selected', 'true');
  await expect(editor.nodes()).toHaveCount(1);
  // Reopened, so not offered again under Restore.
  await page.waitForTimeout(1500);
  if (await session.restoreButton.count()) {
    await session.restoreButton.click();
    await expect(session.restoreDialog).not.toContainText(name);
  }
});
