import { expect, type Locator, type Page } from '@playwright/test';

/** The Training tab: settings, Train/Stop, progress. */
export class TrainingPage {
  constructor(readonly page: Page) {}

  async show(): Promise<void> {
    await this.page.getByRole('tab', { name: /^Training/ }).click();
  }
  field(label: string): Locator {
    return this.page.getByRole('textbox', { name: label, exact: true });
  }
  async set(label: string, value: string): Promise<void> {
    await this.show();
    const f = this.field(label);
    await f.fill(value);
    await f.press('Enter');
    await expect(f).toHaveValue(value);
  }
  /** Settings for a short run: epochs, batch size and the per-epoch step limit. */
  async setShortRun(epochs: number, batchSize: number, maxStepsPerEpoch: number): Promise<void> {
    await this.set('Epochs', String(epochs));
    await this.set('Batch size', String(batchSize));
    await this.set('Max steps per epoch', String(maxStepsPerEpoch));
  }
  get trainButton(): Locator {
    return this.page.getByRole('button', { name: 'Train', exact: true });
  }
  get stopButton(): Locator {
    return this.page.getByRole('button', { name: 'Stop training' });
  }
  get status(): Locator {
    return this.page.getByTestId('train-status');
  }
  get loss(): Locator {
    return this.page.getByTestId('loss-value');
  }
  get backend(): Locator {
    return this.page.getByTestId('backend');
  }
  /** The run's data and its three splits ("…: train N · validation N · test N · model N params"). */
  get data(): Locator {
    return this.page.getByTestId('train-run-data');
  }
  get progress(): Locator {
    return this.page.getByRole('progressbar', { name: 'Training progress' });
  }
}
