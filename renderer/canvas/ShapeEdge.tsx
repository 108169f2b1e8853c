import { BaseEdge, EdgeLabelRenderer, getBezierPath, type EdgeProps } from '@xyflow/react';
import { memo } from 'react';
import type { ShapeFlowEdge } from './flowModel';
import { portColor } from './portColors';
import { TieIcon } from './TiedStrip';

/** A wire coloured by the type it carries, labelled with its tensor shape. */
function ShapeEdgeView({
  id,
  sourceX,
  sourceY,
  targetX,
  targetY,
  sourcePosition,
  targetPosition,
  data,
  selected,
}: EdgeProps<ShapeFlowEdge>) {
  const [path, labelX, labelY] = getBezierPath({ sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition });
  const colour = data?.error ? '#ff5252' : portColor(data?.portType);
  return (
    <>
      <BaseEdge
        id={id}
        path={path}
        style={{
          stroke: colour,
          strokeWidth: selected ? 3 : 2,
          opacity: selected ? 1 : 0.85,
          ...(data?.tied ? { strokeDasharray: '7 5' } : {}),
        }}
        interactionWidth={16}
      />
      <EdgeLabelRenderer>
        <div
          className={`edge-label${selected ? ' selected' : ''}${data?.error ? ' error' : ''}${data?.tied ? ' tied' : ''}`}
          style={{ transform: `translate(-50%, -50%) translate(${labelX}px, ${labelY}px)`, borderColor: colour }}
          data-testid={`edge-${id}`}
        >
          {data?.tied && (
            <span title="This wire shares the embedding weights with the decoder (tied)">
              <TieIcon /> tied ·{' '}
            </span>
          )}
          {data?.shape}
        </div>
      </EdgeLabelRenderer>
    </>
  );
}

export const ShapeEdge = memo(ShapeEdgeView);
