import { expect, type Locator, type Page } from '@playwright/test';

/** The template library dialog, used as a person would: toolbar button, search, card buttons. */
export class LibraryPage {
  constructor(readonly page: Page) {}

  get dialog(): Locator {
    return this.page.getByRole('dialog', { name: 'Template library' });
  }
  async open(): Promise<void> {
    await this.page.getByRole('button', { name: 'Template library…', exact: true }).click();
    await expect(this.dialog).toBeVisible();
  }
  section(name: RegExp | string): Locator {
    return this.dialog.getByRole('tab', { name });
  }
  async search(text: string): Promise<void> {
    await this.dialog.getByRole('searchbox', { name: 'Search templates' }).fill(text);
  }
  /** A template card by its shown name (title for built-ins, file name for the user's own). */
  card(name: string, scope: 'built-in' | 'my template'): Locator {
    return this.dialog.getByRole('listitem', { name: `${name} (${scope})`, exact: true });
  }
  cards(): Locator {
    return this.dialog.locator('.template-card');
  }
  async importFile(name: string, text: string): Promise<void> {
    const chooser = this.page.waitForEvent('filechooser');
    await this.dialog.getByRole('button', { name: 'Import…' }).click();
    await (await chooser).setFiles({ name, mimeType: 'application/json', buffer: Buffer.from(text) });
  }
  async close(): Promise<void> {
    await this.dialog.getByRole('button', { name: 'Close' }).first().click();
    await expect(this.dialog).toBeHidden();
  }
}
