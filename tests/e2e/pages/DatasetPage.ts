import { expect, type Locator, type Page } from '@playwright/test';

/** The Dataset tab as a person uses it: choose a file or folder, read the preview, set the binding. */
export class DatasetPage {
  constructor(readonly page: Page) {}

  async show(): Promise<void> {
    await this.page.getByRole('tab', { name: /^Dataset/ }).click();
    await expect(this.page.getByRole('button', { name: 'Choose a data file…' })).toBeVisible();
  }
  /** Click "Choose a data file…" and pick the file in the chooser. */
  async chooseFile(path: string): Promise<void> {
    await this.show();
    const chooser = this.page.waitForEvent('filechooser');
    await this.page.getByRole('button', { name: 'Choose a data file…' }).click();
    await (await chooser).setFiles(path);
  }
  /** Click "Choose an image folder…" and pick the folder (webkitdirectory). */
  async chooseFolder(path: string): Promise<void> {
    await this.show();
    const chooser = this.page.waitForEvent('filechooser');
    await this.page.getByRole('button', { name: 'Choose an image folder…' }).click();
    await (await chooser).setFiles(path);
  }
  /** Drag a file from "the desktop" and drop it on the canvas (a DataTransfer carrying a File). */
  async dropFile(name: string, text: string): Promise<void> {
    const dt = await this.page.evaluateHandle(
      ({ name, text }) => {
        const t = new DataTransfer();
        t.items.add(new File([text], name, { type: 'text/csv' }));
        return t;
      },
      { name, text },
    );
    const canvas = this.page.getByTestId('canvas');
    await canvas.dispatchEvent('dragenter', { dataTransfer: dt });
    await expect(this.page.getByTestId('drop-overlay')).toBeVisible();
    await canvas.dispatchEvent('dragover', { dataTransfer: dt });
    await canvas.dispatchEvent('drop', { dataTransfer: dt });
    await expect(this.page.getByTestId('drop-overlay')).toHaveCount(0);
  }
  get summary(): Locator {
    return this.page.getByTestId('data-summary');
  }
  get sizes(): Locator {
    return this.page.getByTestId('data-sizes');
  }
  get binding(): Locator {
    return this.page.getByTestId('data-binding');
  }
  get error(): Locator {
    return this.page.getByTestId('data-error');
  }
  get repick(): Locator {
    return this.page.getByTestId('data-repick');
  }
  get boundTo(): Locator {
    return this.page.getByTestId('data-bound-to');
  }
  select(label: string): Locator {
    return this.page.getByRole('combobox', { name: label, exact: true });
  }
  get sampleImages(): Locator {
    return this.page.getByRole('region', { name: 'Dataset preview' }).locator('canvas.sample-image');
  }
  get classBalance(): Locator {
    return this.page.getByRole('list', { name: 'Class balance' }).getByRole('listitem');
  }
  get firstRows(): Locator {
    return this.page.getByRole('table', { name: 'First rows' }).locator('tbody tr');
  }
}
