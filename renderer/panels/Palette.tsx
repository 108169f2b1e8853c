import { useState } from 'react';
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
  const groups = new Map<Category, typeof KINDS[number][]>();
  for (const k of KINDS) {
    if (q && !`${k.title} ${k.kind} ${k.summary} ${CATEGORY_LABELS[k.category]}`.toLowerCase().includes(q)) continue;
    const list = groups.get(k.category) ?? [];
    list.push(k);
    groups.set(k.category, list);
  }
  const addAtCentre = (kind: string) => {
    const c = canvasApi()?.viewCentre() ?? { x: 0, y: 0 };
    const node = newNode(activeDoc(), kind, { x: Math.round(c.x - 120), y: Math.round(c.y - 60) });
    if (perform({ type: 'addNode', node })) select([node.id]);
  };
  return (
    <aside className="palette" aria-label="Node palette">
      <div className="panel-title">Nodes</div>
      <input className="search" type="search" placeholder="Search nodes…" aria-label="Search node palette" value={query} onChange={(e) => setQuery(e.target.value)} />
      <div className="palette-groups">
        {[...groups].map(([cat, kinds]) => (
          <section key={cat} aria-label={CATEGORY_LABELS[cat]}>
            <h3 className="palette-cat">{CATEGORY_LABELS[cat]}</h3>
            <ul>
              {kinds.map((k) => (
                <li
                  key={k.kind}
                  className={`palette-item cat-${k.category}`}
                  draggable
                  tabIndex={0}
                  role="button"
                  aria-label={`Add ${k.title}`}
                  data-kind={k.kind}
                  title={`${k.summary}\nDrag onto the canvas, or press Enter to add at the centre.`}
                  onDragStart={(e) => {
                    e.dataTransfer.setData(KIND_MIME, k.kind);
                    e.dataTransfer.effectAllowed = 'copy';
                  }}
                  onKeyDown={(e) => {
                    if (e.key === 'Enter' || e.key === ' ') (e.preventDefault(), addAtCentre(k.kind));
                  }}
                  onDoubleClick={() => addAtCentre(k.kind)}
                >
                  <span className="palette-name">{k.title}</span>
                  <button type="button" className="icon-btn help-btn" aria-label={`Help for ${k.title}`} onClick={() => onHelp(k.kind)}>
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
                  tabIndex={0}
                  role="button"
                  aria-label={`Add block ${b.label}`}
                  title="Drag onto the canvas to add a copy of this block"
                  onDragStart={(e) => {
                    e.dataTransfer.setData(BLOCK_MIME, b.id);
                    e.dataTransfer.effectAllowed = 'copy';
                  }}
                >
                  <span className="palette-name">{b.label}</span>
                  <button type="button" className="icon-btn help-btn" aria-label={`Remove block ${b.label} from the palette`} onClick={() => deleteBlock(b.id)}>
                    ×
                  </button>
                  <span className="palette-summary">{b.clip.nodes.length} nodes: {b.clip.nodes.map((n) => n.kind).join(', ')}</span>
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
