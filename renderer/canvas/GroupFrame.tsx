import { Handle, Position, type NodeProps } from '@xyflow/react';
import { memo } from 'react';
import { saveGroupAsBlock } from '../state/customBlocks';
import { activeDoc, notify, perform } from '../state/store';
import { formatParams } from '../format';
import type { GroupFlowNode } from './flowModel';
import { enterGroup } from './focusGroup';

/** The frame drawn around a block's members; collapsed, it stands in for them with one in/out. */
function GroupFrameView({ data }: NodeProps<GroupFlowNode>) {
  const toggle = () => perform({ type: 'setGroup', groupId: data.groupId, collapsed: !data.collapsed });
  return (
    <div className={`group-frame${data.collapsed ? ' collapsed' : ''}`} data-testid={`group-${data.groupId}`}>
      <div className="group-head">
        <button
          type="button"
          className="group-toggle nodrag"
          onClick={toggle}
          aria-label={`${data.collapsed ? 'Expand' : 'Collapse'} block ${data.label}`}
          aria-expanded={!data.collapsed}
        >
          {data.collapsed ? '▸' : '▾'}
        </button>
        <span
          className="group-label"
          onDoubleClick={() => enterGroup(activeDoc(), data.groupId)}
          title="Double-click to enter the block"
        >
          {data.label}
        </span>
        <button
          type="button"
          className="group-toggle nodrag"
          aria-label={`Enter block ${data.label}`}
          title="Enter the block: show only its nodes (Esc to leave)"
          onClick={() => enterGroup(activeDoc(), data.groupId)}
        >
          ⤵
        </button>
        <button
          type="button"
          className="group-toggle nodrag"
          aria-label={`Save block ${data.label} to the palette`}
          title="Save this block to the palette"
          onClick={() => {
            const b = saveGroupAsBlock(activeDoc(), data.groupId);
            notify('info', `Saved “${b.label}” to the palette (Custom blocks)`);
          }}
        >
          ⊕
        </button>
        <span className="group-meta">
          {data.members} nodes · {formatParams(data.params)} p
        </span>
      </div>
      {/* Always rendered (React Flow measures handles once per node); visible when collapsed,
          where wires into and out of the block attach to them. */}
      <Handle
        type="target"
        position={Position.Top}
        id="in"
        className="phandle block-handle"
        isConnectable={false}
        style={{ visibility: data.collapsed ? 'visible' : 'hidden' }}
      />
      <Handle
        type="source"
        position={Position.Bottom}
        id="out"
        className="phandle block-handle"
        isConnectable={false}
        style={{ visibility: data.collapsed ? 'visible' : 'hidden' }}
      />
      {data.collapsed && <div className="group-body muted small">Collapsed block — expand to edit its nodes</div>}
    </div>
  );
}

export const GroupFrame = memo(GroupFrameView);
