import { expect, type Locator, type Page } from '@playwright/test';

export interface NodeBox {
  id: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The app shell as a person meets it: tabs and their close prompt, welcome, shortcut sheet, run notice. */
export class ShellPage {
  constructor(readonly page: Page) {}

  graphTab(name: string | RegExp): Locator {
    return this.page.getByRole('tablist', { name: 'Open graphs' }).getByRole('tab', { name });
  }
  graphTabs(): Locator {
    return this.page.getByRole('tablist', { name: 'Open graphs' }).getByRole('tab');
  }
  closeButton(graphName: string): Locator {
    return this.page.getByRole('button', { name: `Close ${graphName}`, exact: true });
  }
  get closePrompt(): Locator {
    return this.page.getByRole('alertdialog', { name: /^Save the changes to/ });
  }
  get welcome(): Locator {
    return this.page.getByRole('dialog', { name: 'Welcome to Perceiver Studio' });
  }
  get shortcuts(): Locator {
    return this.page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  }
  get runEnd(): Locator {
    return this.page.getByTestId('run-end');
  }
  sidePanelTab(name: string): Locator {
    return this.page
      .getByRole('tablist', { name: 'Side panel tabs' })
      .getByRole('tab', { name: new RegExp(`^${name}`) });
  }

  async newGraph(): Promise<void> {
    await this.page.getByRole('button', { name: 'New graph', exact: true }).click();
    await expect(this.graphTab(/^Untitled/).last()).toHaveAttribute('aria-selected', 'true');
  }

  /** Open a built-in template from the library by its file name. */
  async openTemplate(file: string): Promise<void> {
    await this.page.getByRole('button', { name: 'Template library…', exact: true }).click();
    const card = this.page.getByTestId(`template-builtin-${file}`);
    await card.locator('.btn.primary').click();
    await expect(this.page.getByRole('dialog', { name: 'Template library' })).toBeHidden();
  }

  /** The node faces' boxes on screen (zoom is the same for all, so overlap on screen = overlap in the graph). */
  async nodeBoxes(): Promise<NodeBox[]> {
    return this.page.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>('.react-flow__node-perceiver')].map((el) => {
        const r = el.getBoundingClientRect();
        return { id: el.dataset.id ?? '', x: r.x, y: r.y, width: r.width, height: r.height };
      }),
    );
  }

  /** Elements whose text is cut: scrollWidth beyond their box, except scroll containers and truncations that show the full text on hover. */
  async clippedText(): Promise<string[]> {
    return this.page.evaluate(() => {
      const out: string[] = [];
      // A select shows its chosen option in its own box: measure that text against the room left beside the arrow.
      const ctx = document.createElement('canvas').getContext('2d')!;
      for (const sel of document.querySelectorAll<HTMLSelectElement>('select')) {
        if (sel.getClientRects().length === 0) continue;
        const cs = getComputedStyle(sel);
        ctx.font = `${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
        const text = sel.selectedOptions[0]?.textContent ?? '';
        const room = sel.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight) - 16;
        if (ctx.measureText(text).width > room)
          out.push(`select "${sel.getAttribute('aria-label') ?? ''}" shows "${text}" in ${Math.round(room)} px`);
      }
      for (const el of document.querySelectorAll<HTMLElement>('body *')) {
        if (el.closest('svg, canvas, .react-flow__minimap, .react-flow__edge-labels')) continue;
        const cs = getComputedStyle(el);
        if (cs.display === 'none' || cs.visibility === 'hidden' || el.getClientRects().length === 0) continue;
        // Scrollable areas are meant to overflow; so is a text field's value.
        if (/(auto|scroll)/.test(cs.overflowX) || el.matches('input, textarea')) continue;
        const own =
          [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent!.trim()) || el.matches('select, button');
        if (!own) continue;
        if (el.scrollWidth <= el.clientWidth + 1) continue;
        // A deliberate ellipsis with the whole text in a tooltip is fine.
        const titled = el.closest('[title]')?.getAttribute('title') ?? '';
        if (
          cs.textOverflow === 'ellipsis' &&
          titled.includes((el.textContent ?? '').replace('…', '').trim().slice(0, 12))
        )
          continue;
        const label = (el.getAttribute('aria-label') || el.textContent || el.tagName).trim().slice(0, 60);
        out.push(
          `${el.tagName.toLowerCase()}.${[...el.classList].join('.')} "${label}" (${el.scrollWidth} > ${el.clientWidth})`,
        );
      }
      return out;
    });
  }
}

export function overlapping(boxes: NodeBox[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < boxes.length; i++)
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i]!;
      const b = boxes[j]!;
      if (a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height)
        out.push(`${a.id} / ${b.id}`);
    }
  return out;
}
