import { defineConfig } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import { chromiumExecutable } from './tests/e2e/browser';

// PERCEIVER_E2E_PORT lets several checkouts (or people) run the suite side by side.
const port = Number(process.env.PERCEIVER_E2E_PORT ?? 4817);
const baseURL = process.env.PERCEIVER_E2E_URL ?? `http://127.0.0.1:${port}`;
// The web host's /api key (electron/host/hostSecret.ts). Set once in the runner's environment,
// which the workers inherit, so the server and every page and request of every spec share it:
// every request of a spec carries it as a header, as the page does after reading it from the
// printed URL. Against a server started elsewhere (PERCEIVER_E2E_URL), pass its key in this variable.
process.env.PERCEIVER_E2E_SECRET ??= randomBytes(32).toString('base64url');
const secret = process.env.PERCEIVER_E2E_SECRET;

export default defineConfig({
  testDir: 'tests/e2e',
  testMatch: /.*\.spec\.ts$/,
  timeout: 180_000,
  expect: { timeout: 20_000 },
  workers: 1,
  retries: 0,
  reporter: [['list'], ['json', { outputFile: 'test-results/playwright.json' }]],
  use: {
    baseURL,
    // The first-run welcome counts as seen, so specs start on the editor as before;
    // tests/e2e/welcome.spec.ts starts without it.
    storageState: {
      cookies: [],
      origins: [
        { origin: new URL(baseURL).origin, localStorage: [{ name: 'perceiver-studio.welcome-seen', value: '1' }] },
      ],
    },
    viewport: { width: 1440, height: 900 },
    extraHTTPHeaders: { 'x-perceiver-secret': secret },
    launchOptions: {
      executablePath: chromiumExecutable(),
      args: [
        '--no-sandbox',
        '--disable-gpu-sandbox',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--enable-unsafe-swiftshader',
      ],
    },
    screenshot: 'only-on-failure',
  },
  webServer: process.env.PERCEIVER_E2E_URL
    ? undefined
    : {
        command: `node scripts/serve.mjs --port ${port} --user-data test-results/e2e-user-data-${port}`,
        url: `http://127.0.0.1:${port}/`,
        env: { PERCEIVER_HOST_SECRET: secret },
        reuseExistingServer: false,
        timeout: 120_000,
      },
});
