/**
 * The app ↔ host wiring that is not a user click: native menu commands (Electron) run the same
 * AppCommands as shortcuts, and the host hears about unsaved changes (it asks before closing).
 */
import { useEffect } from 'react';
import type { MenuCommand } from '../electron/ipc-contract';
import { hostApi } from './api';
import type { AppCommand } from './commands/appCommands';
import { openDocumentHandle } from './files/fileActions';
import { openRestore } from './session/session';
import { requestCloseTab, getState, isDirty, notify, useEditor } from './state/store';
import { toggleTheme } from './theme/theme';
import { useTrainer } from './training/trainer';
import { runProgress, windowTitle } from './shell/runEnd';
import { onRunEnd } from './shell/RunEndNotice';
import { openOverlay } from './shell/overlays';

const MENU_TO_COMMAND: Partial<Record<MenuCommand['command'], string>> = {
  new: 'new',
  open: 'open',
  importHf: 'importHf',
  save: 'save',
  saveAs: 'saveAs',
  export: 'export',
  undo: 'undo',
  redo: 'redo',
  reopenClosedTab: 'reopenClosedTab',
  selectAll: 'selectAll',
  zoomIn: 'zoomIn',
  zoomOut: 'zoomOut',
  zoomReset: 'fitView',
  fitView: 'fitView',
};

export function useHostBridge(commands: AppCommand[], showPanel: (tab: string) => void): void {
  const dirty = useEditor((s) => s.tabs.some(isDirty));
  // Whole percent steps, so the title (and Electron's taskbar bar) changes at most 100 times a run.
  const progress = useTrainer((s) => {
    const p = runProgress(s);
    return p === null ? null : Math.floor(p * 100) / 100;
  });
  // Primitives only: a selector returning a new object each call would re-render forever.
  const docName = useEditor((s) => s.tabs.find((x) => x.id === s.activeTabId)!.history.present.name);
  const docDirty = useEditor((s) => isDirty(s.tabs.find((x) => x.id === s.activeTabId)!));
  const title = windowTitle(docName, docDirty, progress);

  useEffect(() => {
    document.title = title;
    // Best effort: an older host without this method must not break editing.
    hostApi()
      .setDocumentState({ dirty, title, progress: progress ?? -1 })
      .catch(() => {});
  }, [dirty, title, progress]);

  // A run's end goes to the host too: Electron shows an OS notification when the window is not focused.
  useEffect(
    () =>
      onRunEnd((e) => {
        hostApi()
          .setDocumentState({
            dirty: getState().tabs.some(isDirty),
            title: document.title,
            progress: -1,
            runEnded: { title: e.title, body: e.body },
          })
          .catch(() => {});
      }),
    [],
  );

  useEffect(() => {
    return hostApi().onMenuCommand((m) => {
      if (m.command === 'openHandle') return void openDocumentHandle(m.handle);
      if (m.command === 'close') return requestCloseTab(getState().activeTabId);
      if (m.command === 'documentation') return showPanel('help');
      if (m.command === 'about')
        return notify(
          'info',
          'Perceiver Studio — compose Perceiver and Perceiver IO graphs and train them with TensorFlow.js.',
        );
      if (m.command === 'toggleTheme') return toggleTheme();
      if (m.command === 'shortcuts') return openOverlay('shortcuts');
      if (m.command === 'welcome') return openOverlay('welcome');
      if (m.command === 'rendererRestarted')
        return notify(
          'error',
          'The window stopped unexpectedly and was reloaded. Your open graphs were reopened; unsaved copies not reopened are under Restore.',
          {
            label: 'Restore…',
            run: () => openRestore(true),
          },
        );
      const id = MENU_TO_COMMAND[m.command];
      const cmd = id && commands.find((c) => c.id === id);
      if (cmd) void cmd.run();
    });
  }, [commands, showPanel]);
}
