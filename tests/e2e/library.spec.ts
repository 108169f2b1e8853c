/**
 * The template library as a person uses it: browse built-ins with thumbnails and parameter
 * counts, search, duplicate, rename, delete to the trash and restore, import a file (and be
 * refused a bad one), export, save the current graph, open a template into a tab.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { EditorPage } from './pages/EditorPage';
import { LibraryPage } from './pages/LibraryPage';

const template = readFileSync(
  join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'templates', 'mnist-perceiver-io.json'),
  'utf8',
);
// Unique per run: the e2e host keeps its user data between specs.
const stamp = Date.now().toString(36);

test('browse, search, duplicate, rename, delete, restore, import, export, open', async ({ page }) => {
  const editor = new EditorPage(page);
  const library = new LibraryPage(page);
  await editor.open();
  await library.open();

  // Built-in templates: thumbnail, title, parameter count, tags, read-only (no Rename/Delete).
  const io = library.card('MNIST Perceiver IO', 'built-in');
  await expect(io).toBeVisible();
  await expect(io.getByTestId('template-params')).toHaveText('96,292 params');
  await expect(io.getByRole('img', { name: /Graph of MNIST Perceiver IO: 9 nodes, \d+ wires/ })).toBeVisible();
  await expect(io.getByRole('button', { name: /^Rename/ })).toHaveCount(0);
  await expect(io.getByRole('button', { name: /^Delete/ })).toHaveCount(0);
  expect(await library.cards().count()).toBeGreaterThanOrEqual(10);
  await editor.screenshot('library-01-builtins');

  // Search narrows the list; a tag chip filters by tag.
  await library.search('imagenet fourier');
  await expect(library.cards()).not.toHaveCount(0);
  for (const t of await library.cards().allInnerTexts()) expect(t.toLowerCase()).toMatch(/imagenet|fourier/);
  await library.search('no-such-template-xyz');
  await expect(library.dialog.getByText('No template matches “no-such-template-xyz”.')).toBeVisible();
  await library.search('');

  // Duplicate the built-in: it lands in "My templates" as an editable copy.
  await io.getByRole('button', { name: 'Duplicate MNIST Perceiver IO' }).click();
  await expect(library.section(/My templates/)).toHaveAttribute('aria-selected', 'true');
  const copy = library.card('mnist-perceiver-io copy', 'my template');
  await expect(copy).toBeVisible();
  await expect(copy.getByTestId('template-params')).toHaveText('96,292 params');

  // Rename it.
  const newName = `digits ${stamp}`;
  await copy.getByRole('button', { name: 'Rename mnist-perceiver-io copy' }).click();
  const field = copy.getByRole('textbox', { name: 'New name for mnist-perceiver-io copy' });
  await field.fill(newName);
  await field.press('Enter');
  const renamed = library.card(newName, 'my template');
  await expect(renamed).toBeVisible();
  await expect(renamed).toContainText(`${newName}.perceiver.json`);
  await editor.screenshot('library-02-mine');

  // Delete to the trash, then restore from the Trash section.
  await renamed.getByRole('button', { name: `Delete ${newName}` }).click();
  await expect(renamed).toHaveCount(0);
  await expect(editor.notice).toContainText(`Moved “${newName}” to the trash`);
  await library.section(/Trash/).click();
  const trashed = library.dialog.getByRole('button', { name: `Restore ${newName}` });
  await expect(trashed).toBeVisible();
  await editor.screenshot('library-03-trash');
  await trashed.click();
  await library.section(/My templates/).click();
  await expect(library.card(newName, 'my template')).toBeVisible();

  // Import: a good file joins the library; a broken one is refused with the reason.
  const importName = `imported-${stamp}.json`;
  await library.importFile(importName, template.replace('"MNIST Perceiver IO"', `"Imported ${stamp}"`));
  const imported = library.card(`imported-${stamp}`, 'my template');
  await expect(imported).toBeVisible();
  await expect(imported).toContainText(`Imported ${stamp}`);
  await library.importFile(
    'broken.json',
    '{"schemaVersion": 1, "name": "x", "nodes": [{"id": "a", "kind": "NoSuchKind"}], "edges": []}',
  );
  await expect(library.dialog.getByRole('alert')).toContainText(/NoSuchKind/);

  // Search finds the user's templates by their graph's name too.
  await library.section(/All/).click();
  await library.search(`imported ${stamp}`);
  await expect(library.cards()).toHaveCount(1);
  await library.search('');

  // Export downloads the template file (web host: no native dialog).
  const download = page.waitForEvent('download');
  await imported.getByRole('button', { name: `Export imported-${stamp}` }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe(importName);
  expect(readFileSync(await file.path(), 'utf8')).toContain(`Imported ${stamp}`);

  // Open a template: a new tab with that graph.
  await library.section(/My templates/).click();
  await imported.getByRole('button', { name: `Open imported-${stamp}`, exact: true }).click();
  await expect(library.dialog).toBeHidden();
  await expect(page.getByRole('tab', { name: `Imported ${stamp}` })).toHaveAttribute('aria-selected', 'true');
  await expect(editor.totalParams).toHaveText('96,292');
});

test('save the current graph to the library; a second save asks before replacing', async ({ page }) => {
  const editor = new EditorPage(page);
  const library = new LibraryPage(page);
  await editor.open();
  await editor.selectNode('stack');
  await editor.setParam('heads', '8');
  await library.open();
  await library.dialog.getByRole('button', { name: 'Save current graph' }).click();
  // A run that failed half-way may have left the copy behind: replace it then.
  const replace = library.dialog.getByRole('button', { name: 'Replace it' });
  await expect(library.section(/My templates/).or(replace)).toBeVisible();
  if (await replace.isVisible()) await replace.click();
  await expect(library.section(/My templates/)).toHaveAttribute('aria-selected', 'true');
  const card = library.card('MNIST Perceiver IO', 'my template');
  await expect(card).toBeVisible();
  await library.dialog.getByRole('button', { name: 'Save current graph' }).click();
  await expect(library.dialog.getByRole('alert')).toContainText(
    'A template named “MNIST Perceiver IO” is already in your library.',
  );
  await library.dialog.getByRole('button', { name: 'Replace it' }).click();
  await expect(library.dialog.getByRole('alert')).toHaveCount(0);
  await expect(editor.notice).toContainText('Saved “MNIST Perceiver IO” to your templates');
  // Clean up for the next run: delete it (it goes to the trash).
  await card.getByRole('button', { name: 'Delete MNIST Perceiver IO' }).click();
  await expect(card).toHaveCount(0);
});
