/**
 * The native menu as plain data: File / Edit / View / Help with each platform's accelerators,
 * every item sending one MenuCommand to the renderer over one channel. Built by a pure function
 * so it is unit-tested in Node; main.ts hands the result to Menu.buildFromTemplate.
 */
import type { MenuItemConstructorOptions } from 'electron';
import type { MenuCommand, MenuCommandName } from '../ipc-contract.js';

export interface MenuContext {
  platform: NodeJS.Platform;
  /** Development build: adds Reload and the developer tools. */
  isDev: boolean;
  appName: string;
  recent: { handle: string; name: string }[];
  send: (cmd: MenuCommand) => void;
  clearRecent: () => void;
  /** Reveal the log file (Help › Show Log File); absent in tests that do not care. */
  showLog?: () => void;
}

export function buildMenuTemplate(ctx: MenuContext): MenuItemConstructorOptions[] {
  const mac = ctx.platform === 'darwin';
  const cmd = (label: string, command: MenuCommandName, accelerator?: string): MenuItemConstructorOptions => ({
    label,
    id: command,
    ...(accelerator ? { accelerator } : {}),
    click: () => ctx.send({ command }),
  });

  const openRecent: MenuItemConstructorOptions[] = ctx.recent.length
    ? ctx.recent.map((r, i) => ({
        label: r.name,
        id: `recent-${i}`,
        toolTip: r.handle,
        click: () => ctx.send({ command: 'openHandle', handle: r.handle }),
      }))
    : [{ label: 'No Recent Files', enabled: false }];
  openRecent.push(
    { type: 'separator' },
    { label: 'Clear Recently Opened', id: 'clearRecent', enabled: ctx.recent.length > 0, click: ctx.clearRecent },
  );

  const file: MenuItemConstructorOptions = {
    label: '&File',
    id: 'file',
    submenu: [
      cmd('New', 'new', 'CmdOrCtrl+N'),
      cmd('Open…', 'open', 'CmdOrCtrl+O'),
      { label: 'Open Recent', id: 'openRecent', submenu: openRecent },
      cmd('Import from Hugging Face…', 'importHf'),
      cmd('Reopen Closed Tab', 'reopenClosedTab', 'Shift+CmdOrCtrl+T'),
      { type: 'separator' },
      cmd('Save', 'save', 'CmdOrCtrl+S'),
      cmd('Save As…', 'saveAs', 'Shift+CmdOrCtrl+S'),
      // Ctrl+E is the editor's zoom to selection; Export takes the shifted chord (as the command palette lists it).
      cmd('Export…', 'export', 'Shift+CmdOrCtrl+E'),
      { type: 'separator' },
      cmd('Close', 'close', 'CmdOrCtrl+W'),
      ...(mac ? [] : [{ type: 'separator' } as const, { role: 'quit', label: 'Exit', accelerator: 'Ctrl+Q' } as const]),
    ],
  };

  const edit: MenuItemConstructorOptions = {
    label: '&Edit',
    id: 'edit',
    submenu: [
      // Undo/redo and select-all act on the graph (the renderer decides when a text field has focus).
      cmd('Undo', 'undo', 'CmdOrCtrl+Z'),
      cmd('Redo', 'redo', mac ? 'Shift+Cmd+Z' : 'Ctrl+Y'),
      { type: 'separator' },
      // Native roles fire the DOM cut/copy/paste events the canvas listens to; text fields just work.
      { role: 'cut', id: 'cut' },
      { role: 'copy', id: 'copy' },
      { role: 'paste', id: 'paste' },
      cmd('Select All', 'selectAll', 'CmdOrCtrl+A'),
    ],
  };

  const view: MenuItemConstructorOptions = {
    label: '&View',
    id: 'view',
    submenu: [
      cmd('Zoom In', 'zoomIn', 'CmdOrCtrl+='),
      cmd('Zoom Out', 'zoomOut', 'CmdOrCtrl+-'),
      cmd('Actual Size', 'zoomReset', 'CmdOrCtrl+0'),
      cmd('Fit to Window', 'fitView', 'Shift+CmdOrCtrl+1'),
      { type: 'separator' },
      // Shift+Ctrl+T reopens a closed tab (as in browsers); the theme has no chord of its own.
      cmd('Toggle Theme', 'toggleTheme'),
      ...(ctx.isDev
        ? [
            { type: 'separator' } as const,
            { role: 'reload', id: 'reload' } as const,
            { role: 'toggleDevTools', id: 'toggleDevTools' } as const,
          ]
        : []),
      { type: 'separator' },
      { role: 'togglefullscreen' },
    ],
  };

  const help: MenuItemConstructorOptions = {
    label: '&Help',
    id: 'help',
    role: 'help',
    submenu: [
      cmd('Documentation', 'documentation', 'F1'),
      cmd('Keyboard Shortcuts', 'shortcuts'),
      cmd('Welcome', 'welcome'),
      { type: 'separator' },
      { label: 'Show Log File', id: 'showLog', click: () => ctx.showLog?.() },
      ...(mac ? [] : [cmd(`About ${ctx.appName}`, 'about')]),
    ],
  };

  // Minimize, Zoom/Maximize, Close, and on macOS the list of windows and Bring All to Front.
  const window: MenuItemConstructorOptions = { label: '&Window', id: 'window', role: 'windowMenu' };

  const appMenu: MenuItemConstructorOptions[] = mac
    ? [
        {
          label: ctx.appName,
          submenu: [
            cmd(`About ${ctx.appName}`, 'about'),
            { type: 'separator' },
            { role: 'services' },
            { type: 'separator' },
            { role: 'hide' },
            { role: 'hideOthers' },
            { role: 'unhide' },
            { type: 'separator' },
            { role: 'quit' },
          ],
        },
      ]
    : [];
  return [...appMenu, file, edit, view, window, help];
}

/** Every item of a template, depth first (for tests and for finding an item by id). */
export function flattenMenu(items: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] {
  const out: MenuItemConstructorOptions[] = [];
  for (const it of items) {
    out.push(it);
    if (Array.isArray(it.submenu)) out.push(...flattenMenu(it.submenu));
  }
  return out;
}
