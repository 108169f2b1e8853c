import { useState } from 'react';

export interface PaletteEntry {
  id: string;
  title: string;
  hint?: string;
  run: () => void;
}

/** A searchable list in a popover: the command palette (Ctrl+K) and Find node (Ctrl+F). */
export function SearchPopover({
  entries,
  placeholder,
  label,
  onClose,
}: {
  entries: PaletteEntry[];
  placeholder: string;
  label: string;
  onClose: () => void;
}) {
  const [q, setQ] = useState('');
  const [active, setActive] = useState(0);
  const needle = q.trim().toLowerCase();
  const shown = entries.filter((e) => !needle || `${e.title} ${e.hint ?? ''}`.toLowerCase().includes(needle));
  const run = (i: number) => {
    const e = shown[i];
    if (!e) return;
    onClose();
    e.run();
  };
  return (
    <div className="popover-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className="command-palette" role="dialog" aria-label={label}>
        <input
          autoFocus
          aria-label={placeholder}
          placeholder={placeholder}
          value={q}
          onChange={(e) => (setQ(e.target.value), setActive(0))}
          onKeyDown={(e) => {
            if (e.key === 'Escape') onClose();
            else if (e.key === 'ArrowDown') {
              setActive((a) => Math.min(a + 1, shown.length - 1));
              e.preventDefault();
            } else if (e.key === 'ArrowUp') {
              setActive((a) => Math.max(a - 1, 0));
              e.preventDefault();
            } else if (e.key === 'Enter') run(active);
          }}
        />
        <ul role="listbox" aria-label={label}>
          {shown.map((e, i) => (
            <li
              key={e.id}
              role="option"
              aria-selected={i === active}
              className={i === active ? 'active' : ''}
              onMouseEnter={() => setActive(i)}
              onMouseDown={(ev) => (ev.preventDefault(), run(i))}
            >
              <span>{e.title}</span>
              {e.hint && <kbd>{e.hint}</kbd>}
            </li>
          ))}
          {shown.length === 0 && <li className="empty">No match</li>}
        </ul>
      </div>
    </div>
  );
}
