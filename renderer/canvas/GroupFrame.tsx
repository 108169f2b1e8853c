import { Handle, Position, type NodeProps } from '@xyflow/react';
import { memo } from 'react';
import { perform } from '../state/store';
import { formatParams } from '../format';
import type { GroupFlowNode } from './flowModel';

/** The frame drawn around a block's members; collapsed, it stands in for them with one in/out. */
function GroupFrameView({ data }: NodeProps<GroupFlowNode>) {
  const toggle = () => perform({ type: 'setGroup', groupId: data.groupId, collapsed: !data.collapsed });
  return (
    <div className={`group-frame${data.collapsed ? ' collapsed' : ''}`} data-testid={`group-${data.groupId}`}>
      <div className="group-head">
        <button type="button" className="group-toggle nodrag" onClick={toggle} aria-label={`${data.collapsed ? 'Expand' : 'Collapse'} block ${data.label}`} aria-expanded={!data.collapsed}>
          {data.collapsed ? '▸' : '▾'}
        </button>
        <span className="group-label">{data.label}</span>
        <span className="group-meta">
          {data.members} nodes · {formatParams(data.params)} p
        </span>
      </div>
      {data.collapsed && (
        <>
          <Handle type="target" position={Position.Left} id="in" className="phandle" isConnectable={false} />
          <Handle type="source" position={Position.Right} id="out" className="phandle" isConnectable={false} />
        </>
      )}
    </div>
  );
}

export const GroupFrame = memo(GroupFrameView);
