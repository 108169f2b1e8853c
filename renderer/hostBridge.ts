/**
 * The app ↔ host wiring that is not a user click: native menu commands (Electron) run the same
 * AppCommands as shortcuts, and the host hears about unsaved changes (it asks before closing).
 */
import { useEffect } from 'react';
import type { MenuCommand } from '../electron/ipc-contract';
import { hostApi } from './api';
import type { AppCommand } from './commands/appCommands';
import { openDocumentHandle } from './files/fileActions';
import { requestCloseTab, getState, isDirty, notify, useEditor } from './state/store';
import { toggleTheme } from './theme/theme';

const MENU_TO_COMMAND: Partial<Record<MenuCommand['command'], string>> = {
  new: 'new',
  open: 'open',
  save: 'save',
  saveAs: 'saveAs',
  export: 'export',
  undo: 'undo',
  redo: 'redo',
  selectAll: 'selectAll',
  zoomIn: 'zoomIn',
  zoomOut: 'zoomOut',
  zoomReset: 'fitView',
  fitView: 'fitView',
};

export function useHostBridge(commands: AppCommand[], showPanel: (tab: string) => void): void {
  const dirty = useEditor((s) => s.tabs.some(isDirty));
  const title = useEditor((s) => {
    const t = s.tabs.find((x) => x.id === s.activeTabId)!;
    return `${t.history.present.name}${isDirty(t) ? ' •' : ''} — Perceiver Studio`;
  });

  useEffect(() => {
    document.title = title;
    // Best effort: an older host without this method must not break editing.
    hostApi()
      .setDocumentState({ dirty, title })
      .catch(() => {});
  }, [dirty, title]);

  useEffect(() => {
    return hostApi().onMenuCommand((m) => {
      if (m.command === 'openHandle') return void openDocumentHandle(m.handle);
      if (m.command === 'close') return requestCloseTab(getState().activeTabId);
      if (m.command === 'documentation') return showPanel('help');
      if (m.command === 'about') return notify('info', 'Perceiver Studio — compose Perceiver and Perceiver IO graphs and train them with TensorFlow.js.');
      if (m.command === 'toggleTheme') return toggleTheme();
      const id = MENU_TO_COMMAND[m.command];
      const cmd = id && commands.find((c) => c.id === id);
      if (cmd) void cmd.run();
    });
  }, [commands, showPanel]);
}
