import { getKind } from '../../engine/kinds/registry';
import { HelpCard } from '../panels/HelpCard';
import { activeDoc, useEditor } from '../state/store';
import { openOverlay } from './overlays';

/**
 * The Help tab: the welcome and the shortcut sheet, then help for what is in front of the user —
 * the kind chosen with “?”, else the selected node's kind, else how to get going.
 */
export function HelpTab({ helpKind }: { helpKind: string | null }) {
  const selected = useEditor((s) => s.selectedNodes);
  const doc = useEditor((s) => activeDoc(s));
  const nodes = selected.map((id) => doc.nodes.find((n) => n.id === id)).filter((n) => n !== undefined);
  const kind = helpKind ?? (nodes.length === 1 ? nodes[0]!.kind : null);
  return (
    <div className="help-tab">
      <div className="help-start">
        <button type="button" className="btn" onClick={() => openOverlay('welcome')}>
          Welcome…
        </button>
        <button type="button" className="btn" onClick={() => openOverlay('shortcuts')}>
          Keyboard shortcuts (?)
        </button>
      </div>
      {!helpKind && nodes.length === 1 && (
        <p className="help-selection muted small">
          Selected: <b>{nodes[0]!.label ?? nodes[0]!.id}</b>
        </p>
      )}
      {kind ? (
        <HelpCard kind={kind} />
      ) : nodes.length > 1 ? (
        <div className="help" aria-label="Help: the selection">
          <p>
            {nodes.length} nodes selected:{' '}
            {nodes.map((n) => `${n.label ?? n.id} (${getKind(n.kind)?.title ?? n.kind})`).join(', ')}.
          </p>
          <p className="muted">
            Select one node to read its help card. With several selected: Ctrl+G groups them into a block, Ctrl+C
            copies, Delete removes them.
          </p>
        </div>
      ) : (
        <div className="help" aria-label="Help: getting started">
          <p>
            Nothing is selected. Click a node on the canvas to see what it does here, its maths, ports and parameters,
            or press “?” beside a node kind in the palette.
          </p>
          <ul>
            <li>Add nodes: drag from the palette, double-click the canvas, or press Tab on it.</li>
            <li>Connect an output port (bottom) to an input port (top); a wire shows the tensor shape it carries.</li>
            <li>
              ▶ Train (Ctrl+Enter) trains the graph on the Dataset tab's data (the built-in MNIST digits until you load
              your own).
            </li>
            <li>Costs shows parameters, FLOPs and activation memory per node; Problems lists what blocks training.</li>
          </ul>
        </div>
      )}
    </div>
  );
}
