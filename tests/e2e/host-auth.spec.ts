/**
 * Issue 16: the web host's key. A browser without it (another user's page, a stray process)
 * gets 401 from every /api call and the app says what to do; the URL the host prints, with the
 * key after "#", opens the app in one click, loses the key from the address bar, and survives
 * a reload. These contexts are made without the suite's x-perceiver-secret header.
 */
import { expect, test } from '@playwright/test';
import { LibraryPage } from './pages/LibraryPage';

const secret = process.env.PERCEIVER_E2E_SECRET!;
// These contexts are made by hand, so they do not get the suite's storageState: mark the
// first-run welcome seen here too (tests/e2e/welcome.spec.ts covers it).
const welcomeSeen = (baseURL: string | undefined) => ({
  cookies: [],
  origins: [
    { origin: new URL(baseURL!).origin, localStorage: [{ name: 'perceiver-studio.welcome-seen', value: '1' }] },
  ],
});

test('the printed URL opens the app in one click; without the key nothing is served from /api', async ({
  browser,
  baseURL,
}) => {
  const context = await browser.newContext({
    baseURL,
    extraHTTPHeaders: {},
    viewport: { width: 1440, height: 900 },
    storageState: welcomeSeen(baseURL),
  });
  const page = await context.newPage();
  const apiStatuses: number[] = [];
  page.on('response', (r) => {
    if (new URL(r.url()).pathname.startsWith('/api/')) apiStatuses.push(r.status());
  });

  // Without the key: the editor still loads (it needs no host), but the library cannot be read.
  await page.goto('/');
  await expect(page.getByTestId('total-params')).not.toHaveText('', { timeout: 30_000 });
  const library = new LibraryPage(page);
  await library.open();
  await expect(library.dialog).toContainText(/HTTP 401.*printed/);
  await page.screenshot({ path: 'test-results/host-auth-01-no-key.png' });
  expect(apiStatuses.length).toBeGreaterThan(0);
  expect(apiStatuses.every((s) => s === 401)).toBe(true);
  await context.close();

  const keyed = await browser.newContext({
    baseURL,
    extraHTTPHeaders: {},
    viewport: { width: 1440, height: 900 },
    storageState: welcomeSeen(baseURL),
  });
  const app = await keyed.newPage();
  const statuses: number[] = [];
  app.on('response', (r) => {
    if (new URL(r.url()).pathname.startsWith('/api/')) statuses.push(r.status());
  });
  await app.goto(`/#key=${secret}`);
  await expect(app.getByTestId('total-params')).toHaveText('96,292', { timeout: 30_000 });
  // The key left the address bar (history, screenshots, a copied link).
  expect(app.url()).not.toContain(secret);
  expect(new URL(app.url()).hash).toBe('');
  const lib = new LibraryPage(app);
  await lib.open();
  await expect(lib.cards().first()).toBeVisible();
  await app.screenshot({ path: 'test-results/host-auth-02-keyed.png' });
  await lib.close();
  // A reload in the same tab keeps working (the key is in the tab's sessionStorage).
  await app.reload();
  await lib.open();
  await expect(lib.cards().first()).toBeVisible();
  expect(statuses.length).toBeGreaterThan(0);
  expect(statuses.filter((s) => s === 401)).toEqual([]);
  await keyed.close();
});
