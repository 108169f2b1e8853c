import { useEffect, useRef, useState } from 'react';
import type { DocumentEntry, TemplateSummary } from '../../electron/ipc-contract';
import { errorMessage, hostApi } from '../api';
import { formatInt } from '../format';
import { openDocumentHandle, openTemplate, openUpload } from './fileActions';

/**
 * The in-app Open picker (the web host cannot show native dialogs): saved documents, the
 * template library, and a file from this computer.
 */
export function OpenDialog({
  onClose,
  initialTab = 'documents',
  onLibrary,
}: {
  onClose: () => void;
  initialTab?: 'documents' | 'templates';
  onLibrary?: () => void;
}) {
  const [tab, setTab] = useState(initialTab);
  const [docs, setDocs] = useState<DocumentEntry[] | null>(null);
  const [templates, setTemplates] = useState<TemplateSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const dialog = useRef<HTMLDivElement>(null);

  useEffect(() => {
    setError(null);
    if (tab === 'documents')
      hostApi()
        .listDocuments()
        .then(setDocs, (e) => (setDocs([]), setError(errorMessage(e))));
    else
      hostApi()
        .listTemplates()
        .then(setTemplates, (e) => (setTemplates([]), setError(errorMessage(e))));
  }, [tab]);
  useEffect(() => dialog.current?.focus(), []);

  const done = (ok: boolean) => ok && onClose();
  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div
        className="modal"
        role="dialog"
        aria-modal="true"
        aria-label="Open a graph"
        tabIndex={-1}
        ref={dialog}
        onKeyDown={(e) => e.key === 'Escape' && onClose()}
      >
        <div className="modal-head">
          <h2>Open</h2>
          <button type="button" className="icon-btn" aria-label="Close" onClick={onClose}>
            ×
          </button>
        </div>
        <div className="tabs-row" role="tablist">
          <button
            type="button"
            role="tab"
            aria-selected={tab === 'documents'}
            className={tab === 'documents' ? 'active' : ''}
            onClick={() => setTab('documents')}
          >
            Saved graphs
          </button>
          <button
            type="button"
            role="tab"
            aria-selected={tab === 'templates'}
            className={tab === 'templates' ? 'active' : ''}
            onClick={() => setTab('templates')}
          >
            Templates
          </button>
        </div>
        <div className="modal-body">
          {error && (
            <div className="error-text" role="alert">
              {error}
            </div>
          )}
          {tab === 'documents' && (
            <ul className="file-list" aria-label="Saved graphs">
              {docs === null && <li className="muted">Loading…</li>}
              {docs?.length === 0 && !error && <li className="muted">No saved graphs yet.</li>}
              {docs?.map((d) => (
                <li key={d.handle}>
                  <button
                    type="button"
                    className="file-item"
                    onClick={async () => done(await openDocumentHandle(d.handle))}
                  >
                    <span>{d.name}</span>
                    <span className="muted small">{new Date(d.modifiedMs).toLocaleString()}</span>
                  </button>
                </li>
              ))}
            </ul>
          )}
          {tab === 'templates' && (
            <ul className="file-list" aria-label="Templates">
              {templates === null && <li className="muted">Loading…</li>}
              {templates?.map((t) => (
                <li key={`${t.scope}/${t.name}`}>
                  <button
                    type="button"
                    className="file-item"
                    disabled={!!t.problem}
                    title={t.problem ?? t.description}
                    onClick={async () => done(await openTemplate({ scope: t.scope, name: t.name }))}
                  >
                    <span>{t.title}</span>
                    <span className="muted small">
                      {t.scope} · {t.totalParams !== null ? `${formatInt(t.totalParams)} params` : t.problem}
                    </span>
                  </button>
                </li>
              ))}
            </ul>
          )}
        </div>
        <div className="modal-foot">
          <input
            ref={fileInput}
            type="file"
            accept=".perceiver,.json,application/json"
            aria-label="Open a file from this computer"
            data-testid="upload-input"
            hidden
            onChange={async (e) => {
              const f = e.target.files?.[0];
              e.target.value = '';
              if (f) done(await openUpload(f));
            }}
          />
          {onLibrary && (
            <button
              type="button"
              className="btn"
              onClick={onLibrary}
              title="Search, duplicate, rename, import and export templates"
            >
              Template library…
            </button>
          )}
          <button type="button" className="btn" onClick={() => fileInput.current?.click()}>
            From this computer…
          </button>
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
        </div>
      </div>
    </div>
  );
}
