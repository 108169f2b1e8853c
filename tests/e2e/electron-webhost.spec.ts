/**
 * The loopback web host (used when there is no Electron binary) in Chromium: the page is
 * cross-origin isolated under the app's CSP, and the contract's methods answer over /api.
 */
import { expect, test } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

test.describe('web host', () => {
  test('serves the app cross-origin isolated with a strict CSP', async ({ page }) => {
    const response = await page.goto('/');
    expect(response?.status()).toBe(200);
    const headers = response!.headers();
    expect(headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(headers['cross-origin-embedder-policy']).toBe('require-corp');
    expect(headers['content-security-policy']).toContain("script-src 'self' 'wasm-unsafe-eval'");
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    // The CSP is enforced: an inline script does not run.
    const ran = await page.evaluate(() => {
      const s = document.createElement('script');
      s.textContent = 'window.__inline = true';
      document.head.appendChild(s);
      return (window as unknown as { __inline?: boolean }).__inline === true;
    });
    expect(ran).toBe(false);
  });

  test('answers the contract over /api: save, list, reopen, refuse bad input', async ({ page }) => {
    await page.goto('/');
    const text = readFileSync(join(root, 'templates', 'mnist-perceiver-io.json'), 'utf8');
    const result = await page.evaluate(async (t) => {
      const call = async (method: string, ...args: unknown[]) => {
        const r = await fetch(`/api/${method}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(args),
        });
        return { status: r.status, body: await r.json() };
      };
      const info = await call('appInfo');
      const saved = await call('saveFile', { handle: null, suggestedName: 'webhost spec', text: t });
      const docs = await call('listDocuments');
      const opened = await call('openDocument', { handle: saved.body.result.handle });
      const bad = await call('readTemplate', { scope: 'builtin', name: '../package.json' });
      const templates = await call('listTemplates');
      return { info, saved, docs, opened, bad, templates };
    }, text);
    expect(result.info.body.result).toMatchObject({ shell: 'web', nativeDialogs: false });
    expect(result.saved.status).toBe(200);
    expect(result.docs.body.result.map((d: { handle: string }) => d.handle)).toContain(result.saved.body.result.handle);
    expect(result.opened.body.result.text).toBe(text);
    expect(result.bad.status).toBe(400);
    expect(result.bad.body.error.field).toBe('name');
    const def = result.templates.body.result.find((t: { name: string }) => t.name === 'mnist-perceiver-io.json');
    expect(def.totalParams).toBe(96292);
  });
});
