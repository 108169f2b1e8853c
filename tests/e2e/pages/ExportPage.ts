import { expect, type Download, type Locator, type Page } from '@playwright/test';

/** File › Export as a person uses it: the toolbar's Export, the format, the weights, Export. */
export class ExportPage {
  constructor(readonly page: Page) {}

  get dialog(): Locator {
    return this.page.getByRole('dialog', { name: 'Export the model' });
  }
  async open(): Promise<void> {
    await this.page.getByRole('button', { name: 'Export model (PyTorch / tfjs)…', exact: true }).click();
    await expect(this.dialog).toBeVisible();
  }
  format(name: 'PyTorch package' | 'TensorFlow.js web files'): Locator {
    return this.dialog.getByRole('radio', { name });
  }
  get withWeights(): Locator {
    return this.dialog.getByRole('checkbox', { name: 'Include the trained weights of the last run' });
  }
  get result(): Locator {
    return this.dialog.getByTestId('export-result');
  }
  /** Click Export; in the web host the package also arrives as a .zip download. */
  async exportAndDownload(): Promise<Download> {
    const download = this.page.waitForEvent('download', { timeout: 120_000 });
    await this.dialog.getByRole('button', { name: 'Export', exact: true }).click();
    return download;
  }
  async close(): Promise<void> {
    await this.dialog.getByRole('button', { name: 'Close', exact: true }).last().click();
    await expect(this.dialog).toBeHidden();
  }
}
