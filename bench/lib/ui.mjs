// UI measurements against the built app (dist/renderer via scripts/serve.mjs) and `npm start`.
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { launchChromium } from './chromium.mjs';

const NODE_SEL = '.react-flow__node';

function waitForUrl(proc, timeoutMs) {
  return new Promise((resolve, reject) => {
    let buf = '';
    const t = setTimeout(
      () => reject(new Error(`no http:// URL printed within ${timeoutMs / 1000} s: ${buf.slice(-300)}`)),
      timeoutMs,
    );
    const on = (d) => {
      buf += d;
      // The whole printed URL, with the launch's key after "#" (the host answers /api only with it).
      const m = /(http:\/\/(?:127\.0\.0\.1|localhost):\d+\/?(?:#key=[A-Za-z0-9_-]+)?)/.exec(buf);
      if (m) {
        clearTimeout(t);
        resolve(m[1]);
      }
    };
    proc.stdout.on('data', on);
    proc.stderr.on('data', on);
    proc.on('exit', (c) => reject(new Error(`exited with ${c} before serving: ${buf.slice(-300)}`)));
  });
}

/** startupMs: `npm start` (web mode: no Electron binary here) → default template interactive. */
export async function measureStartup(root) {
  if (!existsSync(join(root, 'scripts/start.mjs')))
    return { skipped: 'scripts/start.mjs (npm start) does not exist yet' };
  if (!existsSync(join(root, 'dist/renderer/index.html')))
    return { skipped: 'dist/renderer is not built (npm run build)' };
  const browser = await launchChromium();
  const t0 = performance.now();
  const proc = spawn(
    'npm',
    [
      'start',
      '--',
      '--web',
      '--port',
      String(4700 + Math.floor(Math.random() * 90)),
      '--user-data',
      join(root, 'test-results', 'bench-ui', 'startup-user-data'),
    ],
    { cwd: root, env: { ...process.env, PERCEIVER_WEB: '1', BROWSER: 'none' }, detached: true },
  );
  try {
    const url = await waitForUrl(proc, 30_000);
    const page = await browser.newPage();
    await page.goto(url);
    await page.locator(NODE_SEL).nth(8).waitFor({ state: 'visible', timeout: 30_000 });
    return { startupMs: performance.now() - t0 };
  } finally {
    await browser.close();
    try {
      process.kill(-proc.pid, 'SIGTERM'); // npm's process group, started by us
    } catch {
      // already gone
    }
  }
}

/**
 * canvasFps300: open a generated 300-node graph through the UI's Open… (file chooser), then count requestAnimationFrame callbacks while dragging a node and while
 * panning the pane with real pointer events.
 */
export async function measureCanvas(root, graphJson) {
  if (!existsSync(join(root, 'dist/renderer/index.html')))
    return { skipped: 'the renderer is not built yet (dist/renderer/index.html missing)' };
  const dir = join(root, 'test-results', 'bench-ui');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'generated-300.json');
  writeFileSync(file, graphJson);
  const port = 4900 + Math.floor(Math.random() * 90);
  const server = spawn(
    process.execPath,
    ['scripts/serve.mjs', '--port', String(port), '--user-data', join(dir, 'user-data')],
    { cwd: root },
  );
  const browser = await launchChromium();
  try {
    const url = await waitForUrl(server, 90_000); // serve.mjs may rebuild the host bundle first (slow on a busy machine)
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    // The renderer has no URL parameter for a document: load it as a person would, via Open….
    await page.goto(url);
    await page.locator(NODE_SEL).first().waitFor({ timeout: 30_000 });
    let count = await page.locator(NODE_SEL).count();
    if (count < 300) {
      const open = page
        .getByRole('button', { name: /^open/i })
        .or(page.getByRole('menuitem', { name: /^open/i }))
        .first();
      if (!(await open.count()))
        return { skipped: `the UI shows ${count} nodes and has no Open button to load a 300-node graph` };
      await open.click();
      // The web host has no native dialog: the Open dialog's "From this computer…" is a file
      // input (data-testid upload-input); a native chooser is the fallback.
      const upload = page.locator('input[type=file][data-testid=upload-input]');
      if (await upload.count().catch(() => 0)) await upload.setInputFiles(file);
      else {
        const [chooser] = await Promise.all([
          page.waitForEvent('filechooser', { timeout: 10_000 }),
          page.getByRole('button', { name: /from this computer/i }).click(),
        ]);
        await chooser.setFiles(file);
      }
      // The canvas may render only the nodes in view (xyflow culling): wait for the document
      // to change (node ids of the generated graph start with "c0_"), not for 300 DOM nodes.
      const loaded = await page
        .waitForFunction(
          (sel) =>
            [...document.querySelectorAll(sel)].some((n) => /^c\d+_|^x\d+_/.test(n.getAttribute('data-id') ?? '')),
          NODE_SEL,
          { timeout: 30_000 },
        )
        .then(
          () => true,
          () => false,
        );
      count = await page.locator(NODE_SEL).count();
      if (!loaded)
        return {
          skipped: `after Open the canvas still shows the previous graph (${count} nodes); the 300-node file did not load`,
        };
    }
    const fps = async (gesture) => {
      await page.evaluate(() => {
        const w = globalThis;
        w.__frames = [];
        w.__raf = true;
        const tick = (t) => {
          w.__frames.push(t);
          if (w.__raf) requestAnimationFrame(tick);
        };
        requestAnimationFrame(tick);
      });
      await gesture();
      const frames = await page.evaluate(() => ((globalThis.__raf = false), globalThis.__frames));
      return frames.length > 1 ? ((frames.length - 1) * 1000) / (frames[frames.length - 1] - frames[0]) : 0;
    };
    const drag = async (x0, y0, dx, dy) => {
      await page.mouse.move(x0, y0);
      await page.mouse.down();
      for (let i = 1; i <= 60; i++) await page.mouse.move(x0 + (dx * i) / 60, y0 + (dy * i) / 60);
      await page.mouse.up();
    };
    const node = await page.locator(NODE_SEL).first().boundingBox();
    const dragFps = await fps(() => drag(node.x + node.width / 2, node.y + 10, 200, 120));
    const pane = await page.locator('.react-flow__pane').boundingBox();
    const panFps = await fps(() => drag(pane.x + pane.width - 40, pane.y + pane.height - 40, -300, -200));
    return {
      canvasFps300: Math.min(dragFps, panFps),
      canvasFpsDrag: dragFps,
      canvasFpsPan: panFps,
      canvasRenderedNodes: count,
    };
  } finally {
    await browser.close();
    server.kill();
  }
}
