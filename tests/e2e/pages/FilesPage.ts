import { type Locator, type Page } from '@playwright/test';

/** Open / Save through the toolbar and the in-app Open dialog (web host). */
export class FilesPage {
  constructor(readonly page: Page) {}

  async save(): Promise<void> {
    await this.page.getByRole('button', { name: 'Save', exact: true }).click();
  }
  async openDialog(): Promise<Locator> {
    await this.page.getByRole('button', { name: 'Open…', exact: true }).click();
    const d = this.page.getByRole('dialog', { name: 'Open a graph' });
    await d.waitFor();
    return d;
  }
  /** Open a saved document by its file name from the dialog. */
  async openSaved(name: string): Promise<void> {
    const d = await this.openDialog();
    await d
      .getByRole('button', { name: new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`) })
      .first()
      .click();
  }
  /** Choose a file from this computer (the dialog's file input), as a person picking a file. */
  async upload(name: string, text: string): Promise<void> {
    const d = await this.openDialog();
    const chooser = this.page.waitForEvent('filechooser');
    await d.getByRole('button', { name: 'From this computer…' }).click();
    const fc = await chooser;
    await fc.setFiles({ name, mimeType: 'application/json', buffer: Buffer.from(text) });
  }
}
