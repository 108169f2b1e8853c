import { DatasetPanel } from '../data/DatasetPanel';
import { InsightPanel } from '../insight/InsightPanel';
import { TrainingPanel } from '../training/TrainingPanel';
import { TryPanel } from '../try/TryPanel';
import { useAnalysis } from '../state/analysisContext';
import { CostView } from './CostView';
import { HelpTab } from '../shell/HelpTab';
import { Inspector } from './Inspector';
import { ProblemsPanel } from './ProblemsPanel';

/**
 * The right-hand side panel. Extension point: a later dataset panel or insight view (attention
 * maps, runs) adds one entry to PANEL_TABS and one case below.
 */
export const PANEL_TABS = [
  { id: 'inspector', label: 'Inspector' },
  { id: 'dataset', label: 'Dataset' },
  { id: 'training', label: 'Training' },
  { id: 'try', label: 'Try' },
  { id: 'problems', label: 'Problems' },
  { id: 'insight', label: 'Insight' },
  { id: 'costs', label: 'Costs' },
  { id: 'help', label: 'Help' },
] as const;
export type PanelTab = (typeof PANEL_TABS)[number]['id'];

export function RightPanel({
  tab,
  onTab,
  helpKind,
  onHelp,
}: {
  tab: PanelTab;
  onTab: (t: PanelTab) => void;
  helpKind: string | null;
  onHelp: (kind: string) => void;
}) {
  const problems = useAnalysis().problems.length;
  return (
    <aside className="right-panel" aria-label="Side panel">
      <div className="tabs-row" role="tablist" aria-label="Side panel tabs">
        {PANEL_TABS.map((t) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            id={`tab-${t.id}`}
            aria-selected={tab === t.id}
            aria-controls={`panel-${t.id}`}
            className={tab === t.id ? 'active' : ''}
            onClick={() => onTab(t.id)}
          >
            {t.label}
            {t.id === 'problems' && problems > 0 && <span className="badge">{problems}</span>}
          </button>
        ))}
      </div>
      <div className="panel-body" role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
        {tab === 'inspector' && <Inspector onHelp={onHelp} />}
        {tab === 'dataset' && <DatasetPanel />}
        {tab === 'training' && <TrainingPanel />}
        {tab === 'try' && <TryPanel />}
        {tab === 'problems' && <ProblemsPanel />}
        {tab === 'insight' && <InsightPanel />}
        {tab === 'costs' && <CostView />}
        {tab === 'help' && <HelpTab helpKind={helpKind} />}
      </div>
    </aside>
  );
}
