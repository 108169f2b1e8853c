/**
 * `perceiver-studio export --format tfjs`: the exported folder, served by a tiny static server on
 * 127.0.0.1, loads in Chromium with the engine's layers (perceiver-layers.js) and predicts the
 * bundled MNIST digits exactly as Node did at export time (example.json holds Node's logits).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.json': 'application/json', '.bin': 'application/octet-stream' };

function serve(dir: string): Promise<Server> {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname));
    const file = resolve(dir, '.' + (path === '/' ? '/index.html' : path));
    if (!file.startsWith(dir + sep)) return void res.writeHead(403).end();
    try {
      const body = readFileSync(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server)));
}

test.describe('web export', () => {
  let dir: string;
  let server: Server;

  test.beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ps-export-web-'));
    const r = spawnSync(process.execPath, [join(root, 'bin', 'perceiver-studio.js'), 'export', join(root, 'templates', 'mnist-perceiver-io.json'), '--format', 'tfjs', '--out', dir], {
      cwd: root,
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
  });
  test.afterAll(async () => {
    await new Promise((ok) => (server ? server.close(ok) : ok(undefined)));
    rmSync(dir, { recursive: true, force: true });
  });

  test('the exported model loads in a page with the engine layers and predicts as Node does', async ({ page }) => {
    server = await serve(dir);
    const { port } = server.address() as AddressInfo;
    const example = JSON.parse(readFileSync(join(dir, 'example.json'), 'utf8')) as { outputs: number[]; predictions: number[]; n: number };
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));

    await page.goto(`http://127.0.0.1:${port}/index.html?backend=cpu`);
    const status = page.locator('#status');
    await expect(status).not.toHaveAttribute('data-state', 'loading', { timeout: 60_000 });
    const result = (await page.evaluate(() => (window as unknown as { perceiverResult: unknown }).perceiverResult)) as {
      error?: string;
      backend: string;
      classes: number[];
      logits: number[];
      same: boolean;
    };
    expect(result.error, errors.join('\n')).toBeUndefined();
    expect(result.backend).toBe('cpu');
    expect(result.classes).toEqual(example.predictions);
    expect(result.logits).toHaveLength(example.outputs.length);
    const maxAbs = result.logits.reduce((m, v, i) => Math.max(m, Math.abs(v - example.outputs[i]!)), 0);
    expect(maxAbs).toBeLessThan(1e-4);
    await expect(status).toHaveAttribute('data-state', 'same');
    await expect(status).toContainText('the same as Node');
    expect(errors).toEqual([]);
    console.log(`web export: ${example.n} digits, Chromium (cpu) vs Node max |Δlogit| ${maxAbs.toExponential(2)}`);
  });
});
