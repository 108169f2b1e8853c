/**
 * Node boxes without a browser: the size a node face takes on the canvas (the rules of
 * PerceiverNode.tsx + styles.css, in CSS pixels at zoom 1, erring on the large side), and the
 * re-flow that keeps boxes apart. One rule set serves three places:
 *   - opening a graph whose nodes overlap moves them apart (`separateDoc` in separate.ts) before it is shown;
 *   - the canvas pushes nodes down when a neighbour grows (an error message, a longer summary):
 *     `reflow` over the measured sizes, a view-only shift that leaves the document alone;
 *   - the unit test over every templates/*.json (templateLayout.test.ts) and
 *     `node scripts/layout-templates.mjs` which fixes a template's positions.
 */
import { formatBytes, formatFlops, formatParams } from '../format';
import type { PerceiverNodeData } from './flowModel';

export interface Box {
  id: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Gap kept between a node and the one pushed below it. */
export const REFLOW_GAP = 24;

export const NODE_FACE_WIDTH = 240;
/** Text width inside the face (240 minus 2 × 10 px padding). */
const INNER = 220;
// Average advance per character (DejaVu Sans / Liberation at the face's sizes), rounded up.
const TITLE_CH = 7.6; // 12.5 px semi-bold
const MONO_CH = 6.8; // 11 px monospace
const SMALL_CH = 6.4; // 11 px
const BODY_CH = 6.9; // 12 px
const PORT_CH = 6.2; // 10.5 px

const lines = (chars: number, perChar: number, width = INNER) => Math.max(1, Math.ceil((chars * perChar) / width));

/** Lines the tallest port label takes in a row of ports (each port gets an equal share of the width). */
function portLines(labels: readonly string[]): number {
  const slot = NODE_FACE_WIDTH / labels.length - 8;
  return Math.max(1, ...labels.map((l) => lines(l.length, PORT_CH, slot)));
}

/** What the node's foot shows (PerceiverNode renders exactly these strings). */
export function footText(d: Pick<PerceiverNodeData, 'params' | 'flops' | 'activationBytes'>): {
  params: string;
  compute: string;
} {
  const parts: string[] = [];
  if (d.flops > 0) parts.push(formatFlops(d.flops));
  if (d.activationBytes > 0) parts.push(`${formatBytes(d.activationBytes)} act.`);
  return { params: `${formatParams(d.params)} p`, compute: parts.join(' · ') };
}

/** The face's size for a node as the canvas draws it (see PerceiverNode.tsx). */
export function estimateNodeSize(
  d: PerceiverNodeData,
  outShape: string | undefined,
): { width: number; height: number } {
  let h = 2 + 3; // border: 1 px sides, 3 px category top
  if (d.inputs.length) h += 20 + 13 * (portLines(d.inputs.map((p) => `${p.label}${p.optional ? '?' : ''}`)) - 1);
  const name = d.label ?? d.nodeId;
  // Title and id on one line when they fit; else the id wraps below the title (the head wraps).
  const titleW = d.title.length * TITLE_CH;
  const idLines = titleW + 8 + name.length * MONO_CH > INNER ? 1 : 0;
  h += 6 + 18 * lines(d.title.length, TITLE_CH) + 16 * idLines;
  if (d.sharing?.badge) h += 17 + 4;
  if (d.summary) h += 17 * lines(d.summary.length, BODY_CH) + 4;
  if (d.sharing) h += 25 * d.sharing.strips.length + 4;
  const message = d.errors[0]?.message ?? d.warnings[0]?.message;
  if (message) h += 15 * lines(message.length, SMALL_CH) + 12;
  // Foot: shape + params on the first line; FLOPs and activation memory on a second when present.
  const foot = footText(d);
  const first = (outShape ?? '—').length * MONO_CH + 8 + foot.params.length * SMALL_CH;
  h += 8 + 16 * (lines(first, 1) + (foot.compute ? lines(foot.compute.length, SMALL_CH) : 0));
  if (d.outputs.length) h += 22 + 13 * (portLines(d.outputs.map((p) => p.label)) - 1);
  return { width: NODE_FACE_WIDTH, height: Math.ceil(h) };
}

export function overlaps(a: Box, b: Box, gap = 0): boolean {
  return (
    a.x < b.x + b.width + gap && b.x < a.x + a.width + gap && a.y < b.y + b.height + gap && b.y < a.y + a.height + gap
  );
}

/** Pairs of boxes that overlap (each pair once, in input order). */
export function overlappingPairs(boxes: readonly Box[], gap = 0): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i < boxes.length; i++)
    for (let j = i + 1; j < boxes.length; j++)
      if (overlaps(boxes[i]!, boxes[j]!, gap)) out.push([boxes[i]!.id, boxes[j]!.id]);
  return out;
}

/**
 * Push boxes down until none overlap: top to bottom (then left to right), each box that touches
 * one already placed moves to just below it, keeping its x. Boxes that did not overlap keep their
 * place, so a graph laid out by hand stays as it was except where nodes covered each other.
 * Returns the new positions of the boxes that moved.
 */
export function reflow(boxes: readonly Box[], gap = REFLOW_GAP): Map<string, { x: number; y: number }> {
  const order = [...boxes].sort((a, b) => a.y - b.y || a.x - b.x || (a.id < b.id ? -1 : 1));
  const placed: Box[] = [];
  const moved = new Map<string, { x: number; y: number }>();
  for (const b of order) {
    const box = { ...b };
    // Each pass moves the box below the lowest box it touches; it only ever moves down.
    for (let guard = 0; guard <= placed.length; guard++) {
      let bottom = -Infinity;
      for (const p of placed) if (overlaps(box, p)) bottom = Math.max(bottom, p.y + p.height);
      if (bottom === -Infinity) break;
      box.y = Math.ceil((bottom + gap) / 10) * 10; // on the canvas' 10 px snap grid
    }
    if (box.y !== b.y) moved.set(b.id, { x: box.x, y: box.y });
    placed.push(box);
  }
  return moved;
}
