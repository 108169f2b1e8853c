import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { serializeGraphDoc } from '../../engine/graph/load';
import type { TemplateRef, TemplateSummary, TrashEntry } from '../../electron/ipc-contract';
import { errorMessage, hostApi, HostError } from '../api';
import { openTemplate } from '../files/fileActions';
import { formatInt } from '../format';
import { activeDoc, notify } from '../state/store';
import { displayName, filterTemplates, libraryFileName, type LibraryScope } from './search';
import { Thumbnail } from './Thumbnail';
import './library.css';

type View = LibraryScope | 'trash';

/**
 * The template library: the built-in templates (read-only) and the user's own, with
 * thumbnails, search, open, duplicate, rename, delete to a restorable trash, import and export.
 */
export function LibraryDialog({ onClose }: { onClose: () => void }) {
  const [templates, setTemplates] = useState<TemplateSummary[] | null>(null);
  const [trash, setTrash] = useState<TrashEntry[]>([]);
  const [view, setView] = useState<View>('all');
  const [query, setQuery] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [renaming, setRenaming] = useState<string | null>(null);
  const [overwrite, setOverwrite] = useState<string | null>(null);
  const [nativeDialogs, setNativeDialogs] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);
  const dialog = useRef<HTMLDivElement>(null);

  const refresh = useCallback(async () => {
    try {
      const [list, trashed] = await Promise.all([hostApi().listTemplates(), hostApi().listTrash()]);
      setTemplates(list);
      setTrash(trashed);
    } catch (e) {
      setTemplates((t) => t ?? []);
      setError(errorMessage(e));
    }
  }, []);
  useEffect(() => {
    void refresh();
    dialog.current?.focus();
    hostApi()
      .appInfo()
      .then(
        (i) => setNativeDialogs(i.nativeDialogs),
        () => undefined,
      );
  }, [refresh]);

  /** Run a library action; refresh the list after it, show its error in the dialog. */
  const act = async (what: () => Promise<unknown>) => {
    setError(null);
    try {
      await what();
    } catch (e) {
      setError(errorMessage(e));
    }
    await refresh();
  };

  const shown = useMemo(
    () => (templates && view !== 'trash' ? filterTemplates(templates, view, query) : []),
    [templates, view, query],
  );
  const userCount = templates?.filter((t) => t.scope === 'user').length ?? 0;

  const open = async (t: TemplateSummary) => {
    if (await openTemplate({ scope: t.scope, name: t.name })) onClose();
  };
  const remove = (t: TemplateSummary) =>
    act(async () => {
      const entry = await hostApi().deleteTemplate({ name: t.name });
      notify('info', `Moved “${displayName(t.name)}” to the trash`, {
        label: 'Undo',
        run: () =>
          void hostApi()
            .restoreTemplate({ trashId: entry.trashId })
            .then(refresh, (e) => notify('error', `Not restored — ${errorMessage(e)}`)),
      });
    });
  const exportOne = (t: TemplateSummary) =>
    act(async () => {
      const ref: TemplateRef = { scope: t.scope, name: t.name };
      if (nativeDialogs) {
        const r = await hostApi().exportTemplate(ref);
        if (r) notify('info', `Exported “${t.title}” to ${r.name}`);
        return;
      }
      // A browser page cannot pick a folder on this computer: the file is downloaded.
      const { text } = await hostApi().readTemplate(ref);
      const a = document.createElement('a');
      a.href = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
      a.download = t.name;
      a.click();
      setTimeout(() => URL.revokeObjectURL(a.href), 1000);
    });
  const saveCurrent = (allowOverwrite: boolean) =>
    act(async () => {
      const doc = activeDoc();
      const name = libraryFileName(doc.name);
      try {
        await hostApi().saveUserTemplate({ name, text: serializeGraphDoc(doc), overwrite: allowOverwrite });
        setOverwrite(null);
        setView('user');
        notify('info', `Saved “${doc.name}” to your templates`);
      } catch (e) {
        if (e instanceof HostError && e.status === 409) return setOverwrite(name);
        throw e;
      }
    });

  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div
        className="modal library"
        role="dialog"
        aria-modal="true"
        aria-label="Template library"
        tabIndex={-1}
        ref={dialog}
        onKeyDown={(e) => e.key === 'Escape' && onClose()}
      >
        <div className="modal-head">
          <h2>Template library</h2>
          <button type="button" className="icon-btn" aria-label="Close" onClick={onClose}>
            ×
          </button>
        </div>
        <div className="library-bar">
          <input
            className="search library-search"
            type="search"
            placeholder="Search templates (words or tag:name)…"
            aria-label="Search templates"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            autoFocus
          />
          <button type="button" className="btn" onClick={() => fileInput.current?.click()}>
            Import…
          </button>
          <button
            type="button"
            className="btn"
            onClick={() => void saveCurrent(false)}
            title="Save the graph in the editor as one of your templates"
          >
            Save current graph
          </button>
          <input
            ref={fileInput}
            type="file"
            accept=".json,application/json"
            multiple
            hidden
            aria-label="Import template files"
            data-testid="library-import-input"
            onChange={async (e) => {
              const files = [...(e.target.files ?? [])];
              e.target.value = '';
              await act(async () => {
                const done: string[] = [];
                for (const f of files) {
                  if (f.size > 16 * 1024 * 1024)
                    throw new Error(`"${f.name}" is ${(f.size / 1e6).toFixed(1)} MB; templates are limited to 16 MB.`);
                  const ref = await hostApi().importTemplate({ fileName: f.name, text: await f.text() });
                  done.push(ref.name);
                }
                if (done.length) {
                  setView('user');
                  notify('info', `Imported ${done.map((n) => `“${displayName(n)}”`).join(', ')}`);
                }
              });
            }}
          />
        </div>
        <div className="tabs-row" role="tablist" aria-label="Library sections">
          {(
            [
              ['all', `All (${templates?.length ?? 0})`],
              ['builtin', 'Built-in'],
              ['user', `My templates (${userCount})`],
              ['trash', `Trash (${trash.length})`],
            ] as const
          ).map(([id, label]) => (
            <button
              key={id}
              type="button"
              role="tab"
              aria-selected={view === id}
              className={view === id ? 'active' : ''}
              onClick={() => setView(id)}
            >
              {label}
            </button>
          ))}
        </div>
        <div className="modal-body library-body">
          {error && (
            <div className="error-text" role="alert">
              {error}
            </div>
          )}
          {overwrite && (
            <div className="library-confirm" role="alert">
              A template named “{displayName(overwrite)}” is already in your library.
              <button type="button" className="btn" onClick={() => void saveCurrent(true)}>
                Replace it
              </button>
              <button type="button" className="btn" onClick={() => setOverwrite(null)}>
                Keep both unchanged
              </button>
            </div>
          )}
          {view === 'trash' ? (
            <ul className="file-list" aria-label="Trash">
              {trash.length === 0 && (
                <li className="muted">The trash is empty. Deleted templates stay here for 30 days.</li>
              )}
              {trash.map((e) => (
                <li key={e.trashId} className="trash-item">
                  <span>{displayName(e.name)}</span>
                  <span className="muted small">deleted {new Date(e.deletedMs).toLocaleString()}</span>
                  <button
                    type="button"
                    className="btn"
                    aria-label={`Restore ${displayName(e.name)}`}
                    onClick={() => void act(() => hostApi().restoreTemplate({ trashId: e.trashId }))}
                  >
                    Restore
                  </button>
                </li>
              ))}
            </ul>
          ) : (
            <ul className="library-grid" aria-label="Templates">
              {templates === null && <li className="muted">Loading…</li>}
              {templates !== null && shown.length === 0 && (
                <li className="muted">
                  {query
                    ? `No template matches “${query}”.`
                    : view === 'user'
                      ? 'No templates of your own yet: duplicate a built-in one, import a file, or save the current graph.'
                      : 'No templates.'}
                </li>
              )}
              {shown.map((t) => (
                <TemplateCard
                  key={`${t.scope}/${t.name}`}
                  t={t}
                  renaming={renaming === t.name && t.scope === 'user'}
                  onOpen={() => void open(t)}
                  onDuplicate={() =>
                    void act(() =>
                      hostApi()
                        .duplicateTemplate({ from: { scope: t.scope, name: t.name } })
                        .then(() => setView('user')),
                    )
                  }
                  onRename={() => setRenaming(t.name)}
                  onRenameDone={(newName) => {
                    setRenaming(null);
                    if (newName !== null && newName !== displayName(t.name))
                      void act(() => hostApi().renameTemplate({ name: t.name, newName: libraryFileName(newName) }));
                  }}
                  onDelete={() => void remove(t)}
                  onExport={() => void exportOne(t)}
                  onTag={(tag) => setQuery(`tag:${tag}`)}
                />
              ))}
            </ul>
          )}
        </div>
        <div className="modal-foot">
          <span className="muted small library-foot-note">
            Built-in templates are read-only: duplicate one to change it.
          </span>
          <button type="button" className="btn" onClick={onClose}>
            Close
          </button>
        </div>
      </div>
    </div>
  );
}

function TemplateCard(props: {
  t: TemplateSummary;
  renaming: boolean;
  onOpen: () => void;
  onDuplicate: () => void;
  onRename: () => void;
  onRenameDone: (name: string | null) => void;
  onDelete: () => void;
  onExport: () => void;
  onTag: (tag: string) => void;
}) {
  const { t } = props;
  const [draft, setDraft] = useState(displayName(t.name));
  const user = t.scope === 'user';
  // The user's own templates go by their file name (what Rename changes; copies differ by it).
  const shownName = user ? displayName(t.name) : t.title;
  return (
    <li
      className={`template-card${t.problem ? ' has-problem' : ''}`}
      aria-label={`${shownName} (${user ? 'my template' : 'built-in'})`}
      data-testid={`template-${t.scope}-${t.name}`}
    >
      <button
        type="button"
        className="template-thumb"
        onClick={props.onOpen}
        disabled={!!t.problem}
        tabIndex={-1}
        aria-label={`Open ${shownName} from its thumbnail`}
        title={t.problem ?? `Open ${shownName}`}
      >
        <Thumbnail preview={t.preview} label={`Graph of ${shownName}`} />
      </button>
      <div className="template-info">
        <div className="template-title">
          <span>{shownName}</span>
          <span className={`scope-badge ${t.scope}`}>{user ? 'mine' : 'built-in'}</span>
        </div>
        {props.renaming ? (
          <form
            className="rename-form"
            onSubmit={(e) => {
              e.preventDefault();
              props.onRenameDone(draft.trim() || null);
            }}
          >
            <input
              aria-label={`New name for ${shownName}`}
              value={draft}
              onChange={(e) => setDraft(e.target.value)}
              autoFocus
              onKeyDown={(e) => e.key === 'Escape' && (e.stopPropagation(), props.onRenameDone(null))}
            />
            <button type="submit" className="btn">
              Rename
            </button>
          </form>
        ) : (
          <div className="muted small template-file" title={t.name}>
            {user ? `graph “${t.title}” · ${t.name}` : t.name}
          </div>
        )}
        <div className="template-desc small">
          {t.problem ? (
            <span className="error-text">{t.problem}</span>
          ) : (
            t.description || <span className="muted">No description.</span>
          )}
        </div>
        <div className="template-meta small">
          <span data-testid="template-params">
            {t.totalParams !== null ? `${formatInt(t.totalParams)} params` : 'does not analyse'}
          </span>
          {t.tags.map((tag) => (
            <button
              type="button"
              key={tag}
              className="tag-chip"
              onClick={() => props.onTag(tag)}
              aria-label={`Show templates tagged ${tag}`}
            >
              {tag}
            </button>
          ))}
        </div>
        <div className="template-actions">
          <button
            type="button"
            className="btn primary"
            onClick={props.onOpen}
            disabled={!!t.problem}
            aria-label={`Open ${shownName}`}
          >
            Open
          </button>
          <button type="button" className="btn" onClick={props.onDuplicate} aria-label={`Duplicate ${shownName}`}>
            Duplicate
          </button>
          {user && (
            <button type="button" className="btn" onClick={props.onRename} aria-label={`Rename ${shownName}`}>
              Rename
            </button>
          )}
          <button type="button" className="btn" onClick={props.onExport} aria-label={`Export ${shownName}`}>
            Export
          </button>
          {user && (
            <button type="button" className="btn danger" onClick={props.onDelete} aria-label={`Delete ${shownName}`}>
              Delete
            </button>
          )}
        </div>
      </div>
    </li>
  );
}
