import { useEffect, useRef, useState } from 'react';
import type { AppCommand } from './commands/appCommands';
import { useDataDisagreement } from './data/dataFit';
import { useAnalysis } from './state/analysisContext';
import { requestCloseTab, isDirty, perform, switchTab, useEditor } from './state/store';
import { isTraining, useTrainer } from './training/trainer';
import { RestoreButton } from './session/SessionUi';
import { useTheme } from './theme/theme';

/** Title row: graph tabs with unsaved markers, file and edit actions, Train/Stop. */
export function Toolbar({ commands }: { commands: AppCommand[] }) {
  const tabs = useEditor((s) => s.tabs);
  const activeId = useEditor((s) => s.activeTabId);
  const canUndo = useEditor((s) => s.tabs.find((t) => t.id === s.activeTabId)!.history.past.length > 0);
  const canRedo = useEditor((s) => s.tabs.find((t) => t.id === s.activeTabId)!.history.future.length > 0);
  const training = useTrainer((s) => isTraining(s));
  // What ▶ Train trains on: the graph's data binding (the built-in digits when there is none).
  const dataSource = useEditor(
    (s) => s.tabs.find((t) => t.id === s.activeTabId)!.history.present.data?.source ?? 'mnist',
  );
  const dataPath = useEditor((s) => s.tabs.find((t) => t.id === s.activeTabId)!.history.present.data?.path ?? null);
  const trainsOn =
    dataSource === 'mnist'
      ? 'the built-in MNIST digits'
      : `${dataPath ? `“${dataPath}”` : `the ${dataSource} data`} (Dataset tab)`;
  const stopping = useTrainer((s) => s.status === 'stopping');
  const firstError = useAnalysis().problems.find((p) => p.severity === 'error');
  const cmd = (id: string) => commands.find((c) => c.id === id)!;
  const btn = (id: string, label: string, disabled = false) => {
    const c = cmd(id);
    return (
      <button
        type="button"
        className="btn"
        onClick={() => void c.run()}
        disabled={disabled}
        title={c.shortcut ? `${c.title} (${c.shortcut})` : c.title}
        aria-label={c.title}
      >
        {label}
      </button>
    );
  };
  const theme = useTheme();
  const [renaming, setRenaming] = useState<string | null>(null);
  // The active tab is always in view in the tab strip (after a switch, an open, a reopen).
  const strip = useRef<HTMLDivElement>(null);
  useEffect(() => {
    strip.current?.querySelector('.graph-tab.active')?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  }, [activeId, tabs.length]);
  // Loaded data that the graph cannot take disables Train too (the Dataset tab offers the fix).
  const dataDisagreement = useDataDisagreement();
  const trainDisabledReason = training
    ? null
    : firstError
      ? `Fix the graph first: ${firstError.message}`
      : dataDisagreement
        ? `The data does not fit the graph (Dataset tab): ${dataDisagreement}`
        : null;
  return (
    <header className="toolbar">
      <div className="brand" aria-hidden="true">
        <span className="logo">◆</span> Perceiver Studio
      </div>
      <div className="graph-tabs" role="tablist" aria-label="Open graphs" ref={strip}>
        {tabs.map((t) => {
          const dirty = isDirty(t);
          const name = t.history.present.name;
          return (
            <div key={t.id} className={`graph-tab${t.id === activeId ? ' active' : ''}`}>
              {renaming === t.id && t.id === activeId ? (
                <input
                  className="tab-rename"
                  aria-label="Graph name"
                  defaultValue={name}
                  autoFocus
                  onFocus={(e) => e.target.select()}
                  onBlur={() => setRenaming(null)}
                  onKeyDown={(e) => {
                    if (e.key === 'Escape') setRenaming(null);
                    if (e.key !== 'Enter') return;
                    const v = e.currentTarget.value.trim();
                    // The graph's name (an undoable edit), not its file name.
                    if (v && v !== name) perform({ type: 'rename', name: v });
                    setRenaming(null);
                  }}
                />
              ) : (
                <button
                  type="button"
                  role="tab"
                  onDoubleClick={() => (switchTab(t.id), setRenaming(t.id))}
                  aria-selected={t.id === activeId}
                  onClick={() => switchTab(t.id)}
                  title={`${name} — ${t.fileName ?? 'not saved yet'} — double-click to rename the graph`}
                  aria-label={`${name}${dirty ? ' (unsaved changes)' : ''}`}
                >
                  {name}
                  {dirty && (
                    <span className="dirty" aria-hidden="true">
                      {' '}
                      ●
                    </span>
                  )}
                </button>
              )}
              {tabs.length > 1 && (
                <button
                  type="button"
                  className="tab-close"
                  aria-label={`Close ${name}`}
                  onClick={() => requestCloseTab(t.id)}
                >
                  ×
                </button>
              )}
            </div>
          );
        })}
        <button
          type="button"
          className="tab-new"
          aria-label="New graph"
          title="New graph (Ctrl+N)"
          onClick={() => void cmd('new').run()}
        >
          +
        </button>
      </div>
      <div className="actions">
        <RestoreButton />
        {btn('open', 'Open')}
        {btn('save', 'Save')}
        {btn('library', 'Library')}
        {btn('export', 'Export')}
        {btn('undo', '↶', !canUndo)}
        {btn('redo', '↷', !canRedo)}
        {btn('layout', 'Layout')}
        {btn('palette', '⌘K')}
        <button
          type="button"
          className="btn theme-toggle"
          onClick={() => void cmd('toggleTheme').run()}
          aria-label={theme === 'dark' ? 'Switch to the light theme' : 'Switch to the dark theme'}
          aria-pressed={theme === 'light'}
          title="Toggle light/dark theme (View › Toggle Theme)"
        >
          {theme === 'dark' ? '☀' : '☾'}
        </button>
        <button
          type="button"
          className={`btn train ${training ? 'stop' : 'primary'}`}
          onClick={() => void cmd('train').run()}
          disabled={!!trainDisabledReason || stopping}
          aria-label={training ? 'Stop training' : 'Train'}
          aria-describedby={trainDisabledReason ? 'train-disabled-reason' : undefined}
          title={
            trainDisabledReason ?? (training ? 'Stop after the current step' : `Train on ${trainsOn} (Ctrl+Enter)`)
          }
        >
          {training ? (stopping ? 'Stopping…' : '■ Stop') : '▶ Train'}
        </button>
        {trainDisabledReason && (
          <span id="train-disabled-reason" className="train-reason" role="note">
            {trainDisabledReason}
          </span>
        )}
      </div>
    </header>
  );
}
