import { useEffect, useRef } from 'react';
import type { AppCommand } from '../commands/appCommands';
import { openOverlay } from './overlays';
import './shell.css';

/** Gestures the commands list does not hold (the canvas' own mouse and keys). */
const CANVAS_GESTURES: [string, string][] = [
  ['Double-click empty canvas', 'Add a node there (quick-add)'],
  ['Drag from an output port to empty canvas', 'Add a node connected to it'],
  ['Drop a palette item on a wire', 'Insert it into the wire'],
  ['Shift+drag', 'Select with a box'],
  ['Ctrl/Shift+click', 'Add to the selection'],
  ['Arrow keys (node focused)', 'Move the node'],
  ['Esc', 'Leave an entered block; close a dialog'],
  ['Ctrl+Shift+P', 'Command palette (alias of Ctrl+K)'],
  ['Ctrl+Y', 'Redo (alias of Ctrl+Shift+Z)'],
  ['Palette: ↑ ↓ Home End', 'Move between node kinds (one Tab stop)'],
  ['Palette: Enter / H', 'Add the kind at the centre / show its help'],
];

/** Every command with a shortcut, from the same list the keyboard handler runs (never out of date). */
export function ShortcutSheet({ commands }: { commands: AppCommand[] }) {
  const dialog = useRef<HTMLDivElement>(null);
  useEffect(() => dialog.current?.focus(), []);
  const close = () => openOverlay(null);
  const mac = typeof navigator !== 'undefined' && /Mac/.test(navigator.platform);
  const key = (s: string) =>
    mac
      ? s
          .replace(/Ctrl\+/g, '⌘')
          .replace(/Shift\+/g, '⇧')
          .replace(/Alt\+/g, '⌥')
      : s;
  const rows = commands.filter((c) => c.shortcut);
  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && close()}>
      <div
        className="modal shortcut-sheet"
        role="dialog"
        aria-modal="true"
        aria-label="Keyboard shortcuts"
        tabIndex={-1}
        ref={dialog}
        onKeyDown={(e) => e.key === 'Escape' && (e.stopPropagation(), close())}
      >
        <div className="modal-head">
          <h2>Keyboard shortcuts</h2>
          <button type="button" className="icon-btn" aria-label="Close" onClick={close}>
            ×
          </button>
        </div>
        <div className="modal-body shortcut-cols">
          <table className="shortcuts" aria-label="Commands">
            <tbody>
              {rows.map((c) => (
                <tr key={c.id}>
                  <td>
                    <kbd>{key(c.shortcut!)}</kbd>
                  </td>
                  <td>{c.title}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <table className="shortcuts" aria-label="On the canvas">
            <tbody>
              {CANVAS_GESTURES.map(([k, what]) => (
                <tr key={k}>
                  <td>
                    <kbd>{key(k)}</kbd>
                  </td>
                  <td>{what}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <div className="modal-foot">
          <span className="muted small">Every command is also in the command palette (Ctrl+K).</span>
          <button type="button" className="btn" onClick={close}>
            Close
          </button>
        </div>
      </div>
    </div>
  );
}
