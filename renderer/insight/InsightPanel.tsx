/**
 * The Insight tab: attention maps, latent diagnostics, run history and sweeps. Each view reads
 * plain numbers from the insight store; the worker keeps the model.
 */
import { useState } from 'react';
import { AttentionView } from './AttentionView';
import { DiagnosticsView } from './DiagnosticsView';
import { RunsView } from './RunsView';
import { SweepView } from './SweepView';
import './insight.css';

const VIEWS = [
  { id: 'attention', label: 'Attention' },
  { id: 'diagnostics', label: 'Diagnostics' },
  { id: 'runs', label: 'Runs' },
  { id: 'sweep', label: 'Sweep' },
] as const;
type View = (typeof VIEWS)[number]['id'];

let lastView: View = 'attention';

export function InsightPanel() {
  const [view, setView] = useState<View>(lastView);
  const pick = (v: View) => {
    lastView = v;
    setView(v);
  };
  return (
    <div className="insight-panel">
      <div className="insight-tabs" role="tablist" aria-label="Insight views">
        {VIEWS.map((v) => (
          <button
            key={v.id}
            type="button"
            role="tab"
            aria-selected={view === v.id}
            className={view === v.id ? 'active' : ''}
            onClick={() => pick(v.id)}
          >
            {v.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" aria-label={VIEWS.find((v) => v.id === view)!.label}>
        {view === 'attention' && <AttentionView />}
        {view === 'diagnostics' && <DiagnosticsView />}
        {view === 'runs' && <RunsView />}
        {view === 'sweep' && <SweepView />}
      </div>
    </div>
  );
}
