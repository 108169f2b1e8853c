/**
 * The engine's blocks computed on tfjs' WebGL backend in Chromium agree with values computed
 * independently in plain JavaScript (and the whole default model agrees with cpu). Here WebGL is
 * SwiftShader (software), which is still a real WebGL2 implementation of the same shaders.
 */
import { build } from 'esbuild';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');

test('attention, LayerNorm, GELU, Fourier features and the default model are right on WebGL', async ({ page }) => {
  const bundle = await build({
    entryPoints: [join(here, 'numeric', 'webglChecks.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    absWorkingDir: root,
    logLevel: 'warning',
  });
  const js = bundle.outputFiles[0]!.text;
  // Served from a fake origin through Playwright's router: no server, nothing leaves the page.
  await page.route('http://numeric.test/**', (route) => {
    const url = new URL(route.request().url());
    if (url.pathname === '/checks.js') return route.fulfill({ contentType: 'text/javascript', body: js });
    return route.fulfill({
      contentType: 'text/html',
      body: '<!doctype html><title>numeric</title><script src="/checks.js"></script>',
    });
  });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('http://numeric.test/');
  const out = await page.evaluate(() =>
    (
      globalThis as unknown as {
        runChecks: () => Promise<{
          backend: string;
          renderer: string;
          results: { name: string; maxAbsError: number; tolerance: number }[];
        }>;
      }
    ).runChecks(),
  );
  expect(errors).toEqual([]);
  expect(out.backend).toBe('webgl');
  console.log(`WebGL renderer: ${out.renderer}`);
  for (const r of out.results) {
    console.log(`${r.name}: max |error| ${r.maxAbsError.toExponential(2)} (tolerance ${r.tolerance})`);
    expect(r.maxAbsError, r.name).toBeLessThanOrEqual(r.tolerance);
  }
  expect(out.results).toHaveLength(6);
});
