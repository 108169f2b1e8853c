import { useConnection } from '@xyflow/react';
import { canConnect } from '../../engine/graph/commands';
import { activeDoc } from '../state/store';

/** While a wire hovers a port that refuses it, say why (wrong rank, cycle, port taken). */
export function ConnectionHint() {
  const c = useConnection();
  if (!c.inProgress || !c.toHandle || c.isValid !== false) return null;
  const from = c.fromHandle;
  const to = c.toHandle;
  const src = from.type === 'source' ? from : to;
  const dst = from.type === 'source' ? to : from;
  if (src.type !== 'source' || dst.type !== 'target') {
    return (
      <div className="connect-hint" role="status">
        Connect an output (right side) to an input (left side)
      </div>
    );
  }
  const check = canConnect(
    activeDoc(),
    { node: src.nodeId, port: src.id ?? 'out' },
    { node: dst.nodeId, port: dst.id ?? 'in' },
  );
  if (check.ok) return null;
  return (
    <div className="connect-hint" role="status" data-testid="connect-hint">
      {check.reason}
    </div>
  );
}
