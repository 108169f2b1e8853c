import { defineConfig } from '@playwright/test';
import { chromiumExecutable } from './tests/e2e/browser';

// PERCEIVER_E2E_PORT lets several checkouts (or people) run the suite side by side.
const port = Number(process.env.PERCEIVER_E2E_PORT ?? 4817);

export default defineConfig({
  testDir: 'tests/e2e',
  testMatch: /.*\.spec\.ts$/,
  timeout: 180_000,
  expect: { timeout: 20_000 },
  workers: 1,
  retries: 0,
  reporter: [['list'], ['json', { outputFile: 'test-results/playwright.json' }]],
  use: {
    baseURL: process.env.PERCEIVER_E2E_URL ?? `http://127.0.0.1:${port}`,
    viewport: { width: 1440, height: 900 },
    launchOptions: {
      executablePath: chromiumExecutable(),
      args: ['--no-sandbox', '--disable-gpu-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--enable-unsafe-swiftshader'],
    },
    screenshot: 'only-on-failure',
  },
  webServer: process.env.PERCEIVER_E2E_URL
    ? undefined
    : {
        command: `node scripts/serve.mjs --port ${port} --user-data test-results/e2e-user-data-${port}`,
        url: `http://127.0.0.1:${port}/`,
        reuseExistingServer: false,
        timeout: 120_000,
      },
});
