import { useEffect, useRef } from 'react';
import { errorMessage } from '../api';
import { saveActive } from '../files/fileActions';
import {
  activeTab,
  cancelClosePrompt,
  closeTab,
  getState,
  isDirty,
  notify,
  switchTab,
  useEditor,
} from '../state/store';
import {
  discardGraph,
  keepMine,
  openRestore,
  reloadFromDisk,
  reopenHandles,
  restoreGraph,
  startNoLostWork,
  useSession,
  useSessionSync,
  type Conflict,
} from './session';
import '../library/library.css';

/** Starts autosave, file checks and session tracking; draws the restore dialog and the conflict bar. */
export function NoLostWork() {
  useEffect(() => startNoLostWork(), []);
  useSessionSync();
  const restoreOpen = useSession((s) => s.restoreOpen);
  const closePrompt = useEditor((s) => s.closePrompt);
  return (
    <>
      <ConflictBar />
      {restoreOpen && <RestoreDialog onClose={() => openRestore(false)} />}
      {closePrompt && <CloseTabPrompt tabId={closePrompt} />}
    </>
  );
}

/** Closing a changed tab: Save / Don't save / Cancel, as closing the window asks. */
function CloseTabPrompt({ tabId }: { tabId: string }) {
  const tab = useEditor((s) => s.tabs.find((t) => t.id === tabId));
  const dialog = useRef<HTMLDivElement>(null);
  const saveBtn = useRef<HTMLButtonElement>(null);
  useEffect(() => saveBtn.current?.focus(), []);
  useEffect(() => {
    if (!tab) cancelClosePrompt();
  }, [tab]);
  if (!tab) return null;
  const name = tab.history.present.name;
  const save = async () => {
    switchTab(tabId);
    const ok = await saveActive();
    const now = getState().tabs.find((t) => t.id === tabId);
    // A cancelled or refused save keeps the tab open (its notice says why).
    if (ok && now && !isDirty(now)) closeTab(tabId);
    else cancelClosePrompt();
  };
  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && cancelClosePrompt()}>
      <div
        className="modal close-prompt"
        role="alertdialog"
        aria-modal="true"
        aria-labelledby="close-prompt-title"
        aria-describedby="close-prompt-detail"
        tabIndex={-1}
        ref={dialog}
        onKeyDown={(e) => e.key === 'Escape' && cancelClosePrompt()}
      >
        <div className="modal-head">
          <h2 id="close-prompt-title">Save the changes to “{name}”?</h2>
        </div>
        <div className="modal-body">
          <p id="close-prompt-detail">
            {tab.fileName && tab.handle
              ? `“${tab.fileName}” has changes that are not saved.`
              : 'This graph has never been saved.'}{' '}
            If you don’t save, the changes are lost (until you close the app, Ctrl+Shift+T reopens the tab as it was).
          </p>
        </div>
        <div className="modal-foot">
          <button
            type="button"
            className="btn primary"
            ref={saveBtn}
            onClick={() => void save().catch((e) => notify('error', errorMessage(e)))}
          >
            Save
          </button>
          <button type="button" className="btn" onClick={() => closeTab(tabId)}>
            Don’t save
          </button>
          <button type="button" className="btn" onClick={cancelClosePrompt}>
            Cancel
          </button>
        </div>
      </div>
    </div>
  );
}

/** Toolbar entry: shown while there is something to restore from an earlier session. */
export function RestoreButton() {
  const count = useSession((s) => s.recoverable.length + s.unreadable.length + (s.offerReopen.length ? 1 : 0));
  if (!count) return null;
  return (
    <button
      type="button"
      className="btn restore-btn"
      onClick={() => openRestore(true)}
      aria-label={`Restore work from an earlier session (${count})`}
      title="Unsaved graphs recovered after a crash, and the graphs open last time"
    >
      ⟲ Restore ({count})
    </button>
  );
}

function ConflictBar() {
  const tabId = useEditor((s) => s.activeTabId);
  const conflict = useSession((s) => s.conflicts.find((c) => c.tabId === tabId));
  if (!conflict) return null;
  const act = (f: (c: Conflict) => Promise<unknown>) => () =>
    void f(conflict).catch((e) => notify('error', errorMessage(e)));
  return (
    <div className="session-bars">
      <div className="session-bar" role="alert" data-testid="file-conflict">
        {conflict.kind === 'changed' ? (
          <span>
            “{conflict.fileName}” was changed on disk by another program. Reload it, or keep your version and overwrite
            the file.
          </span>
        ) : (
          <span>
            “{conflict.fileName}” was deleted or moved on disk. Keep the graph (Save writes the file again) or save it
            elsewhere.
          </span>
        )}
        {conflict.kind === 'changed' && (
          <button type="button" className="btn" onClick={act(reloadFromDisk)}>
            Reload from disk
          </button>
        )}
        <button
          type="button"
          className="btn"
          onClick={act(async (c) => {
            await keepMine(c);
            if (activeTab().id === c.tabId) await saveActive();
          })}
        >
          {conflict.kind === 'changed' ? 'Overwrite with mine' : 'Save it again'}
        </button>
        <button type="button" className="btn" onClick={act(() => saveActive({ as: true }))}>
          Save as…
        </button>
        <button
          type="button"
          className="icon-btn"
          aria-label="Decide later"
          title="Keep editing; the next save asks again"
          onClick={act(keepMine)}
        >
          ×
        </button>
      </div>
    </div>
  );
}

function RestoreDialog({ onClose }: { onClose: () => void }) {
  const recoverable = useSession((s) => s.recoverable);
  const unreadable = useSession((s) => s.unreadable);
  const offerReopen = useSession((s) => s.offerReopen);
  const dialog = useRef<HTMLDivElement>(null);
  useEffect(() => dialog.current?.focus(), []);
  const nothingLeft = recoverable.length + unreadable.length + offerReopen.length === 0;
  useEffect(() => {
    if (nothingLeft) onClose();
  }, [nothingLeft, onClose]);
  const run = (f: () => Promise<unknown>) => () => void f().catch((e) => notify('error', errorMessage(e)));

  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div
        className="modal"
        role="dialog"
        aria-modal="true"
        aria-label="Restore your work"
        tabIndex={-1}
        ref={dialog}
        onKeyDown={(e) => e.key === 'Escape' && onClose()}
      >
        <div className="modal-head">
          <h2>Restore your work</h2>
          <button type="button" className="icon-btn" aria-label="Close" onClick={onClose}>
            ×
          </button>
        </div>
        <div className="modal-body">
          {(recoverable.length > 0 || unreadable.length > 0) && (
            <section aria-label="Recovered unsaved graphs">
              <h3 className="restore-h">Unsaved changes recovered</h3>
              <p className="muted small">
                The app was closed or crashed with these graphs unsaved; their last autosave is kept until you restore
                or discard it.
              </p>
              <ul className="recovery-list">
                {recoverable.map((r) => (
                  <li key={r.tabId}>
                    <span>
                      <strong>{r.doc.name}</strong>
                      <span className="muted small">
                        {' '}
                        · {r.handle ? r.fileName : 'not saved to a file yet'} · {r.doc.nodes.length} nodes · autosaved{' '}
                        {new Date(r.savedMs).toLocaleString()}
                      </span>
                    </span>
                    <button
                      type="button"
                      className="btn primary"
                      aria-label={`Restore ${r.doc.name}`}
                      onClick={run(async () => (await restoreGraph(r), onClose()))}
                    >
                      Restore
                    </button>
                    <button
                      type="button"
                      className="btn"
                      aria-label={`Discard ${r.doc.name}`}
                      onClick={run(() => discardGraph(r.tabId))}
                    >
                      Discard
                    </button>
                  </li>
                ))}
                {unreadable.map((u) => (
                  <li key={u.tabId}>
                    <span className="error-text">{u.reason}</span>
                    <span />
                    <button
                      type="button"
                      className="btn"
                      aria-label={`Discard ${u.tabId}`}
                      onClick={run(() => discardGraph(u.tabId))}
                    >
                      Discard
                    </button>
                  </li>
                ))}
              </ul>
            </section>
          )}
          {offerReopen.length > 0 && (
            <section aria-label="Graphs open last time">
              <h3 className="restore-h">Graphs open last time</h3>
              <ul className="recovery-list">
                {offerReopen.map((h) => (
                  <li key={h}>
                    <span>{h.split(/[\\/]/).pop()}</span>
                  </li>
                ))}
              </ul>
            </section>
          )}
        </div>
        <div className="modal-foot">
          {recoverable.length > 1 && (
            <button
              type="button"
              className="btn"
              onClick={run(async () => {
                for (const r of recoverable) await restoreGraph(r);
              })}
            >
              Restore all
            </button>
          )}
          {offerReopen.length > 0 && (
            <button type="button" className="btn" onClick={run(() => reopenHandles(offerReopen))}>
              Reopen {offerReopen.length === 1 ? 'it' : `all ${offerReopen.length}`}
            </button>
          )}
          <button type="button" className="btn" onClick={onClose}>
            Later
          </button>
        </div>
      </div>
    </div>
  );
}
