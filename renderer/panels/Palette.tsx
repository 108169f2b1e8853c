import { useRef, useState } from 'react';
import { newNode } from '../../engine/graph/commands';
import { KINDS } from '../../engine/kinds/registry';
import { CATEGORY_LABELS, type Category } from '../../engine/kinds/types';
import { canvasApi } from '../canvas/canvasApi';
import { KIND_MIME } from '../canvas/GraphCanvas';
import { BLOCK_MIME, deleteBlock, useCustomBlocks } from '../state/customBlocks';
import { activeDoc, perform, select } from '../state/store';

/** Every kind in the registry, grouped by category, searchable; drag onto the canvas or press Enter. */
export function Palette({ onHelp }: { onHelp: (kind: string) => void }) {
  const [query, setQuery] = useState('');
  const blocks = useCustomBlocks();
  const q = query.trim().toLowerCase();
  const shownBlocks = blocks.filter((b) => !q || b.label.toLowerCase().includes(q));
  const groups = new Map<Category, (typeof KINDS)[number][]>();
  for (const k of KINDS) {
    if (q && !`${k.title} ${k.kind} ${k.summary} ${CATEGORY_LABELS[k.category]}`.toLowerCase().includes(q)) continue;
    const list = groups.get(k.category) ?? [];
    list.push(k);
    groups.set(k.category, list);
  }
  // The list is one Tab stop (the item last focused); arrow keys, Home and End move inside it,
  // Enter adds the item, H (or F1) opens its help card.
  const list = useRef<HTMLDivElement>(null);
  const [current, setCurrent] = useState<string | null>(null);
  const items = () => [...(list.current?.querySelectorAll<HTMLElement>('.palette-item') ?? [])];
  const shownIds = [...[...groups.values()].flat().map((k) => k.kind), ...shownBlocks.map((b) => b.id)];
  const tabStop = current && shownIds.includes(current) ? current : (shownIds[0] ?? null);
  const onListKey = (e: React.KeyboardEvent) => {
    const all = items();
    const i = all.indexOf(document.activeElement as HTMLElement);
    if (i < 0) return;
    const go = (j: number) => {
      e.preventDefault();
      all[Math.max(0, Math.min(all.length - 1, j))]?.focus();
    };
    if (e.key === 'ArrowDown') go(i + 1);
    else if (e.key === 'ArrowUp') go(i - 1);
    else if (e.key === 'Home') go(0);
    else if (e.key === 'End') go(all.length - 1);
    else if ((e.key === 'h' || e.key === 'F1') && !e.ctrlKey && !e.metaKey) {
      const kind = all[i]!.dataset.kind;
      if (kind) {
        e.preventDefault();
        e.stopPropagation();
        onHelp(kind);
      }
    }
  };
  const addAtCentre = (kind: string) => {
    const c = canvasApi()?.viewCentre() ?? { x: 0, y: 0 };
    const node = newNode(activeDoc(), kind, { x: Math.round(c.x - 120), y: Math.round(c.y - 60) });
    if (perform({ type: 'addNode', node })) select([node.id]);
  };
  return (
    <aside className="palette" aria-label="Node palette">
      <div className="panel-title">Nodes</div>
      <input
        className="search"
        type="search"
        placeholder="Search nodes…"
        aria-label="Search node palette"
        value={query}
        onChange={(e) => setQuery(e.target.value)}
      />
      <div
        className="palette-groups"
        ref={list}
        onKeyDown={onListKey}
        role="group"
        aria-label="Node kinds: arrow keys move, Enter adds, H shows help"
      >
        {[...groups].map(([cat, kinds]) => (
          <section key={cat} aria-label={CATEGORY_LABELS[cat]}>
            <h3 className="palette-cat">{CATEGORY_LABELS[cat]}</h3>
            <ul>
              {kinds.map((k) => (
                <li
                  key={k.kind}
                  className={`palette-item cat-${k.category}`}
                  draggable
                  tabIndex={tabStop === k.kind ? 0 : -1}
                  onFocus={() => setCurrent(k.kind)}
                  role="button"
                  aria-label={`Add ${k.title}`}
                  data-kind={k.kind}
                  title={`${k.summary}\nDrag onto the canvas, or press Enter to add at the centre (H: help).`}
                  onDragStart={(e) => {
                    e.dataTransfer.setData(KIND_MIME, k.kind);
                    e.dataTransfer.effectAllowed = 'copy';
                  }}
                  onKeyDown={(e) => {
                    if (e.key === 'Enter' || e.key === ' ') {
                      e.preventDefault();
                      addAtCentre(k.kind);
                    }
                  }}
                  onDoubleClick={() => addAtCentre(k.kind)}
                >
                  <span className="palette-name">{k.title}</span>
                  <button
                    type="button"
                    className="icon-btn help-btn"
                    tabIndex={-1}
                    aria-label={`Help for ${k.title}`}
                    onClick={() => onHelp(k.kind)}
                  >
                    ?
                  </button>
                  <span className="palette-summary">{k.summary}</span>
                </li>
              ))}
            </ul>
          </section>
        ))}
        {shownBlocks.length > 0 && (
          <section aria-label="Custom blocks">
            <h3 className="palette-cat">Custom blocks</h3>
            <ul>
              {shownBlocks.map((b) => (
                <li
                  key={b.id}
                  className="palette-item cat-block"
                  draggable
                  tabIndex={tabStop === b.id ? 0 : -1}
                  onFocus={() => setCurrent(b.id)}
                  role="button"
                  aria-label={`Add block ${b.label}`}
                  title="Drag onto the canvas to add a copy of this block"
                  onDragStart={(e) => {
                    e.dataTransfer.setData(BLOCK_MIME, b.id);
                    e.dataTransfer.effectAllowed = 'copy';
                  }}
                >
                  <span className="palette-name">{b.label}</span>
                  <button
                    type="button"
                    className="icon-btn help-btn"
                    tabIndex={-1}
                    aria-label={`Remove block ${b.label} from the palette`}
                    onClick={() => deleteBlock(b.id)}
                  >
                    ×
                  </button>
                  <span className="palette-summary">
                    {b.clip.nodes.length} nodes: {b.clip.nodes.map((n) => n.kind).join(', ')}
                  </span>
                </li>
              ))}
            </ul>
          </section>
        )}
        {groups.size === 0 && shownBlocks.length === 0 && <p className="muted">No node kind matches “{query}”.</p>}
      </div>
    </aside>
  );
}
