/**
 * Every user-facing command with its shortcut. The keyboard handler, the command palette and the
 * toolbar all run these, so a shortcut and its menu entry can never disagree.
 */
import { copySelection, deleteAndReconnectCommand, freshId, pasteCommand } from '../../engine/graph/commands';
import { analyse } from '../../engine/graph/analyse';
import { createTemplateDoc } from '../defaultDoc';
import { canvasApi } from '../canvas/canvasApi';
import { downloadActive, saveActive } from '../files/fileActions';
import {
  activeDoc,
  getState,
  newTab,
  notify,
  perform,
  redo,
  reopenClosedTab,
  requestCloseTab,
  select,
  setClipboard,
  undo,
} from '../state/store';
import { isTraining, startTraining, stopTraining, getTrainState } from '../training/trainer';
import { toggleTheme } from '../theme/theme';
import { openRestore } from '../session/session';
import { pickHfFolder } from '../hf/hfImportStore';

export interface AppCommand {
  id: string;
  title: string;
  /** Display form, e.g. "Ctrl+Shift+Z". */
  shortcut?: string;
  run: () => void | Promise<unknown>;
}

/** UI hooks the commands need that live in App (dialogs). */
export interface UiHooks {
  openDialog: (which: 'open' | 'templates' | 'library' | 'export') => void;
  openCommandPalette: () => void;
  openFind: () => void;
  showPanel: (tab: string) => void;
  openOverlay: (which: 'welcome' | 'shortcuts') => void;
}

let pasteCount = 0;

export function paste(): void {
  const clip = getState().clipboard;
  if (!clip || !clip.nodes.length) return notify('info', 'Nothing to paste: copy nodes first (Ctrl+C)');
  const doc = activeDoc();
  // Paste next to the originals when they are in this graph, else at the view centre.
  const sameGraph = clip.nodes.every((n) => doc.nodes.some((m) => m.id === n.id && m.kind === n.kind));
  pasteCount = sameGraph ? pasteCount + 1 : 0;
  let offset = { x: 40 * pasteCount, y: 40 * pasteCount };
  if (!sameGraph) {
    const c = canvasApi()?.viewCentre() ?? { x: 0, y: 0 };
    const minX = Math.min(...clip.nodes.map((n) => n.position.x));
    const minY = Math.min(...clip.nodes.map((n) => n.position.y));
    offset = { x: Math.round(c.x - minX - 120), y: Math.round(c.y - minY - 60) };
  }
  const { command, newIds } = pasteCommand(doc, clip, offset);
  if (perform(command)) {
    select(newIds);
    // Offset copies may land (or be pushed by the re-flow) outside the view: bring them in.
    canvasApi()?.revealNodes(newIds);
  }
}

export function copy(): boolean {
  const ids = getState().selectedNodes;
  if (!ids.length) return false;
  setClipboard(copySelection(activeDoc(), ids));
  pasteCount = 0;
  notify('info', `Copied ${ids.length} node${ids.length > 1 ? 's' : ''}`);
  return true;
}

export function deleteSelection(reconnect = false): void {
  const { selectedNodes, selectedEdges } = getState();
  if (selectedNodes.length) {
    const before = activeDoc();
    const bridged = deleteAndReconnectCommand(before, selectedNodes);
    const canBridge = bridged.type === 'batch' && bridged.commands.length > 1;
    if (!perform(reconnect && canBridge ? bridged : { type: 'removeNodes', ids: selectedNodes })) return;
    // A node taken out of a chain: offer to join its neighbours (one more undo step).
    if (!reconnect && canBridge) {
      notify(
        'info',
        `Deleted ${selectedNodes.length === 1 ? `"${selectedNodes[0]}"` : `${selectedNodes.length} nodes`}.`,
        {
          label: 'Reconnect neighbours',
          run: () => {
            undo();
            perform(bridged);
          },
        },
      );
    }
  } else if (selectedEdges.length) perform({ type: 'disconnect', ids: selectedEdges });
}

export function groupSelection(): void {
  const ids = getState().selectedNodes;
  if (!ids.length) return notify('info', 'Select the nodes to group first');
  const doc = activeDoc();
  const id = freshId(new Set(doc.groups.map((g) => g.id)), 'block');
  perform({ type: 'group', group: { id, label: `Block ${doc.groups.length + 1}`, collapsed: false }, nodeIds: ids });
}

export function trainOrStop(): void {
  if (isTraining(getTrainState())) return stopTraining();
  const doc = activeDoc();
  const a = analyse(doc);
  if (!a.valid) return notify('error', `Cannot train: ${a.problems.find((p) => p.severity === 'error')!.message}`);
  startTraining(doc);
}

export function buildCommands(ui: UiHooks): AppCommand[] {
  return [
    {
      id: 'new',
      title: 'New graph',
      shortcut: 'Ctrl+N',
      run: () =>
        newTab({ ...createTemplateDoc(), name: 'Untitled', nodes: [], edges: [], groups: [] }, { blank: true }),
    },
    { id: 'open', title: 'Open…', shortcut: 'Ctrl+O', run: () => ui.openDialog('open') },
    { id: 'templates', title: 'Open template…', run: () => ui.openDialog('templates') },
    {
      id: 'importHf',
      title: 'Import from Hugging Face… (config.json + model.safetensors folder)',
      run: () => pickHfFolder(),
    },
    { id: 'library', title: 'Template library…', shortcut: 'Ctrl+Shift+L', run: () => ui.openDialog('library') },
    {
      id: 'export',
      title: 'Export model (PyTorch / tfjs)…',
      shortcut: 'Ctrl+Shift+E',
      run: () => ui.openDialog('export'),
    },
    { id: 'restore', title: 'Restore work from an earlier session…', run: () => openRestore(true) },
    { id: 'closeTab', title: 'Close tab', run: () => requestCloseTab(getState().activeTabId) },
    {
      id: 'reopenClosedTab',
      title: 'Reopen closed tab',
      shortcut: 'Ctrl+Shift+T',
      run: () => void (reopenClosedTab() || notify('info', 'No closed tab to reopen')),
    },
    { id: 'save', title: 'Save', shortcut: 'Ctrl+S', run: () => saveActive() },
    { id: 'saveAs', title: 'Save as…', shortcut: 'Ctrl+Shift+S', run: () => saveActive({ as: true }) },
    { id: 'download', title: 'Download as file', run: () => downloadActive() },
    { id: 'undo', title: 'Undo', shortcut: 'Ctrl+Z', run: undo },
    { id: 'redo', title: 'Redo', shortcut: 'Ctrl+Shift+Z', run: redo },
    { id: 'copy', title: 'Copy', shortcut: 'Ctrl+C', run: () => void copy() },
    { id: 'cut', title: 'Cut', shortcut: 'Ctrl+X', run: () => copy() && deleteSelection() },
    { id: 'paste', title: 'Paste', shortcut: 'Ctrl+V', run: paste },
    { id: 'duplicate', title: 'Duplicate', shortcut: 'Ctrl+D', run: () => copy() && paste() },
    { id: 'delete', title: 'Delete selection', shortcut: 'Delete', run: () => deleteSelection() },
    {
      id: 'deleteReconnect',
      title: 'Delete and reconnect neighbours',
      shortcut: 'Shift+Delete',
      run: () => deleteSelection(true),
    },
    { id: 'selectAll', title: 'Select all', shortcut: 'Ctrl+A', run: () => select(activeDoc().nodes.map((n) => n.id)) },
    { id: 'group', title: 'Group selection into a block', shortcut: 'Ctrl+G', run: groupSelection },
    { id: 'quickAdd', title: 'Add node…', shortcut: 'Tab', run: () => canvasApi()?.openQuickAdd() },
    { id: 'layout', title: 'Auto-layout', shortcut: 'Ctrl+L', run: () => canvasApi()?.autoLayout() },
    { id: 'fitView', title: 'Fit view', shortcut: 'Ctrl+0', run: () => canvasApi()?.fitView() },
    { id: 'zoomSelection', title: 'Zoom to selection', shortcut: 'Ctrl+E', run: () => canvasApi()?.zoomToSelection() },
    { id: 'zoomIn', title: 'Zoom in', shortcut: 'Ctrl+=', run: () => canvasApi()?.zoomIn() },
    { id: 'zoomOut', title: 'Zoom out', shortcut: 'Ctrl+-', run: () => canvasApi()?.zoomOut() },
    { id: 'find', title: 'Find node', shortcut: 'Ctrl+F', run: ui.openFind },
    {
      id: 'train',
      title: 'Train / Stop',
      shortcut: 'Ctrl+Enter',
      run: () => (trainOrStop(), ui.showPanel('training')),
    },
    { id: 'problems', title: 'Show problems', run: () => ui.showPanel('problems') },
    { id: 'palette', title: 'Command palette', shortcut: 'Ctrl+K', run: ui.openCommandPalette },
    { id: 'toggleTheme', title: 'Toggle light/dark theme', run: toggleTheme },
    { id: 'shortcuts', title: 'Keyboard shortcuts', shortcut: '?', run: () => ui.openOverlay('shortcuts') },
    { id: 'welcome', title: 'Welcome (what the app does, ways to start)', run: () => ui.openOverlay('welcome') },
  ];
}

/** "Ctrl+Shift+Z" ↔ a KeyboardEvent (Cmd counts as Ctrl on macOS). */
export function matchesShortcut(e: KeyboardEvent, shortcut: string): boolean {
  const parts = shortcut.split('+');
  const key = parts.pop()!;
  const want = { ctrl: parts.includes('Ctrl'), shift: parts.includes('Shift'), alt: parts.includes('Alt') };
  if (key === '?' && parts.length === 0) return e.key === '?' && !(e.ctrlKey || e.metaKey) && !e.altKey;
  if ((e.ctrlKey || e.metaKey) !== want.ctrl || e.shiftKey !== want.shift || e.altKey !== want.alt) return false;
  if (key === 'Delete') return e.key === 'Delete' || e.key === 'Backspace';
  if (key === 'Enter' || key === 'Tab') return e.key === key;
  if (key === '=') return e.key === '=' || e.key === '+';
  return e.key.toLowerCase() === key.toLowerCase();
}
