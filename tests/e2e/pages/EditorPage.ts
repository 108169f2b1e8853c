/**
 * The editor as a person sees it: everything goes through visible controls (click, drag, type,
 * keyboard). No calls into app internals.
 */
import { expect, type Locator, type Page } from '@playwright/test';

export class EditorPage {
  constructor(readonly page: Page) {}

  async open(): Promise<void> {
    await this.page.goto('/');
    await expect(this.totalParams).not.toHaveText('', { timeout: 30_000 });
  }

  get totalParams(): Locator {
    return this.page.getByTestId('total-params');
  }
  get canvas(): Locator {
    return this.page.getByTestId('canvas');
  }
  get notice(): Locator {
    return this.page.getByTestId('notice');
  }
  node(id: string): Locator {
    return this.page.getByTestId(`node-${id}`);
  }
  nodes(): Locator {
    return this.page.locator('.react-flow__node-perceiver');
  }
  edges(): Locator {
    return this.page.locator('.react-flow__edge');
  }
  edgeLabel(id: string): Locator {
    return this.page.getByTestId(`edge-${id}`);
  }
  button(name: string | RegExp): Locator {
    return this.page.getByRole('button', { name, exact: typeof name === 'string' });
  }

  async screenshot(name: string): Promise<void> {
    await this.page.screenshot({ path: `test-results/${name}.png` });
  }

  /** The text of a node's output shape on its face. */
  shapeOf(id: string): Locator {
    return this.page.getByTestId(`shape-${id}`);
  }

  /** Drag a kind from the palette to a point on the canvas (relative to the canvas box). */
  async dragKindToCanvas(title: string, at: { x: number; y: number }): Promise<void> {
    const item = this.page.getByRole('button', { name: `Add ${title}`, exact: true });
    await item.scrollIntoViewIfNeeded();
    await item.dragTo(this.canvas, { targetPosition: at });
  }

  /** Drag a wire from an output port to an input port, as a person would with the mouse. */
  async connect(from: { node: string; port: string }, to: { node: string; port: string }): Promise<void> {
    const src = this.node(from.node).locator(`.react-flow__handle.source[data-handleid="${from.port}"]`);
    const dst = this.node(to.node).locator(`.react-flow__handle.target[data-handleid="${to.port}"]`);
    await this.dragBetween(src, dst);
  }

  async dragBetween(a: Locator, b: Locator): Promise<void> {
    const ab = (await a.boundingBox())!;
    const bb = (await b.boundingBox())!;
    const m = this.page.mouse;
    await m.move(ab.x + ab.width / 2, ab.y + ab.height / 2);
    await m.down();
    await m.move((ab.x + bb.x) / 2 + 10, (ab.y + bb.y) / 2, { steps: 6 });
    await m.move(bb.x + bb.width / 2, bb.y + bb.height / 2, { steps: 8 });
  }

  async release(): Promise<void> {
    await this.page.mouse.up();
  }

  async selectNode(id: string, opts: { add?: boolean } = {}): Promise<void> {
    const head = this.node(id).locator('.pnode-head');
    await head.click({ modifiers: opts.add ? ['Shift'] : [] });
  }

  /** Drag a node by its header by (dx, dy) screen pixels. */
  async moveNode(id: string, dx: number, dy: number): Promise<void> {
    const box = (await this.node(id).locator('.pnode-head').boundingBox())!;
    const m = this.page.mouse;
    await m.move(box.x + 20, box.y + box.height / 2);
    await m.down();
    await m.move(box.x + 20 + dx / 2, box.y + box.height / 2 + dy / 2, { steps: 4 });
    await m.move(box.x + 20 + dx, box.y + box.height / 2 + dy, { steps: 4 });
    await m.up();
  }

  /** Fit the whole graph in view (the zoom controls' button) and let the animation finish. */
  async fitView(): Promise<void> {
    await this.page.getByRole('button', { name: 'Fit view' }).click();
    await this.page.waitForTimeout(400);
  }

  async press(keys: string): Promise<void> {
    await this.page.keyboard.press(keys);
  }

  /** Focus the canvas pane (keyboard shortcuts act on the graph). */
  async focusCanvas(): Promise<void> {
    const box = (await this.canvas.boundingBox())!;
    await this.page.mouse.click(box.x + box.width - 30, box.y + box.height - 160);
  }

  panelTab(name: string): Locator {
    return this.page.getByRole('tab', { name: new RegExp(`^${name}`) });
  }

  /** Set an inspector field of the selected node and apply it. */
  async setParam(label: string, value: string): Promise<void> {
    await this.panelTab('Inspector').click();
    const field = this.page.getByRole('form').getByLabel(label, { exact: true });
    await field.fill(value);
    await this.page.getByRole('button', { name: 'Apply' }).click();
  }
}

/** Run a command from the command palette (Ctrl+K), by its title. */
export async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('Control+k');
  const dialog = page.getByRole('dialog', { name: 'Command palette' });
  await dialog.getByRole('textbox').fill(title);
  await dialog
    .getByRole('option', { name: new RegExp(`^${title}`) })
    .first()
    .click();
}

/** Download the active graph as a file (command palette) and return its text. */
export async function downloadGraph(page: Page): Promise<string> {
  const download = page.waitForEvent('download');
  await runCommand(page, 'Download as file');
  const d = await download;
  const stream = await d.createReadStream();
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
