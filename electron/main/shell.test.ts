/** Main-process logic that does not need Electron: menus, security policy, close guard, window state, app:// responses. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { menuCommandNames, type MenuCommand } from '../ipc-contract.js';
import { appResponse } from './appProtocol.js';
import { CloseGuard, type CloseChoice } from './closeGuard.js';
import { buildMenuTemplate, flattenMenu } from './menu.js';
import {
  APP_START_URL,
  isTrustedSender,
  navigationDecision,
  permissionDecision,
  templatePathsFromArgv,
} from './policy.js';
import { restoreBounds, WindowStateStore } from './windowState.js';

function menu(platform: NodeJS.Platform, isDev = false, recent: { handle: string; name: string }[] = []) {
  const sent: MenuCommand[] = [];
  let cleared = 0;
  const template = buildMenuTemplate({
    platform,
    isDev,
    appName: 'Perceiver Studio',
    recent,
    send: (c) => sent.push(c),
    clearRecent: () => cleared++,
  });
  const items = flattenMenu(template);
  const byId = (id: string) => items.find((i) => i.id === id)!;
  const click = (id: string) => (byId(id).click as unknown as () => void)();
  return { template, items, byId, click, sent, cleared: () => cleared };
}

describe('native menu', () => {
  it('has File, Edit, View and Help with the required items', () => {
    const { template, items } = menu('linux');
    // Issue 17 added the Window menu (minimize/zoom/close; the window list on macOS).
    expect(template.map((t) => t.label)).toEqual(['&File', '&Edit', '&View', '&Window', '&Help']);
    expect(menu('linux').byId('window').role).toBe('windowMenu');
    const labels = items.map((i) => i.label ?? i.role);
    for (const l of [
      'New',
      'Open…',
      'Open Recent',
      'Reopen Closed Tab',
      'Save',
      'Save As…',
      'Export…',
      'Close',
      'Undo',
      'Redo',
      'cut',
      'copy',
      'paste',
      'Select All',
      'Zoom In',
      'Zoom Out',
      'Fit to Window',
      'Toggle Theme',
      'Documentation',
      'Keyboard Shortcuts',
      'Welcome',
      'Show Log File',
      'About Perceiver Studio',
    ]) {
      expect(labels).toContain(l);
    }
  });

  it('every command item sends its command over the one channel', () => {
    const m = menu('linux');
    const commandIds = m.items
      .filter((i) => typeof i.id === 'string' && (menuCommandNames as readonly string[]).includes(i.id))
      .map((i) => i.id!);
    // Every contract command is reachable from the menu, except the one main sends by itself
    // (rendererRestarted, after a renderer crash).
    expect(new Set(commandIds)).toEqual(new Set(menuCommandNames.filter((c) => c !== 'rendererRestarted')));
    for (const id of commandIds) m.click(id);
    expect(m.sent.map((c) => c.command)).toEqual(commandIds);
  });

  it('uses each platform’s accelerators and the macOS app menu', () => {
    expect(menu('linux').byId('redo').accelerator).toBe('Ctrl+Y');
    expect(menu('win32').byId('redo').accelerator).toBe('Ctrl+Y');
    const mac = menu('darwin');
    expect(mac.byId('redo').accelerator).toBe('Shift+Cmd+Z');
    expect(mac.template[0]!.label).toBe('Perceiver Studio');
    expect(mac.items.some((i) => i.role === 'quit')).toBe(true);
    expect(menu('linux').byId('save').accelerator).toBe('CmdOrCtrl+S');
    // Shift+Ctrl+T reopens a closed tab, as in browsers; no other item takes that chord.
    expect(menu('linux').byId('reopenClosedTab').accelerator).toBe('Shift+CmdOrCtrl+T');
    expect(menu('linux').items.filter((i) => i.accelerator === 'Shift+CmdOrCtrl+T')).toHaveLength(1);
    const accels = menu('darwin')
      .items.map((i) => i.accelerator)
      .filter(Boolean);
    expect(new Set(accels).size).toBe(accels.length);
  });

  it('Help › Show Log File reveals the log', () => {
    let shown = 0;
    const template = buildMenuTemplate({
      platform: 'linux',
      isDev: false,
      appName: 'P',
      recent: [],
      send: () => undefined,
      clearRecent: () => undefined,
      showLog: () => shown++,
    });
    (flattenMenu(template).find((i) => i.id === 'showLog')!.click as unknown as () => void)();
    expect(shown).toBe(1);
  });

  it('shows developer tools only in development', () => {
    expect(menu('linux', false).items.some((i) => i.role === 'toggleDevTools')).toBe(false);
    expect(menu('linux', true).items.some((i) => i.role === 'toggleDevTools')).toBe(true);
  });

  it('lists recent files that open by handle, and can clear them', () => {
    const m = menu('linux', false, [{ handle: '/home/u/a.perceiver.json', name: 'a.perceiver.json' }]);
    m.click('recent-0');
    expect(m.sent).toEqual([{ command: 'openHandle', handle: '/home/u/a.perceiver.json' }]);
    m.click('clearRecent');
    expect(m.cleared()).toBe(1);
    expect(menu('linux').byId('clearRecent').enabled).toBe(false);
  });
});

describe('security policy', () => {
  it('denies every navigation; allow-listed https links go to the system browser', () => {
    expect(navigationDecision('https://github.com/deepmind/deepmind-research')).toBe('external');
    for (const url of [
      'app://perceiver/other.html',
      'file:///etc/passwd',
      'http://github.com/',
      'https://evil.example/',
      'javascript:alert(1)',
      'data:text/html,hi',
    ]) {
      expect(navigationDecision(url), url).toBe('deny');
    }
  });

  it('denies permissions by default', () => {
    for (const p of ['media', 'geolocation', 'notifications', 'midi', 'openExternal', 'fullscreen', 'clipboard-read']) {
      expect(permissionDecision(p, APP_START_URL), p).toBe(false);
    }
    expect(permissionDecision('clipboard-sanitized-write', APP_START_URL)).toBe(true);
    expect(permissionDecision('clipboard-sanitized-write', 'https://evil.example/')).toBe(false);
  });

  it('trusts only the app window’s top frame on an app:// page', () => {
    const ok = { sender: { id: 7 }, senderFrame: { url: APP_START_URL, parent: null } };
    expect(isTrustedSender(ok, 7)).toBe(true);
    expect(isTrustedSender(ok, 8)).toBe(false);
    expect(isTrustedSender(ok, null)).toBe(false);
    expect(isTrustedSender({ ...ok, senderFrame: { url: APP_START_URL, parent: {} } }, 7)).toBe(false);
    expect(isTrustedSender({ ...ok, senderFrame: { url: 'https://evil.example/', parent: null } }, 7)).toBe(false);
    expect(isTrustedSender({ ...ok, senderFrame: { url: 'app://evil/index.html', parent: null } }, 7)).toBe(false);
    expect(isTrustedSender({ ...ok, senderFrame: null }, 7)).toBe(false);
  });

  it('picks template paths out of a command line', () => {
    expect(
      templatePathsFromArgv([
        '--no-sandbox',
        'net.perceiver.json',
        '/x/y.json',
        'README.md',
        'my.perceiver',
        'a.PERCEIVER',
        'x.perceiver.bak',
      ]),
    ).toEqual(['net.perceiver.json', '/x/y.json', 'my.perceiver', 'a.PERCEIVER']);
  });
});

describe('unsaved changes on close', () => {
  function guard(choice: CloseChoice) {
    const log: string[] = [];
    const g = new CloseGuard({
      ask: async () => (log.push('ask'), choice),
      requestSave: () => log.push('save'),
      close: () => log.push('close'),
    });
    return { g, log };
  }
  const tick = () => new Promise((r) => setTimeout(r, 0));

  it('closes a clean window at once', () => {
    const { g, log } = guard('cancel');
    expect(g.onClose()).toBe(true);
    expect(log).toEqual([]);
  });
  it('Cancel keeps a dirty window open', async () => {
    const { g, log } = guard('cancel');
    g.setDirty(true);
    expect(g.onClose()).toBe(false);
    await tick();
    expect(log).toEqual(['ask']);
  });
  it("Don't Save closes without saving", async () => {
    const { g, log } = guard('discard');
    g.setDirty(true);
    expect(g.onClose()).toBe(false);
    await tick();
    expect(log).toEqual(['ask', 'close']);
    expect(g.onClose()).toBe(true);
  });
  it('Save asks the renderer to save and closes when it reports clean; a cancelled save keeps it open', async () => {
    const { g, log } = guard('save');
    g.setDirty(true);
    g.onClose();
    await tick();
    expect(log).toEqual(['ask', 'save']);
    g.setDirty(false);
    expect(log).toEqual(['ask', 'save', 'close']);

    const second = guard('save');
    second.g.setDirty(true);
    second.g.onClose();
    await tick();
    second.g.cancelPendingClose();
    second.g.setDirty(false);
    expect(second.log).toEqual(['ask', 'save']);
  });
});

describe('window state', () => {
  const screen = [{ x: 0, y: 0, width: 1920, height: 1080 }];
  it('restores saved bounds on a connected display, else only the size', () => {
    expect(restoreBounds(null, screen)).toEqual({ bounds: { width: 1440, height: 900 }, maximized: false });
    expect(restoreBounds({ bounds: { x: 100, y: 50, width: 1000, height: 700 }, maximized: true }, screen)).toEqual({
      bounds: { x: 100, y: 50, width: 1000, height: 700 },
      maximized: true,
    });
    // Saved on a monitor that is gone now.
    expect(
      restoreBounds({ bounds: { x: 3000, y: 50, width: 1000, height: 700 }, maximized: false }, screen).bounds,
    ).toEqual({ width: 1000, height: 700 });
    // Never smaller than the minimum.
    expect(
      restoreBounds({ bounds: { x: 0, y: 0, width: 10, height: 10 }, maximized: false }, screen).bounds,
    ).toMatchObject({ width: 800, height: 560 });
  });
  it('persists atomically and ignores a corrupt file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ps-win-'));
    const store = new WindowStateStore(dir);
    expect(await store.load()).toBeNull();
    await store.save({ bounds: { x: 1, y: 2, width: 900, height: 600 }, maximized: false });
    expect(await store.load()).toEqual({ bounds: { x: 1, y: 2, width: 900, height: 600 }, maximized: false });
    writeFileSync(join(dir, 'window-state.json'), '{"bounds": {"x": "evil"}}');
    expect(await store.load()).toBeNull();
  });
});

describe('app:// protocol', () => {
  const root = mkdtempSync(join(tmpdir(), 'ps-app-'));
  mkdirSync(join(root, 'wasm'));
  writeFileSync(join(root, 'index.html'), '<!doctype html>');
  writeFileSync(join(root, 'wasm', 'a.wasm'), Buffer.from([0, 97, 115, 109]));
  it('serves the renderer with the security headers', async () => {
    const r = await appResponse(root, 'GET', APP_START_URL);
    expect(r.status).toBe(200);
    expect(r.headers['content-security-policy']).toContain("'wasm-unsafe-eval'");
    expect(r.headers['cross-origin-embedder-policy']).toBe('require-corp');
    expect((await appResponse(root, 'GET', 'app://perceiver/wasm/a.wasm')).headers['content-type']).toBe(
      'application/wasm',
    );
  });
  it('refuses other hosts, methods and traversal', async () => {
    expect((await appResponse(root, 'GET', 'app://other/index.html')).status).toBe(404);
    expect((await appResponse(root, 'POST', APP_START_URL)).status).toBe(405);
    expect((await appResponse(root, 'GET', 'app://perceiver/%2e%2e/%2e%2e/etc/passwd')).status).toBe(404);
    expect((await appResponse(root, 'GET', 'app://perceiver/..%2f..%2fetc%2fpasswd')).status).toBe(404);
  });
});
