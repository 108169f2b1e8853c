/**
 * Electron main: one window, the renderer from app:// (never file://), sandboxed with context
 * isolation and no Node, navigation/new windows/permissions denied, IPC only from the app's top
 * frame and validated by the shared dispatcher. Everything with logic lives in plain modules
 * (policy, menu, closeGuard, windowState, ../host/hostApi) that are unit-tested in Node.
 * Bundled by scripts/build-electron.mjs into dist/electron/main.cjs.
 */
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  Notification,
  protocol,
  screen,
  session,
  shell,
  type IpcMainInvokeEvent,
} from 'electron';
import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { menuCommandSchema, type MenuCommand } from '../ipc-contract.js';
import { cleanStaleTemps, createHostApi, createServices, dispatch } from '../host/hostApi.js';
import { defaultUserDataDir } from '../host/paths.js';
import { GrantedPaths } from '../services/documents.js';
import { appResponse } from './appProtocol.js';
import { appRootFromMainDir, builtinTemplatesDirOf, preloadPathOf, rendererDirOf } from './appPaths.js';
import { CloseGuard, type CloseChoice } from './closeGuard.js';
import { buildMenuTemplate } from './menu.js';
import { GRAPH_EXTENSIONS, saveNameFor, withGraphExtension } from './fileTypes.js';
import { LogFile } from './logFile.js';
import { RendererRecovery } from './rendererRecovery.js';
import {
  APP_SCHEME,
  APP_START_URL,
  isAppUrl,
  isTrustedSender,
  navigationDecision,
  permissionDecision,
  templatePathsFromArgv,
} from './policy.js';
import { INVOKE_CHANNEL, MENU_CHANNEL } from '../preloadApi.js';
import { MIN_SIZE, restoreBounds, WindowStateStore } from './windowState.js';

const APP_NAME = 'Perceiver Studio';
const isDev = !app.isPackaged;
const location = {
  isPackaged: app.isPackaged,
  resourcesPath: process.resourcesPath,
  appRoot: appRootFromMainDir(__dirname),
};
const rendererDir = rendererDirOf(location);
const templatesDir = builtinTemplatesDirOf(location);
const linuxIcon = join(location.appRoot, 'build', 'icons', '512x512.png');

// A test or a second profile may pass its own folder; otherwise the folder the web host uses too.
const userDataArg = process.argv.find((a) => a.startsWith('--user-data-dir='));
app.setPath('userData', userDataArg ? resolve(userDataArg.slice('--user-data-dir='.length)) : defaultUserDataDir());
app.setName(APP_NAME);
app.enableSandbox();

protocol.registerSchemesAsPrivileged([
  {
    scheme: APP_SCHEME,
    privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true, codeCache: true },
  },
]);

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  void start();
}

async function start(): Promise<void> {
  const userData = app.getPath('userData');
  // A log users can attach to a bug report (Help › Show Log File).
  const log = new LogFile(join(userData, 'logs'));
  log.info(
    `${APP_NAME} ${app.getVersion()} starting: Electron ${process.versions.electron}, ${process.platform} ${process.arch}`,
  );
  process.on('uncaughtException', (err) => log.error(`main: uncaught ${err.stack ?? String(err)}`));
  process.on('unhandledRejection', (err) =>
    log.error(`main: unhandled rejection ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`),
  );
  const recovery = new RendererRecovery();
  const config = { userData, templatesDir, version: app.getVersion(), platform: process.platform };
  await cleanStaleTemps(config, (m) => log.info(m)).catch((e: Error) =>
    log.error(`main: temp-file cleanup failed: ${e.message}`),
  );
  const services = createServices(config);
  const granted = new GrantedPaths(async () => [
    ...(await services.recent.list()).map((e) => e.handle),
    ...(await services.session.get()).handles,
  ]);
  const windowState = new WindowStateStore(userData);
  let win: BrowserWindow | null = null;
  let rendererReady = false;
  const pendingCommands: MenuCommand[] = [];
  let title = APP_NAME;

  const send = (cmd: MenuCommand) => {
    if (!menuCommandSchema.safeParse(cmd).success) return;
    if (win && rendererReady) win.webContents.send(MENU_CHANNEL, cmd);
    else pendingCommands.push(cmd);
  };

  const openFromOs = (paths: string[], cwd = process.cwd()) => {
    for (const p of paths) {
      const abs = isAbsolute(p) ? p : resolve(cwd, p);
      if (!existsSync(abs)) continue;
      try {
        send({ command: 'openHandle', handle: granted.grant(abs) });
        app.addRecentDocument(abs);
      } catch {
        // Not a .json template: ignore it rather than open arbitrary files.
      }
    }
  };

  const guard = new CloseGuard({
    ask: async (): Promise<CloseChoice> => {
      if (!win) return 'discard';
      const r = await dialog.showMessageBox(win, {
        type: 'warning',
        buttons: ['Save', "Don't Save", 'Cancel'],
        defaultId: 0,
        cancelId: 2,
        message: `Do you want to save the changes to ${title}?`,
        detail: 'Your changes will be lost if you don’t save them.',
      });
      return (['save', 'discard', 'cancel'] as const)[r.response] ?? 'cancel';
    },
    requestSave: () => send({ command: 'save' }),
    close: () => win?.close(),
  });

  const rebuildMenu = async () => {
    const recent = (await services.recent.list()).filter((e) => isAbsolute(e.handle));
    Menu.setApplicationMenu(
      Menu.buildFromTemplate(
        buildMenuTemplate({
          platform: process.platform,
          isDev,
          appName: APP_NAME,
          recent,
          send,
          clearRecent: () => void services.recent.clear().then(rebuildMenu),
          showLog: () => shell.showItemInFolder(log.path),
        }),
      ),
    );
  };

  const handlers = createHostApi(config, services, {
    shell: 'electron',
    resolver: granted,
    pickFileToOpen: async () => {
      const r = await dialog.showOpenDialog(win!, {
        title: 'Open a Perceiver template',
        properties: ['openFile'],
        filters: [{ name: 'Perceiver graphs and templates', extensions: [...GRAPH_EXTENSIONS] }],
      });
      return r.canceled || !r.filePaths[0] ? null : granted.grant(r.filePaths[0]);
    },
    pickFileToSave: async (suggestedName) => {
      // New files get the app's own extension (.perceiver, JSON inside); .json stays possible.
      const r = await dialog.showSaveDialog(win!, {
        title: 'Save the Perceiver graph',
        defaultPath: join(app.getPath('documents'), saveNameFor(suggestedName)),
        filters: [
          { name: 'Perceiver graph', extensions: ['perceiver'] },
          { name: 'JSON template', extensions: ['json'] },
        ],
      });
      if (r.canceled || !r.filePath) {
        guard.cancelPendingClose();
        return null;
      }
      return granted.grant(withGraphExtension(r.filePath));
    },
    setDocumentState: ({ dirty, title: t, progress, runEnded }) => {
      title = t || APP_NAME;
      // The renderer's title already names the app (and a run's progress first).
      win?.setTitle(/Perceiver Studio$/.test(title) ? title : `${dirty ? '• ' : ''}${title} — ${APP_NAME}`);
      win?.setDocumentEdited(dirty);
      // The run's progress on the taskbar / dock icon; -1 removes the bar.
      if (progress !== undefined) win?.setProgressBar(progress);
      if (runEnded) {
        log.info(`run ended: ${runEnded.title} — ${runEnded.body}`);
        if (win && !win.isFocused() && Notification.isSupported()) {
          const n = new Notification({ title: runEnded.title, body: runEnded.body, silent: false });
          n.on('click', () => {
            win?.show();
            win?.focus();
          });
          n.show();
        }
      }
      guard.setDirty(dirty);
    },
    openExternal: (url) => shell.openExternal(url),
    pickExportFolder: async (name) => {
      const r = await dialog.showOpenDialog(win!, {
        title: `Export "${name}" into a folder`,
        buttonLabel: 'Export here',
        defaultPath: app.getPath('documents'),
        properties: ['openDirectory', 'createDirectory'],
      });
      // The package goes into a new sub-folder of the chosen one (written by services/exports.ts).
      return r.canceled || !r.filePaths[0] ? null : r.filePaths[0];
    },
  });

  ipcMain.handle(INVOKE_CHANNEL, async (event: IpcMainInvokeEvent, method: unknown, args: unknown) => {
    if (!isTrustedSender(event, win?.webContents.id ?? null)) {
      return { error: { message: 'Refused: the request did not come from the app window.' } };
    }
    const r = await dispatch(handlers, String(method), args);
    // A save refused during Save-and-close (e.g. the file changed on disk: 409) must not close the
    // window later when the user resolves it and saves again.
    if (method === 'saveFile' && r.status !== 200) guard.cancelPendingClose();
    if (
      r.status === 200 &&
      (method === 'openFile' || method === 'openDocument' || method === 'saveFile' || method === 'clearRecent')
    )
      void rebuildMenu();
    return r.body;
  });

  app.on('second-instance', (_e, argv, workingDirectory) => {
    openFromOs(templatePathsFromArgv(argv.slice(1)), workingDirectory);
    if (win) {
      if (win.isMinimized()) win.restore();
      win.focus();
    }
  });
  app.on('open-file', (e, path) => {
    e.preventDefault();
    openFromOs([path]);
  });

  // Every web contents (including any the renderer might try to create) is locked down.
  app.on('web-contents-created', (_e, contents) => {
    contents.on('will-attach-webview', (ev) => ev.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      if (navigationDecision(url) === 'external') void shell.openExternal(url);
      return { action: 'deny' };
    });
    contents.on('will-navigate', (ev, url) => {
      ev.preventDefault();
      if (navigationDecision(url) === 'external') void shell.openExternal(url);
    });
    contents.on('will-redirect', (ev, url) => {
      if (!isAppUrl(url)) ev.preventDefault();
    });
  });

  // macOS keeps an app running with no window (the Dock icon reopens one); elsewhere closing
  // the last window quits.
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('before-quit', () => log.info('quitting'));

  await app.whenReady();

  session.defaultSession.setPermissionRequestHandler((wc, permission, callback, details) =>
    callback(permissionDecision(permission, details.requestingUrl ?? wc?.getURL())),
  );
  session.defaultSession.setPermissionCheckHandler((_wc, permission, requestingOrigin) =>
    permissionDecision(permission, requestingOrigin),
  );
  protocol.handle(APP_SCHEME, async (request) => {
    const r = await appResponse(rendererDir, request.method, request.url);
    return new Response(typeof r.body === 'string' ? r.body : new Uint8Array(r.body), {
      status: r.status,
      headers: r.headers,
    });
  });

  await rebuildMenu();
  await createWindow();
  app.on('activate', () => {
    // The Dock icon on macOS with no window left: open one again.
    if (!win) void createWindow();
  });
  openFromOs(templatePathsFromArgv(process.argv.slice(app.isPackaged ? 1 : 2)));
  if (!existsSync(join(rendererDir, 'index.html'))) {
    dialog.showErrorBox(
      APP_NAME,
      `The renderer is not built (${join(rendererDir, 'index.html')} is missing). Run "npm run build".`,
    );
  }

  // One window; on macOS a new one when the Dock icon is clicked after the last was closed.
  async function createWindow(): Promise<void> {
    const saved = await windowState.load();
    const { bounds, maximized } = restoreBounds(
      saved,
      screen.getAllDisplays().map((d) => d.workArea),
    );
    win = new BrowserWindow({
      ...bounds,
      minWidth: MIN_SIZE.width,
      minHeight: MIN_SIZE.height,
      title: APP_NAME,
      // Linux takes the window icon from here (packaged builds also get it from the .desktop file).
      ...(process.platform === 'linux' && existsSync(linuxIcon) ? { icon: linuxIcon } : {}),
      show: false,
      backgroundColor: '#111318',
      webPreferences: {
        preload: preloadPathOf(__dirname),
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        nodeIntegrationInWorker: false,
        nodeIntegrationInSubFrames: false,
        webSecurity: true,
        allowRunningInsecureContent: false,
        webviewTag: false,
        navigateOnDragDrop: false,
        spellcheck: false,
        devTools: isDev,
      },
    });
    if (maximized) win.maximize();
    win.once('ready-to-show', () => win?.show());
    win.webContents.on('did-finish-load', () => {
      rendererReady = true;
      for (const cmd of pendingCommands.splice(0)) win?.webContents.send(MENU_CHANNEL, cmd);
    });
    win.webContents.on('render-process-gone', (_e, details) => {
      rendererReady = false;
      log.error(`renderer process gone: ${details.reason} (exit code ${details.exitCode})`);
      const decision = recovery.onGone(details.reason);
      if (decision.action === 'reload') {
        // A fresh renderer: the tabs come back from sessionStorage, the autosaves under Restore,
        // and the app says what happened (the command waits until the page has loaded).
        pendingCommands.push({ command: 'rendererRestarted' });
        void win
          ?.loadURL(APP_START_URL)
          .catch((err: unknown) => log.error(`reload after a renderer crash failed: ${String(err)}`));
      } else if (decision.action === 'give-up') {
        log.error(decision.message);
        if (win)
          void dialog.showMessageBox(win, {
            type: 'error',
            message: 'Perceiver Studio keeps stopping',
            detail: decision.message,
          });
      }
    });
    win.webContents.on('unresponsive', () => log.warn('renderer unresponsive'));
    win.webContents.on('responsive', () => log.info('renderer responsive again'));
    win.webContents.on('console-message', (e) => {
      const level = (e as unknown as { level?: string }).level;
      if (level === 'error') log.warn(`renderer console: ${(e as unknown as { message?: string }).message ?? ''}`);
    });

    const persistBounds = () => {
      if (!win || win.isDestroyed() || win.isMinimized()) return;
      void windowState.save({
        bounds: win.isMaximized() ? win.getNormalBounds() : win.getBounds(),
        maximized: win.isMaximized(),
      });
    };
    win.on('close', (e) => {
      persistBounds();
      if (!guard.onClose()) e.preventDefault();
    });
    win.on('closed', () => {
      win = null;
      rendererReady = false;
    });
    void win.loadURL(APP_START_URL).catch((err: unknown) => log.error(`loading the app failed: ${String(err)}`));
  }
}
