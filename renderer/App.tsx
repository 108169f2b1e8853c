import { ReactFlowProvider } from '@xyflow/react';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { analyse } from '../engine/graph/analyse';
import { GraphCanvas } from './canvas/GraphCanvas';
import { DataDropOverlay } from './data/dropData';
import { buildCommands, matchesShortcut, paste, copy, deleteSelection } from './commands/appCommands';
import { openNative } from './files/fileActions';
import { OpenDialog } from './files/OpenDialog';
import { SearchPopover } from './panels/CommandPalette';
import { Palette } from './panels/Palette';
import { SummaryBar } from './panels/SummaryBar';
import { RightPanel, type PanelTab } from './panels/RightPanel';
import { useResolvedDoc } from './data/dataFit';
import { AnalysisContext } from './state/analysisContext';
import { activeDoc, clearNotice, focusNode, useEditor } from './state/store';
import { Toolbar } from './Toolbar';
import { useHostBridge } from './hostBridge';
import { LibraryDialog } from './library/LibraryDialog';
import { ExportDialog } from './export/ExportDialog';
import { NoLostWork } from './session/SessionUi';
import { openOverlay, showWelcomeOnFirstRun, useOverlay } from './shell/overlays';
import { Welcome } from './shell/Welcome';
import { ShortcutSheet } from './shell/ShortcutSheet';
import { RunEndNotice } from './shell/RunEndNotice';
import { trainDefaultModel } from './shell/starts';

export function App() {
  const doc = useEditor((s) => activeDoc(s));
  const notice = useEditor((s) => s.notice);
  // Sizes left at 0 ("from the data") are analysed as the loaded data resolves them.
  const resolved = useResolvedDoc(doc);
  const analysis = useMemo(() => analyse(resolved), [resolved]);
  const [dialog, setDialog] = useState<null | 'open' | 'templates' | 'library' | 'export'>(null);
  const [popover, setPopover] = useState<null | 'commands' | 'find'>(null);
  const [panel, setPanel] = useState<PanelTab>('inspector');
  const [helpKind, setHelpKind] = useState<string | null>(null);
  const overlay = useOverlay();
  useEffect(() => showWelcomeOnFirstRun(), []);
  // The Help tab follows the selection: choosing a node shows its kind's card again.
  const selectedNodes = useEditor((s) => s.selectedNodes);
  useEffect(() => setHelpKind(null), [selectedNodes]);

  const commands = useMemo(
    () =>
      buildCommands({
        openDialog: (which) => {
          // The template library replaces the Open dialog's plain template list.
          if (which === 'templates' || which === 'library') return setDialog('library');
          if (which === 'export') return setDialog('export');
          void openNative().then((r) => r === 'use-picker' && setDialog('open'));
        },
        openCommandPalette: () => setPopover('commands'),
        openFind: () => setPopover('find'),
        showPanel: (t) => setPanel(t as PanelTab),
        openOverlay: (o) => openOverlay(o),
      }),
    [],
  );

  useHostBridge(
    commands,
    useCallback((t: string) => setPanel(t as PanelTab), []),
  );

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const el = e.target as HTMLElement;
      const typing = el.closest('input, textarea, select, [contenteditable="true"]') !== null;
      if (typing || dialog || popover || overlay) return;
      // Tab opens quick-add only on the canvas, so Tab still walks the controls elsewhere.
      if (e.key === 'Tab' && !el.closest('.canvas')) return;
      for (const c of commands) {
        if (c.shortcut && matchesShortcut(e, c.shortcut)) {
          e.preventDefault();
          void c.run();
          return;
        }
      }
      if ((e.ctrlKey || e.metaKey) && e.shiftKey && e.key.toLowerCase() === 'p') {
        // VS Code's command palette chord, as an alias of Ctrl+K.
        e.preventDefault();
        setPopover('commands');
        return;
      }
      if ((e.ctrlKey || e.metaKey) && !e.shiftKey && e.key.toLowerCase() === 'y') {
        e.preventDefault();
        void commands.find((c) => c.id === 'redo')!.run();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [commands, dialog, popover, overlay]);

  // Clipboard events (Electron's native Edit menu fires these; text fields keep their own).
  useEffect(() => {
    const isField = (t: EventTarget | null) =>
      t instanceof HTMLElement && t.closest('input, textarea, [contenteditable="true"]') !== null;
    const onCopy = (e: ClipboardEvent) => !isField(e.target) && copy() && e.preventDefault();
    const onCut = (e: ClipboardEvent) => !isField(e.target) && copy() && (deleteSelection(), e.preventDefault());
    const onPaste = (e: ClipboardEvent) => !isField(e.target) && (paste(), e.preventDefault());
    document.addEventListener('copy', onCopy);
    document.addEventListener('cut', onCut);
    document.addEventListener('paste', onPaste);
    return () => {
      document.removeEventListener('copy', onCopy);
      document.removeEventListener('cut', onCut);
      document.removeEventListener('paste', onPaste);
    };
  }, []);

  useEffect(() => {
    if (!notice) return;
    const t = setTimeout(clearNotice, notice.kind === 'error' ? 12000 : 3000);
    return () => clearTimeout(t);
  }, [notice]);

  const showDataset = useCallback(() => setPanel('dataset'), []);
  const showHelp = (kind: string) => {
    setHelpKind(kind);
    setPanel('help');
  };

  return (
    <AnalysisContext.Provider value={analysis}>
      <ReactFlowProvider>
        <div className="app">
          <Toolbar commands={commands} />
          <div className="workspace">
            <Palette onHelp={showHelp} />
            <main className="centre">
              <GraphCanvas />
              <NoLostWork />
            </main>
            <RightPanel tab={panel} onTab={setPanel} helpKind={helpKind} onHelp={showHelp} />
          </div>
          <SummaryBar onProblems={() => setPanel('problems')} />
          {notice && (
            <div
              className={`notice ${notice.kind}`}
              role={notice.kind === 'error' ? 'alert' : 'status'}
              data-testid="notice"
              key={notice.seq}
            >
              <span>{notice.text}</span>
              {notice.action && (
                <button
                  type="button"
                  className="btn"
                  onClick={() => {
                    notice.action!.run();
                    clearNotice();
                  }}
                >
                  {notice.action.label}
                </button>
              )}
              <button type="button" className="icon-btn" aria-label="Dismiss message" onClick={clearNotice}>
                ×
              </button>
            </div>
          )}
          <DataDropOverlay onData={showDataset} />
          <RunEndNotice onShow={() => setPanel('training')} />
          {overlay === 'welcome' && (
            <Welcome
              starts={{
                trainDefault: () => (trainDefaultModel(), setPanel('training')),
                openTemplate: () => setDialog('library'),
                loadData: () => setPanel('dataset'),
              }}
            />
          )}
          {overlay === 'shortcuts' && <ShortcutSheet commands={commands} />}
          {(dialog === 'open' || dialog === 'templates') && (
            <OpenDialog
              initialTab={dialog === 'templates' ? 'templates' : 'documents'}
              onClose={() => setDialog(null)}
              onLibrary={() => setDialog('library')}
            />
          )}
          {dialog === 'library' && <LibraryDialog onClose={() => setDialog(null)} />}
          {dialog === 'export' && <ExportDialog onClose={() => setDialog(null)} />}
          {popover === 'commands' && (
            <SearchPopover
              label="Command palette"
              placeholder="Type a command…"
              onClose={() => setPopover(null)}
              entries={commands
                .filter((c) => c.id !== 'palette')
                .map((c) => ({ id: c.id, title: c.title, hint: c.shortcut, run: () => void c.run() }))}
            />
          )}
          {popover === 'find' && (
            <SearchPopover
              label="Find node"
              placeholder="Find a node by id, label or kind…"
              onClose={() => setPopover(null)}
              entries={doc.nodes.map((n) => ({
                id: n.id,
                title: n.label ?? n.id,
                hint: n.kind,
                run: () => focusNode(n.id),
              }))}
            />
          )}
        </div>
      </ReactFlowProvider>
    </AnalysisContext.Provider>
  );
}
