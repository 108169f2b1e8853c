import { useAnalysis } from '../state/analysisContext';
import { focusNode } from '../state/store';

/** Every error and warning of the graph; clicking one selects and centres the node at fault. */
export function ProblemsPanel() {
  const { problems } = useAnalysis();
  if (!problems.length)
    return (
      <div className="problems muted" aria-label="Problems">
        No problems: the graph is valid.
      </div>
    );
  const sorted = [...problems].sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1));
  return (
    <ul className="problems" aria-label="Problems">
      {sorted.map((p, i) => (
        <li key={i} className={`problem ${p.severity}`}>
          <button
            type="button"
            disabled={!p.nodeId}
            onClick={() => p.nodeId && focusNode(p.nodeId)}
            aria-label={`${p.severity}: ${p.message}${p.nodeId ? ' — show node' : ''}`}
          >
            <span className="sev">{p.severity === 'error' ? '✕' : '!'}</span>
            <span className="msg">{p.message}</span>
          </button>
        </li>
      ))}
    </ul>
  );
}
