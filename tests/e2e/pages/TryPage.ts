import { expect, type Locator, type Page } from '@playwright/test';

/** The Try tab as a person uses it: draw on the pad with the mouse, drop an image, type text, read the prediction. */
export class TryPage {
  constructor(readonly page: Page) {}

  async show(): Promise<void> {
    await this.page.getByRole('tab', { name: /^Try/ }).click();
  }
  get weights(): Locator {
    return this.page.getByTestId('try-weights');
  }
  /** "No weights yet", or the refusal of a changed graph. */
  get state(): Locator {
    return this.page.getByTestId('try-state');
  }
  get error(): Locator {
    return this.page.getByTestId('try-error');
  }
  get pad(): Locator {
    return this.page.getByTestId('try-pad');
  }
  get prediction(): Locator {
    return this.page.getByTestId('try-prediction');
  }
  get classes(): Locator {
    return this.page.getByTestId('try-class');
  }
  get attentionMap(): Locator {
    return this.page.getByTestId('try-attention-map');
  }
  get decoderMap(): Locator {
    return this.page.getByTestId('try-decoder-map');
  }
  get seen(): Locator {
    return this.page.getByTestId('try-seen');
  }
  get filled(): Locator {
    return this.page.getByTestId('try-filled');
  }
  get tokens(): Locator {
    return this.page.getByTestId('try-token');
  }
  get textBox(): Locator {
    return this.page.getByRole('textbox', { name: 'Text to fill' });
  }

  /**
   * Press the mouse at the first point of a stroke (pad fractions 0…1), move through the others
   * in small steps, and release — real pointer events. `whileDown` runs before the release.
   */
  async drawStroke(
    points: [number, number][],
    opts: { whileDown?: () => Promise<void>; steps?: number } = {},
  ): Promise<void> {
    const box = (await this.pad.boundingBox())!;
    const at = ([fx, fy]: [number, number]) => ({ x: box.x + fx * box.width, y: box.y + fy * box.height });
    const first = at(points[0]!);
    await this.page.mouse.move(first.x, first.y);
    await this.page.mouse.down();
    for (const p of points.slice(1)) {
      const q = at(p);
      await this.page.mouse.move(q.x, q.y, { steps: opts.steps ?? 8 });
    }
    if (opts.whileDown) await opts.whileDown();
    await this.page.mouse.up();
  }

  async clearPad(): Promise<void> {
    await this.page.getByRole('toolbar', { name: 'Drawing tools' }).getByRole('button', { name: 'Clear' }).click();
  }

  /** Drop a file on the input area (a DataTransfer carrying a File, as from the desktop). */
  async dropFile(name: string, bytes: Buffer, type: string): Promise<void> {
    const dt = await this.page.evaluateHandle(
      ({ name, data, type }) => {
        const t = new DataTransfer();
        t.items.add(new File([new Uint8Array(data)], name, { type }));
        return t;
      },
      { name, data: [...bytes], type },
    );
    const zone = this.page.getByTestId('try-drop');
    await zone.dispatchEvent('dragover', { dataTransfer: dt });
    await zone.dispatchEvent('drop', { dataTransfer: dt });
  }

  /** Probabilities of the listed classes, top first. */
  async topK(): Promise<{ name: string; p: number }[]> {
    await expect(this.classes.first()).toBeVisible();
    return this.classes.evaluateAll((els) =>
      els.map((el) => ({
        name: el.querySelector('.name')!.textContent!,
        p: parseFloat(el.querySelector('.p')!.textContent!) / 100,
      })),
    );
  }

  /** Distinct colours and tinted pixels (r ≠ g or g ≠ b) of a canvas. */
  async canvasStats(canvas: Locator): Promise<{ colours: number; tinted: number; pixels: number; bright: number }> {
    return canvas.evaluate((el) => {
      const c = el as HTMLCanvasElement;
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      const colours = new Set<number>();
      let tinted = 0;
      let bright = 0;
      for (let i = 0; i < d.length; i += 4) {
        colours.add((d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!);
        if (d[i] !== d[i + 1] || d[i + 1] !== d[i + 2]) tinted++;
        if (d[i]! > 128) bright++;
      }
      return { colours: colours.size, tinted, pixels: d.length / 4, bright };
    });
  }

  /** The side panel alone, scrolled so that `at` is in view (the output sits below the input). */
  async panelShot(name: string, at: Locator): Promise<void> {
    await at.scrollIntoViewIfNeeded();
    await this.page
      .getByRole('complementary', { name: 'Side panel' })
      .screenshot({ path: `${process.env.TRY_SHOTS ?? 'test-results'}/${name}.png` });
  }

  async screenshot(name: string): Promise<void> {
    await this.page.screenshot({ path: `${process.env.TRY_SHOTS ?? 'test-results'}/${name}.png` });
  }
}
