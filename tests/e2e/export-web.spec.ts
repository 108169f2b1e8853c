/**
 * `perceiver-studio export --format tfjs`: the exported folder, served by a tiny static server on
 * 127.0.0.1, loads in Chromium and predicts as the engine did at export time (example.json holds
 * the engine's outputs): the export's own demo page, and a page of ours that imports tfjs straight
 * from node_modules (@tensorflow/tfjs/dist/tf.fesm.js, not the copy in the export) and calls
 * registerPerceiverLayers(tf) on it, for templates with image, tabular and token inputs.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.json': 'application/json',
  '.bin': 'application/octet-stream',
};

/** Serve dir; `mounts` maps a URL prefix ('/vendor/') to another folder. */
function serve(dir: string, mounts: Record<string, string> = {}): Promise<Server> {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname));
    const mount = Object.keys(mounts).find((m) => path.startsWith(m));
    const base = mount ? mounts[mount]! : dir;
    const file = resolve(base, '.' + (path === '/' ? '/index.html' : mount ? path.slice(mount.length - 1) : path));
    if (!file.startsWith(base + sep)) return void res.writeHead(403).end();
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
    const r = spawnSync(
      process.execPath,
      [
        join(root, 'bin', 'perceiver-studio.js'),
        'export',
        join(root, 'templates', 'mnist-perceiver-io.json'),
        '--format',
        'tfjs',
        '--out',
        dir,
      ],
      {
        cwd: root,
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
  });
  test.afterAll(async () => {
    await new Promise((ok) => (server ? server.close(ok) : ok(undefined)));
    rmSync(dir, { recursive: true, force: true });
  });

  test('the exported model loads in a page with the engine layers and predicts as Node does', async ({ page }) => {
    server = await serve(dir);
    const { port } = server.address() as AddressInfo;
    const example = JSON.parse(readFileSync(join(dir, 'example.json'), 'utf8')) as {
      outputs: number[];
      predictions: number[];
      n: number;
    };
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
    await expect(status).toContainText('the same as the engine');
    expect(errors).toEqual([]);
    console.log(`web export: ${example.n} digits, Chromium (cpu) vs Node max |Δlogit| ${maxAbs.toExponential(2)}`);
  });
});

/** A page of a web app: its own tfjs (node_modules' ES module build), our layers registered on it. */
const APP_PAGE = `<!doctype html><meta charset="utf-8"><title>app</title><p id="status">loading</p>
<script type="module">
import * as tf from '/vendor/tfjs/tf.fesm.js';
const status = document.getElementById('status');
window.check = async (name) => {
  const { registerPerceiverLayers } = await import('/' + name + '/perceiver-layers.js');
  registerPerceiverLayers(tf);
  await tf.setBackend('cpu');
  const model = await tf.loadLayersModel('/' + name + '/model.json');
  const ex = await (await fetch('/' + name + '/example.json')).json();
  const feeds = [{ values: ex.inputs, shape: ex.inputShape, dtype: ex.inputDtype || 'float32' }, ...(ex.moreInputs || [])];
  const xs = feeds.map((f) => tf.tensor(f.values, [ex.n, ...f.shape], f.dtype));
  const out = model.predict(xs.length === 1 ? xs[0] : xs);
  const outs = Array.isArray(out) ? out : [out];
  const expected = [ex.outputs, ...(ex.moreOutputs || []).map((o) => o.values)];
  let maxAbs = 0, count = 0;
  outs.forEach((o, k) => o.dataSync().forEach((v, i) => { maxAbs = Math.max(maxAbs, Math.abs(v - expected[k][i])); count++; }));
  const classes = Array.from(tf.argMax(outs[0], -1).dataSync());
  status.textContent = name + ': max |Δ| ' + maxAbs.toExponential(2);
  return { maxAbs, count, expected: expected.reduce((a, e) => a + e.length, 0), classes, predictions: ex.predictions, tfjs: tf.version.tfjs };
};
status.textContent = 'ready';
</script>`;

test.describe("web export with the page's own tfjs", () => {
  const templates = ['mnist-perceiver-io', 'tabular-perceiver', 'bytes-mlm-tiny'];
  let site: string;
  let server: Server;

  test.beforeAll(() => {
    site = mkdtempSync(join(tmpdir(), 'ps-export-web-app-'));
    for (const t of templates) {
      const r = spawnSync(
        process.execPath,
        [
          join(root, 'bin', 'perceiver-studio.js'),
          'export',
          join(root, 'templates', `${t}.json`),
          '--format',
          'tfjs',
          '--out',
          join(site, t),
        ],
        {
          cwd: root,
          encoding: 'utf8',
          timeout: 120_000,
        },
      );
      expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    }
    writeFileSync(join(site, 'index.html'), APP_PAGE);
  });
  test.afterAll(async () => {
    await new Promise((ok) => (server ? server.close(ok) : ok(undefined)));
    rmSync(site, { recursive: true, force: true });
  });

  test("tf.loadLayersModel of the page's tfjs loads image, tabular and byte models and predicts as the engine", async ({
    page,
  }) => {
    server = await serve(site, { '/vendor/tfjs/': join(root, 'node_modules', '@tensorflow', 'tfjs', 'dist') });
    const { port } = server.address() as AddressInfo;
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const requested: string[] = [];
    page.on('request', (r) => requested.push(new URL(r.url()).pathname));
    await page.goto(`http://127.0.0.1:${port}/index.html`);
    await expect(page.locator('#status')).toHaveText('ready', { timeout: 60_000 });
    const report: string[] = [];
    for (const t of templates) {
      const r = (await page.evaluate(
        (name) => (window as unknown as { check: (n: string) => Promise<unknown> }).check(name),
        t,
      )) as {
        maxAbs: number;
        count: number;
        expected: number;
        classes: number[];
        predictions: number[];
        tfjs: string;
      };
      expect(r.tfjs).toBe('4.22.0');
      expect(r.count, t).toBe(r.expected);
      expect(r.maxAbs, t).toBeLessThan(1e-4);
      expect(r.classes, t).toEqual(r.predictions);
      report.push(`${t}: ${r.count} values, max |Δ| ${r.maxAbs.toExponential(2)}`);
    }
    // The page's tfjs only: nothing loaded the export's demo copy of tfjs.
    expect(requested.filter((p) => p.endsWith('tf.fesm.min.js'))).toEqual([]);
    expect(requested).toContain('/vendor/tfjs/tf.fesm.js');
    expect(errors).toEqual([]);
    console.log(`web export with the page's tfjs (Chromium, cpu):\n${report.join('\n')}`);
  });
});
