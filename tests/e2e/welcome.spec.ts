/**
 * First run and help: the welcome (its three starts, dismissed for good, back from Help), the
 * shortcut sheet (? and Help), Help explaining the selection, the palette as one Tab stop with
 * arrow keys, and the notice plus window title when a run ends.
 */
import { expect, test } from '@playwright/test';
import { EditorPage } from './pages/EditorPage';
import { ShellPage } from './pages/ShellPage';
import { TrainingPage } from './pages/TrainingPage';

test.describe('first run', () => {
  // A profile that has never seen the welcome (the other specs start with it seen).
  test.use({ storageState: { cookies: [], origins: [] } });

  test('the welcome says what the app does, offers three starts, and stays dismissed', async ({ page }) => {
    const shell = new ShellPage(page);
    await page.goto('/');
    await expect(shell.welcome).toBeVisible();
    await expect(shell.welcome).toContainText('Build Perceiver and Perceiver IO models');
    const starts = shell.welcome.getByRole('list', { name: 'Ways to start' }).getByRole('listitem');
    await expect(starts).toHaveText([/Train the default model/, /Open a template/, /Load your data/]);
    await page.screenshot({ path: 'test-results/shell-welcome.png' });
    // Open a template: the library.
    await starts.nth(1).click();
    await expect(page.getByRole('dialog', { name: 'Template library' })).toBeVisible();
    await page.keyboard.press('Escape');
    await page.reload();
    await expect(page.getByTestId('total-params')).not.toHaveText('');
    await expect(shell.welcome).toHaveCount(0);
    // Back from the Help tab; Load your data goes to the Dataset tab.
    await shell.sidePanelTab('Help').click();
    await page.getByRole('button', { name: 'Welcome…' }).click();
    await expect(shell.welcome).toBeVisible();
    await starts.nth(2).click();
    await expect(shell.welcome).toHaveCount(0);
    await expect(shell.sidePanelTab('Dataset')).toHaveAttribute('aria-selected', 'true');
  });

  test('Train the default model starts a run on the MNIST template', async ({ page }) => {
    const shell = new ShellPage(page);
    await page.goto('/');
    await shell.welcome.getByRole('listitem').filter({ hasText: 'Train the default model' }).click();
    await expect(shell.sidePanelTab('Training')).toHaveAttribute('aria-selected', 'true');
    await expect(page.getByRole('button', { name: 'Stop training' })).toBeVisible({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Stop training' }).click();
  });
});

test('the shortcut sheet opens with ? and from Help, and lists the commands', async ({ page }) => {
  const editor = new EditorPage(page);
  const shell = new ShellPage(page);
  await editor.open();
  await editor.focusCanvas();
  await page.keyboard.press('?');
  await expect(shell.shortcuts).toBeVisible();
  for (const row of [
    'Ctrl+Shift+T',
    'Reopen closed tab',
    'Ctrl+K',
    'Command palette',
    'Double-click empty canvas',
    'Ctrl+Enter',
  ])
    await expect(shell.shortcuts).toContainText(row);
  await page.screenshot({ path: 'test-results/shell-shortcuts.png' });
  await page.keyboard.press('Escape');
  await expect(shell.shortcuts).toHaveCount(0);
  await shell.sidePanelTab('Help').click();
  await page.getByRole('button', { name: 'Keyboard shortcuts (?)' }).click();
  await expect(shell.shortcuts).toBeVisible();
  await shell.shortcuts.getByRole('button', { name: 'Close' }).last().click();
  // A "?" typed into a field is just text.
  await page.getByRole('searchbox', { name: 'Search node palette' }).fill('?');
  await expect(shell.shortcuts).toHaveCount(0);
});

test('Help explains the current selection', async ({ page }) => {
  const editor = new EditorPage(page);
  const shell = new ShellPage(page);
  await editor.open();
  await shell.sidePanelTab('Help').click();
  await expect(page.getByLabel('Help: getting started')).toContainText('Nothing is selected');
  await editor.selectNode('encoder');
  await shell.sidePanelTab('Help').click();
  await expect(page.getByRole('article', { name: 'Help: Cross-attention (encoder)' })).toBeVisible();
  await expect(page.locator('.help-selection')).toContainText('encoder');
  await editor.selectNode('stack', { add: true });
  await expect(page.getByLabel('Help: the selection')).toContainText('2 nodes selected');
});

test('the palette is one Tab stop; arrow keys move inside it, Enter adds, H shows help', async ({ page }) => {
  const editor = new EditorPage(page);
  const shell = new ShellPage(page);
  await editor.open();
  const search = page.getByRole('searchbox', { name: 'Search node palette' });
  await search.focus();
  await page.keyboard.press('Tab');
  const first = page.locator('.palette-item').first();
  await expect(first).toBeFocused();
  await page.keyboard.press('ArrowDown');
  const second = page.locator('.palette-item').nth(1);
  await expect(second).toBeFocused();
  await page.keyboard.press('End');
  await expect(page.locator('.palette-item').last()).toBeFocused();
  await page.keyboard.press('Home');
  await expect(first).toBeFocused();
  // One more Tab leaves the palette (no stop on each of its ~40 items and their help buttons).
  await page.keyboard.press('Tab');
  expect(await page.evaluate(() => !!document.activeElement?.closest('.palette'))).toBe(false);
  // Back in: the item last focused is the stop.
  await page.keyboard.press('Shift+Tab');
  await expect(first).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('h');
  await expect(shell.sidePanelTab('Help')).toHaveAttribute('aria-selected', 'true');
  const count = await editor.nodes().count();
  await second.focus();
  await page.keyboard.press('Enter');
  await expect(editor.nodes()).toHaveCount(count + 1);
});

test('a run that ends leaves a notice; the title shows the progress while it runs', async ({ page }) => {
  test.setTimeout(240_000);
  const editor = new EditorPage(page);
  const shell = new ShellPage(page);
  const training = new TrainingPage(page);
  await editor.open();
  await training.setShortRun(1, 32, 30);
  await training.trainButton.click();
  await expect.poll(() => page.title(), { timeout: 120_000 }).toMatch(/^\d+% training · MNIST Perceiver IO/);
  await expect(shell.runEnd).toBeVisible({ timeout: 180_000 });
  await expect(shell.runEnd).toContainText('Training finished: “MNIST Perceiver IO”');
  await expect(shell.runEnd).toContainText(/% test accuracy in \d+/);
  await expect.poll(() => page.title()).toMatch(/^MNIST Perceiver IO( •)? — Perceiver Studio$/);
  // It stays until dismissed (a run that ended while the user looked elsewhere is not missed).
  await page.waitForTimeout(4000);
  await expect(shell.runEnd).toBeVisible();
  await shell.sidePanelTab('Inspector').click();
  await shell.runEnd.getByRole('button', { name: 'Show results' }).click();
  await expect(shell.sidePanelTab('Training')).toHaveAttribute('aria-selected', 'true');
  await expect(shell.runEnd).toHaveCount(0);
});
