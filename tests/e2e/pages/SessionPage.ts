import { expect, type APIRequestContext, type Locator, type Page } from '@playwright/test';

/** No lost work: the Restore toolbar entry and dialog, the changed-on-disk bar, graph renaming. */
export class SessionPage {
  constructor(readonly page: Page) {}

  get restoreButton(): Locator {
    return this.page.getByRole('button', { name: /^Restore work from an earlier session/ });
  }
  get restoreDialog(): Locator {
    return this.page.getByRole('dialog', { name: 'Restore your work' });
  }
  get conflictBar(): Locator {
    return this.page.getByTestId('file-conflict');
  }
  /** Double-click the active tab and type a new graph name, as a person renames a graph. */
  async renameGraph(current: string | RegExp, name: string): Promise<void> {
    await this.page.getByRole('tab', { name: current }).dblclick();
    const field = this.page.getByRole('textbox', { name: 'Graph name' });
    await field.fill(name);
    await field.press('Enter');
    await expect(this.page.getByRole('tab', { name: new RegExp(`^${name}`) })).toBeVisible();
  }
}

/** Another program's view of the host: the same /api the app uses, from outside the page. */
export async function hostCall<T>(request: APIRequestContext, method: string, ...args: unknown[]): Promise<T> {
  const r = await request.post(`/api/${method}`, { data: args, headers: { 'content-type': 'application/json' } });
  const body = (await r.json()) as { result?: T; error?: { message: string } };
  if (!r.ok()) throw new Error(`${method}: HTTP ${r.status()} ${body.error?.message}`);
  return body.result as T;
}
