import { Handle, Position, type NodeProps } from '@xyflow/react';
import { createContext, memo, useContext } from 'react';
import { formatBytes, formatFlops } from '../format';
import { footText } from './nodeBoxes';
import type { PerceiverFlowNode } from './flowModel';
import { portColor } from './portColors';
import { TieIcon, TiedStrip } from './TiedStrip';

/**
 * While a wire is being dragged: which input ports would accept it ("node\0port"), so they light
 * up, and which are refused (dimmed). null when no wire is being dragged.
 */
export const WiringContext = createContext<{ compatible: ReadonlySet<string>; fromNode: string } | null>(null);

function PerceiverNodeView({ data, selected }: NodeProps<PerceiverFlowNode>) {
  const wiring = useContext(WiringContext);
  const hasError = data.errors.length > 0;
  const name = data.label ?? data.nodeId;
  const outShape = data.outputs.length ? data.outputShapes[data.outputs[0]!.name] : undefined;
  const foot = footText(data);
  return (
    <div
      className={`pnode cat-${data.category}${selected ? ' selected' : ''}${hasError ? ' has-error' : data.warnings.length ? ' has-warning' : ''}${data.sharing?.badge ? ' tied' : ''}`}
      data-testid={`node-${data.nodeId}`}
      data-node-id={data.nodeId}
      aria-label={`${data.title} node "${name}"${hasError ? ', has errors' : ''}`}
    >
      {data.inputs.length > 0 && (
        <div className="pnode-inputs">
          {data.inputs.map((p) => {
            const key = `${data.nodeId}\u0000${p.name}`;
            const lit =
              wiring && wiring.fromNode !== data.nodeId ? (wiring.compatible.has(key) ? ' lit' : ' refused') : '';
            return (
              <div className="port in" key={p.name} title={`${p.label} (${p.type}): ${p.description}`}>
                <Handle
                  type="target"
                  position={Position.Top}
                  id={p.name}
                  className={`phandle${lit}`}
                  style={{ background: portColor(p.type), borderColor: portColor(p.type) }}
                  aria-label={`input ${p.label} of ${name}`}
                />
                <span className="port-label">
                  {p.label}
                  {p.optional ? '?' : ''}
                </span>
              </div>
            );
          })}
        </div>
      )}
      <div className="pnode-head">
        <span className="pnode-title">{data.title}</span>
        <span className="pnode-id" title={`Node id: ${name}`}>
          {name}
        </span>
      </div>
      {data.sharing?.badge && (
        <div className="tied-badge" title={data.sharing.title} data-testid={`tied-${data.nodeId}`}>
          <TieIcon /> {data.sharing.badge}
        </div>
      )}
      {data.summary && <div className="pnode-summary">{data.summary}</div>}
      {data.sharing && <TiedStrip sharing={data.sharing} />}
      {hasError && (
        <div className="pnode-error" role="alert">
          {data.errors[0]!.message}
        </div>
      )}
      {!hasError && data.warnings.length > 0 && <div className="pnode-warning">{data.warnings[0]!.message}</div>}
      <div className="pnode-foot">
        <div className="pnode-foot-row">
          <span className="pnode-shape" data-testid={`shape-${data.nodeId}`}>
            {outShape ?? '—'}
          </span>
          <span className="pnode-cost" data-testid={`params-${data.nodeId}`} title="Parameters">
            {foot.params}
          </span>
        </div>
        {foot.compute && (
          <div className="pnode-foot-row pnode-compute">
            {data.flops > 0 ? <span title="Forward FLOPs per example">{formatFlops(data.flops)}</span> : <span />}
            {data.activationBytes > 0 && (
              <span
                data-testid={`act-${data.nodeId}`}
                title="Activation memory kept for the backward pass, per example (the summary bar shows the total at the batch size)"
              >
                {formatBytes(data.activationBytes)} act.
              </span>
            )}
          </div>
        )}
      </div>
      {data.outputs.length > 0 && (
        <div className="pnode-outputs">
          {data.outputs.map((p) => (
            <div className="port out" key={p.name} title={`${p.label} (${p.type}): ${p.description}`}>
              <span className="port-label">{p.label}</span>
              <Handle
                type="source"
                position={Position.Bottom}
                id={p.name}
                className="phandle"
                style={{ background: portColor(p.type), borderColor: portColor(p.type) }}
                aria-label={`output ${p.label} of ${name}`}
              />
            </div>
          ))}
        </div>
      )}
    </div>
  );
}

export const PerceiverNode = memo(PerceiverNodeView);
