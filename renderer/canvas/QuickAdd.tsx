import { useMemo, useState } from 'react';
import { canConnect, newNode } from '../../engine/graph/commands';
import { KINDS } from '../../engine/kinds/registry';
import { CATEGORY_LABELS } from '../../engine/kinds/types';
import { activeDoc } from '../state/store';

export interface QuickAddRequest {
  /** Where the node goes (screen coordinates). */
  screen: { x: number; y: number };
  /** A wire dropped in empty space: only kinds with an input that accepts it are offered. */
  from?: { node: string; port: string };
}

/** Quick-add search (double-click, Tab, or a wire dropped on empty canvas). */
export function QuickAdd({
  request,
  onChoose,
  onClose,
}: {
  request: QuickAddRequest;
  onChoose: (kind: string) => void;
  onClose: () => void;
}) {
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const candidates = useMemo(() => {
    if (!request.from) return KINDS;
    const d = activeDoc();
    return KINDS.filter((k) => {
      const n = newNode(d, k.kind, { x: 0, y: 0 });
      const after = { ...d, nodes: [...d.nodes, n] };
      return k.inputs.some((p) => canConnect(after, request.from!, { node: n.id, port: p.name }).ok);
    });
  }, [request.from]);
  const q = query.trim().toLowerCase();
  const shown = candidates.filter(
    (k) => !q || `${k.title} ${k.kind} ${k.summary} ${CATEGORY_LABELS[k.category]}`.toLowerCase().includes(q),
  );
  const pick = (i: number) => shown[i] && onChoose(shown[i]!.kind);
  const left = Math.min(request.screen.x, window.innerWidth - 340);
  const top = Math.min(request.screen.y, window.innerHeight - 360);
  return (
    <div className="popover-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className="quick-add" role="dialog" aria-label="Add node" style={{ left, top }}>
        <input
          autoFocus
          className="quick-add-input"
          placeholder={request.from ? 'Add a node that accepts this wire…' : 'Add node…'}
          aria-label="Search node kinds"
          value={query}
          onChange={(e) => (setQuery(e.target.value), setActive(0))}
          onKeyDown={(e) => {
            if (e.key === 'Escape') onClose();
            else if (e.key === 'ArrowDown') {
              setActive((a) => Math.min(a + 1, shown.length - 1));
              e.preventDefault();
            } else if (e.key === 'ArrowUp') {
              setActive((a) => Math.max(a - 1, 0));
              e.preventDefault();
            } else if (e.key === 'Enter') pick(active);
          }}
        />
        <ul role="listbox" aria-label="Node kinds" className="quick-add-list">
          {shown.map((k, i) => (
            <li
              key={k.kind}
              role="option"
              aria-selected={i === active}
              className={i === active ? 'active' : ''}
              onMouseEnter={() => setActive(i)}
              onMouseDown={(e) => (e.preventDefault(), pick(i))}
            >
              <span className="qa-title">{k.title}</span>
              <span className="qa-cat">{CATEGORY_LABELS[k.category]}</span>
            </li>
          ))}
          {shown.length === 0 && (
            <li className="empty">No node kind {request.from ? 'accepts this wire' : 'matches'}</li>
          )}
        </ul>
      </div>
    </div>
  );
}
