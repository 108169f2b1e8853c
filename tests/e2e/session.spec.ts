/**
 * No lost work, as a person meets it: unsaved edits survive a crash (autosave → Restore), a
 * file changed on disk by another program is noticed (reload / overwrite), a save over such a
 * file is refused and resolved, and the graphs open last time can be reopened.
 */
import { expect, test } from '@playwright/test';
import { EditorPage } from './pages/EditorPage';
import { FilesPage } from './pages/FilesPage';
import { hostCall, SessionPage } from './pages/SessionPage';

const stamp = Date.now().toString(36);

test('unsaved edits come back after a crash', async ({ page, context }) => {
  const editor = new EditorPage(page);
  const session = new SessionPage(page);
  await editor.open();
  const name = `Recovery ${stamp}`;
  await session.renameGraph('MNIST Perceiver IO', name);
  await editor.selectNode('stack');
  await editor.setParam('heads', '8');
  await expect(page.getByRole('tab', { name: `${name} (unsaved changes)` })).toBeVisible();
  // The autosave runs every few seconds; wait until the host holds this graph's copy.
  await expect
    .poll(
      async () => (await hostCall<{ text: string }[]>(page.request, 'listRecovery')).some((r) => r.text.includes(name)),
      { timeout: 15_000 },
    )
    .toBe(true);

  // "Crash": the page goes away without saving; the app starts again.
  await page.close();
  const again = await context.newPage();
  const editor2 = new EditorPage(again);
  const session2 = new SessionPage(again);
  await editor2.open();
  await expect(session2.restoreButton).toBeVisible();
  await session2.restoreButton.click();
  await expect(session2.restoreDialog).toBeVisible();
  await expect(session2.restoreDialog).toContainText(name);
  await editor2.screenshot('session-01-restore');
  await session2.restoreDialog.getByRole('button', { name: `Restore ${name}`, exact: true }).click();
  await expect(again.getByRole('tab', { name: `${name} (unsaved changes)` })).toHaveAttribute('aria-selected', 'true');
  await expect(editor2.notice).toContainText(`Recovered “${name}”`);
  // The edit is there: 8 heads on the latent stack.
  await editor2.selectNode('stack');
  await expect(editor2.node('stack')).toContainText('8 heads');
  // The copy left the recovery folder (the restored tab autosaves under the new session).
  const left = await hostCall<{ tabId: string; text: string }[]>(again.request, 'listRecovery');
  expect(left.filter((r) => r.text.includes(name)).length).toBeLessThanOrEqual(1);
});

test('a file changed on disk by another program: noticed, reloaded; a stale save is refused and resolved', async ({
  page,
}) => {
  const editor = new EditorPage(page);
  const session = new SessionPage(page);
  const files = new FilesPage(page);
  await editor.open();
  const name = `Conflict ${stamp}`;
  await session.renameGraph('MNIST Perceiver IO', name);
  await files.save();
  await expect(editor.notice).toContainText(/Saved “(.+)”/);
  const handle = (await editor.notice.textContent())!.match(/Saved “(.+)”/)![1]!;

  // Another program rewrites the file.
  const opened = await hostCall<{ text: string }>(page.request, 'openDocument', { handle });
  const theirs = (label: string) => opened.text.replace(`"name": "${name}"`, `"name": "${label}"`);
  await hostCall(page.request, 'saveFile', { handle, suggestedName: handle, text: theirs(`${name} (theirs)`) });
  await expect(session.conflictBar).toContainText(`“${handle}” was changed on disk by another program`, {
    timeout: 15_000,
  });
  await editor.screenshot('session-02-changed-on-disk');
  await session.conflictBar.getByRole('button', { name: 'Reload from disk' }).click();
  await expect(session.conflictBar).toHaveCount(0);
  await expect(page.getByRole('tab', { name: `${name} (theirs)`, exact: true })).toBeVisible();

  // Changed again on disk, while the user edits: Save is refused (409), the bar offers the choice.
  await hostCall(page.request, 'saveFile', { handle, suggestedName: handle, text: theirs(`${name} (theirs, again)`) });
  await editor.selectNode('stack');
  await editor.setParam('heads', '2');
  await files.save();
  await expect(editor.notice).toContainText(`Not saved — "${handle}" was changed on disk by another program`);
  await expect(session.conflictBar).toBeVisible();
  await session.conflictBar.getByRole('button', { name: 'Overwrite with mine' }).click();
  await expect(editor.notice).toContainText(`Saved “${handle}”`);
  await expect(session.conflictBar).toHaveCount(0);
  const onDisk = await hostCall<{ text: string }>(page.request, 'openDocument', { handle });
  expect(onDisk.text).toContain(`"name": "${name} (theirs)"`);
  expect(onDisk.text).toMatch(/"heads": 2/);
});

test('the graphs open last time can be reopened', async ({ page, context }) => {
  const editor = new EditorPage(page);
  const session = new SessionPage(page);
  const files = new FilesPage(page);
  await editor.open();
  const name = `Session ${stamp}`;
  await session.renameGraph('MNIST Perceiver IO', name);
  await files.save();
  await expect(editor.notice).toContainText(/Saved “(.+)”/);
  const handle = (await editor.notice.textContent())!.match(/Saved “(.+)”/)![1]!;
  await expect
    .poll(async () => (await hostCall<{ handles: string[] }>(page.request, 'getSession')).handles, { timeout: 10_000 })
    .toContain(handle);
  await page.close();

  const again = await context.newPage();
  const session2 = new SessionPage(again);
  await new EditorPage(again).open();
  await session2.restoreButton.click();
  const last = session2.restoreDialog.getByRole('region', { name: 'Graphs open last time' });
  await expect(last).toContainText(handle);
  await session2.restoreDialog.getByRole('button', { name: /^Reopen/ }).click();
  await expect(again.getByRole('tab', { name, exact: true })).toHaveAttribute('aria-selected', 'true');
});
