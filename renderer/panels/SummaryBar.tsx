import { formatBytes, formatFlops, formatInt } from '../format';
import { useAnalysis } from '../state/analysisContext';
import { activeDoc, useEditor } from '../state/store';

/** Totals for the whole graph, from the analyser (never from canvas state). */
export function SummaryBar({ onProblems }: { onProblems: () => void }) {
  const a = useAnalysis();
  const doc = useEditor((s) => activeDoc(s));
  const errors = a.problems.filter((p) => p.severity === 'error').length;
  const warnings = a.problems.length - errors;
  const batch = doc.training.batchSize;
  return (
    <footer className="summary-bar" aria-label="Graph summary">
      <span>
        <span className="muted">Parameters</span> <b data-testid="total-params">{formatInt(a.totals.params)}</b>
      </span>
      <span>
        <span className="muted">Forward</span> <b>{formatFlops(a.totals.flops)}</b>
        <span className="muted">/example</span>
      </span>
      <span title="Activations kept for the backward pass at the chosen batch size">
        <span className="muted">Activations</span> <b>{formatBytes(a.totals.activationBytes * batch)}</b>
        <span className="muted"> at batch {batch}</span>
      </span>
      <span>
        <span className="muted">Nodes</span> <b>{doc.nodes.length}</b>
      </span>
      <button
        type="button"
        className={`problems-chip${errors ? ' has-errors' : warnings ? ' has-warnings' : ''}`}
        onClick={onProblems}
        aria-label={`${errors} errors, ${warnings} warnings — show problems`}
      >
        {errors ? `✕ ${errors} error${errors > 1 ? 's' : ''}` : '✓ valid'}
        {warnings ? ` · ! ${warnings}` : ''}
      </button>
    </footer>
  );
}
