/**
 * What only the desktop shell shows (issue 17): the Window menu and Reopen Closed Tab, a
 * `.perceiver` file opened from the command line, the log file, a crashed renderer reloaded with
 * its tabs and a notice, a run's end reaching main (OS notification when unfocused), and macOS
 * staying open without windows. Skipped where the Electron binary is not installed, like
 * electron.spec.ts; the logic is unit-tested in electron/main/shellExtras.test.ts.
 */
import { _electron as electron, expect, test, type ElectronApplication, type Page } from '@playwright/test';
import { copyFileSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function electronBinary(): string | null {
  try {
    const p = createRequire(join(root, 'package.json'))('electron') as unknown;
    return typeof p === 'string' && existsSync(p) ? p : null;
  } catch {
    return null;
  }
}

const bin = electronBinary();
const built =
  existsSync(join(root, 'dist', 'electron', 'main.cjs')) && existsSync(join(root, 'dist', 'renderer', 'index.html'));

test.describe('Electron shell (issue 17)', () => {
  test.skip(
    bin === null,
    'Electron binary not installed (node_modules/electron has no downloaded binary); the shell logic is unit-tested in electron/main/*.test.ts.',
  );
  test.skip(!built, 'dist/electron or dist/renderer is missing: run `npm run build` first.');

  let app: ElectronApplication;
  let page: Page;
  let userData: string;
  let graphFile: string;

  test.beforeAll(async () => {
    userData = mkdtempSync(join(tmpdir(), 'ps-electron-shell-'));
    graphFile = join(userData, 'my-tabular.perceiver');
    copyFileSync(join(root, 'templates', 'tabular-perceiver.json'), graphFile);
    app = await electron.launch({
      executablePath: bin!,
      args: [root, `--user-data-dir=${userData}`, '--no-sandbox', graphFile],
      cwd: root,
    });
    page = await app.firstWindow();
    await page.waitForLoadState('domcontentloaded');
    await page.evaluate(() => localStorage.setItem('perceiver-studio.welcome-seen', '1'));
  });
  test.afterAll(async () => {
    await app?.close();
  });

  test('a .perceiver file on the command line opens in a tab', async () => {
    await expect(page.getByRole('tablist', { name: 'Open graphs' }).getByRole('tab', { name: /Tabular/ })).toBeVisible({
      timeout: 30_000,
    });
    await expect(page.getByTestId('notice')).toContainText('my-tabular.perceiver');
  });

  test('the menus have a Window menu, Reopen Closed Tab and Show Log File', async () => {
    const menu = await app.evaluate(({ Menu }) => {
      const m = Menu.getApplicationMenu()!;
      return {
        labels: m.items.map((i) => i.label),
        reopen: m.getMenuItemById('reopenClosedTab')?.accelerator,
        log: !!m.getMenuItemById('showLog'),
      };
    });
    expect(menu.labels).toEqual(expect.arrayContaining(['Window']));
    expect(menu.reopen).toBe('Shift+CmdOrCtrl+T');
    expect(menu.log).toBe(true);
  });

  test('a log file is written that a bug report can attach', async () => {
    const log = join(userData, 'logs', 'main.log');
    await expect.poll(() => existsSync(log)).toBe(true);
    expect(readFileSync(log, 'utf8')).toMatch(/INFO {2}Perceiver Studio .* starting: Electron \d+/);
  });

  test('a run’s end reaches main (logged; an OS notification when the window is not focused)', async () => {
    await page.evaluate(() =>
      (window as unknown as { perceiver: { setDocumentState(p: unknown): Promise<void> } }).perceiver.setDocumentState({
        dirty: false,
        title: '40% training · X — Perceiver Studio',
        progress: 0.4,
        runEnded: { title: 'Training finished: “X”', body: '97.0% test accuracy in 1m 02s.' },
      }),
    );
    await expect
      .poll(() => readFileSync(join(userData, 'logs', 'main.log'), 'utf8'))
      .toContain('run ended: Training finished: “X”');
    expect(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]!.getTitle())).toBe(
      '40% training · X — Perceiver Studio',
    );
  });

  test('a crashed renderer is reloaded: the tabs come back and the app says what happened', async () => {
    const tabs = page.getByRole('tablist', { name: 'Open graphs' }).getByRole('tab');
    const before = await tabs.count();
    await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]!.webContents.forcefullyCrashRenderer());
    await expect(page.getByTestId('notice')).toContainText('stopped unexpectedly and was reloaded', {
      timeout: 60_000,
    });
    await expect(tabs).toHaveCount(before);
    expect(readFileSync(join(userData, 'logs', 'main.log'), 'utf8')).toMatch(/renderer process gone: crashed/);
  });

  test('macOS: the app stays open when its last window closes', async () => {
    test.skip(process.platform !== 'darwin', 'macOS only');
    await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]!.destroy());
    await new Promise((r) => setTimeout(r, 1000));
    expect(await app.evaluate(({ app: a }) => a.isReady())).toBe(true);
  });
});
