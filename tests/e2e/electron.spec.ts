/**
 * The desktop shell in a real Electron: window, menus, saving, navigation lock-down and the
 * exposed API. Runs where the Electron binary is installed; otherwise every test is skipped with
 * the reason (the same logic is unit-tested in Node under electron/**).
 */
import { _electron as electron, expect, test, type ElectronApplication, type Page } from '@playwright/test';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { contractEvents, contractMethods } from '../../electron/ipc-contract';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function electronBinary(): { path: string } | { path: null; why: string } {
  try {
    const p = createRequire(join(root, 'package.json'))('electron') as unknown;
    if (typeof p === 'string' && existsSync(p)) return { path: p };
    return { path: null, why: `the electron package points at ${String(p)}, which does not exist` };
  } catch {
    // The electron package throws when its postinstall did not download the binary.
    return { path: null, why: 'node_modules/electron has no downloaded binary' };
  }
}

const bin = electronBinary();
const built =
  existsSync(join(root, 'dist', 'electron', 'main.cjs')) && existsSync(join(root, 'dist', 'renderer', 'index.html'));

test.describe('Electron shell', () => {
  test.skip(
    bin.path === null,
    `Electron binary not installed (${bin.path === null ? bin.why : ''}); npm ci ran with ELECTRON_SKIP_BINARY_DOWNLOAD=1 or offline. Run \`node node_modules/electron/install.js\` online to run these specs; the shell's logic is unit-tested in Node (electron/**/*.test.ts).`,
  );
  test.skip(!built, 'dist/electron or dist/renderer is missing: run `npm run build` first.');

  let app: ElectronApplication;
  let page: Page;
  let userData: string;

  test.beforeAll(async () => {
    userData = mkdtempSync(join(tmpdir(), 'ps-electron-'));
    app = await electron.launch({
      executablePath: bin.path!,
      args: [root, `--user-data-dir=${userData}`, '--no-sandbox'],
      cwd: root,
    });
    page = await app.firstWindow();
    await page.waitForLoadState('domcontentloaded');
  });
  test.afterAll(async () => {
    await app?.close();
  });

  test('the window opens on app://, without Node in the page, cross-origin isolated', async () => {
    expect(page.url()).toMatch(/^app:\/\/perceiver\//);
    await expect.poll(() => page.title()).toMatch(/Perceiver Studio/);
    // No Node in the page: no nodeIntegration, and context isolation keeps the preload's world apart.
    expect(await page.evaluate(() => typeof (globalThis as { process?: unknown }).process)).toBe('undefined');
    expect(await page.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  });

  test('window.perceiver has exactly the contract’s methods', async () => {
    const keys = await page.evaluate(() => Object.keys((window as unknown as { perceiver: object }).perceiver).sort());
    expect(keys).toEqual([...contractMethods, ...contractEvents].sort());
  });

  test('menu items send their commands to the renderer', async () => {
    await page.evaluate(() => {
      const w = window as unknown as {
        perceiver: { onMenuCommand(cb: (c: unknown) => void): () => void };
        __menu: unknown[];
      };
      w.__menu = [];
      w.perceiver.onMenuCommand((c) => w.__menu.push(c));
    });
    await app.evaluate(({ Menu }) => {
      for (const id of ['fitView', 'undo', 'toggleTheme']) Menu.getApplicationMenu()!.getMenuItemById(id)!.click();
    });
    await expect
      .poll(() =>
        page.evaluate(() => (window as unknown as { __menu: { command: string }[] }).__menu.map((c) => c.command)),
      )
      .toEqual(expect.arrayContaining(['fitView', 'undo', 'toggleTheme']));
  });

  test('a save through the native dialog lands on disk', async () => {
    const target = join(userData, 'saved.perceiver.json');
    await app.evaluate(({ dialog }, filePath) => {
      dialog.showSaveDialog = (async () => ({ canceled: false, filePath })) as typeof dialog.showSaveDialog;
    }, target);
    const text = readFileSync(join(root, 'templates', 'mnist-perceiver-io.json'), 'utf8');
    const saved = await page.evaluate(
      (t) =>
        (
          window as unknown as { perceiver: { saveFile(p: object): Promise<{ handle: string } | null> } }
        ).perceiver.saveFile({ handle: null, suggestedName: 'saved', text: t }),
      text,
    );
    expect(saved?.handle).toBe(target);
    expect(readFileSync(target, 'utf8')).toBe(text);
  });

  test('navigation and new windows are blocked', async () => {
    const before = page.url();
    await page.evaluate(() => {
      window.location.href = 'https://example.com/';
    });
    await page.waitForTimeout(500);
    expect(page.url()).toBe(before);
    expect(await page.evaluate(() => window.open('https://example.com/') === null)).toBe(true);
    expect(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length)).toBe(1);
  });
});
