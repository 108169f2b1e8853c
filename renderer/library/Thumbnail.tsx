import { memo } from 'react';
import type { TemplatePreview } from '../../electron/ipc-contract';
import { getKind } from '../../engine/kinds/registry';

const CATEGORY_COLOURS: Record<string, string> = {
  input: '#4fc3f7',
  position: '#ffb74d',
  latent: '#b388ff',
  attention: '#7c8cff',
  query: '#69f0ae',
  head: '#ff8a80',
  utility: '#b0bec5',
};

const W = 160;
const H = 110;
const PAD = 8;
const NODE_W = 24;
const NODE_H = 8;

/**
 * A template's graph in miniature, from the host's preview (node positions scaled into 0..1 and
 * the wiring): nodes as small bars coloured by category, wires as lines.
 */
function ThumbnailView({ preview, label }: { preview?: TemplatePreview; label: string }) {
  if (!preview || preview.nodes.length === 0) {
    return (
      <svg className="thumb" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`${label}: no preview`}>
        <text x={W / 2} y={H / 2} textAnchor="middle" className="thumb-empty">
          no preview
        </text>
      </svg>
    );
  }
  // The preview is scaled by its larger side; centre the smaller one.
  const xs = preview.nodes.map((n) => n.x);
  const ys = preview.nodes.map((n) => n.y);
  const spanX = Math.max(...xs) || 1;
  const spanY = Math.max(...ys) || 1;
  const scale = Math.min((W - 2 * PAD - NODE_W) / spanX, (H - 2 * PAD - NODE_H) / spanY);
  const offX = (W - spanX * scale) / 2 - NODE_W / 2;
  const offY = (H - spanY * scale) / 2 - NODE_H / 2;
  const at = (i: number) => ({ x: offX + preview.nodes[i]!.x * scale, y: offY + preview.nodes[i]!.y * scale });
  return (
    <svg
      className="thumb"
      viewBox={`0 0 ${W} ${H}`}
      role="img"
      aria-label={`${label}: ${preview.nodes.length} nodes, ${preview.edges.length} wires`}
    >
      {preview.edges.map(([a, b], i) => {
        const p = at(a);
        const q = at(b);
        return (
          <line key={i} x1={p.x + NODE_W / 2} y1={p.y + NODE_H} x2={q.x + NODE_W / 2} y2={q.y} className="thumb-edge" />
        );
      })}
      {preview.nodes.map((n, i) => {
        const p = at(i);
        const colour = CATEGORY_COLOURS[getKind(n.kind)?.category ?? ''] ?? '#ff5c5c';
        return <rect key={i} x={p.x} y={p.y} width={NODE_W} height={NODE_H} rx={2} fill={colour} />;
      })}
    </svg>
  );
}

export const Thumbnail = memo(ThumbnailView);
