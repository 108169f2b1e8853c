import { expect, type Locator, type Page } from '@playwright/test';

/** The Insight tab: attention maps, diagnostics, run history and sweeps, through visible controls. */
export class InsightPage {
  constructor(readonly page: Page) {}

  async show(view: 'Attention' | 'Diagnostics' | 'Runs' | 'Sweep'): Promise<void> {
    await this.page.getByRole('tab', { name: /^Insight/ }).click();
    await this.page.getByRole('tablist', { name: 'Insight views' }).getByRole('tab', { name: view }).click();
  }
  get mainMap(): Locator {
    return this.page.getByTestId('attention-main');
  }
  get allLatents(): Locator {
    return this.page.getByTestId('all-latents');
  }
  get decoderMap(): Locator {
    return this.page.getByTestId('decoder-map');
  }
  get sequenceRow(): Locator {
    return this.page.getByTestId('sequence-row');
  }
  get sequenceStep(): Locator {
    return this.page.getByTestId('sequence-step');
  }
  async pickLatent(oneBased: number): Promise<void> {
    const field = this.page.getByRole('textbox', { name: 'Latent', exact: true });
    await field.fill(String(oneBased));
    await field.press('Enter');
  }
  /**
   * How the drawn map looks, read from the canvas pixels: distinct colours and how many pixels
   * are tinted (r ≠ g or g ≠ b: the grey digit alone has none).
   */
  async canvasStats(canvas: Locator): Promise<{ colours: number; tinted: number; pixels: number }> {
    return canvas.evaluate((el) => {
      const c = el as HTMLCanvasElement;
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      const colours = new Set<number>();
      let tinted = 0;
      for (let i = 0; i < d.length; i += 4) {
        colours.add((d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!);
        if (d[i] !== d[i + 1] || d[i + 1] !== d[i + 2]) tinted++;
      }
      return { colours: colours.size, tinted, pixels: d.length / 4 };
    });
  }
  chart(testId: string): Locator {
    return this.page.getByTestId(testId);
  }
  async expectPoints(testId: string, n: number): Promise<void> {
    await expect(this.chart(testId)).toHaveAttribute('data-points', String(n));
  }
  async sweepAxis(index: number, node: string, param: string, values: string): Promise<void> {
    await this.page.getByRole('combobox', { name: `Parameter ${index} node` }).selectOption(node);
    await this.page.getByRole('combobox', { name: `Parameter ${index}`, exact: true }).selectOption(param);
    await this.page.getByRole('textbox', { name: `Parameter ${index} values` }).fill(values);
  }
  get runsTable(): Locator {
    return this.page.getByTestId('runs-table');
  }
  get sweepTable(): Locator {
    return this.page.getByTestId('sweep-table');
  }
}
