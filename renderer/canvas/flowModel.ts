/**
 * GraphDoc + analysis → React Flow nodes and edges. A pure projection: the canvas never stores
 * the model, it is redrawn from the document after every command.
 */
import type { Edge, Node } from '@xyflow/react';
import { formatShape, type Analysis, type Problem } from '../../engine/graph/analyse';
import type { GraphDoc } from '../../engine/graph/schema';
import { getKind } from '../../engine/kinds/registry';
import type { Category, PortDef, PortType } from '../../engine/kinds/types';
import { isTiedWire, sharingOf, type SharingInfo } from './weightSharing';
import { estimateNodeSize, reflow, type Box } from './nodeBoxes';

/** Re-flow (push down nodes a grown neighbour covers) only up to this many nodes. */
const REFLOW_MAX_NODES = 150;

export interface PerceiverNodeData extends Record<string, unknown> {
  nodeId: string;
  kind: string;
  title: string;
  label?: string;
  category: Category | 'unknown';
  summary: string;
  inputs: readonly PortDef[];
  outputs: readonly PortDef[];
  connectedInputs: string[];
  outputShapes: Record<string, string>;
  params: number;
  flops: number;
  /** Activation memory kept for the backward pass, bytes per example. */
  activationBytes: number;
  errors: Problem[];
  warnings: Problem[];
  groupLabel?: string;
  /** Repeats and their weight sets, when the node applies tied (or untied) repeats. */
  sharing: SharingInfo | null;
}

export interface GroupFrameData extends Record<string, unknown> {
  groupId: string;
  label: string;
  collapsed: boolean;
  members: number;
  params: number;
}

/**
 * The "entered" block: only its members are drawn (plus nodes added since entering), so the
 * view focuses on them; `hidden` are the nodes outside it when it was entered.
 */
export interface FocusView {
  groupId: string;
  hidden: ReadonlySet<string>;
}

export interface ShapeEdgeData extends Record<string, unknown> {
  shape: string;
  portType: PortType;
  error: boolean;
  /** The wire carries shared weights (a tied embedding), not activations. */
  tied?: boolean;
}

export type PerceiverFlowNode = Node<PerceiverNodeData, 'perceiver'>;
export type GroupFlowNode = Node<GroupFrameData, 'group-frame'>;
export type ShapeFlowEdge = Edge<ShapeEdgeData, 'shape'>;

/** Approximate node size, used for group frames before React Flow has measured the nodes. */
export const NODE_WIDTH = 240;
export const NODE_HEIGHT = 150;
const FRAME_PAD = 28;

export function toFlowNodes(
  doc: GraphDoc,
  analysis: Analysis,
  selected: ReadonlySet<string>,
  dragOverlay: ReadonlyMap<string, { x: number; y: number }>,
  measured: ReadonlyMap<string, { width: number; height: number }>,
  focus: FocusView | null = null,
  options: { reflow?: boolean } = {},
): (PerceiverFlowNode | GroupFlowNode)[] {
  const connected = new Map<string, string[]>();
  for (const e of doc.edges) {
    const list = connected.get(e.target.node) ?? [];
    list.push(e.target.port);
    connected.set(e.target.node, list);
  }
  // Inside an entered block its members are shown expanded, whatever the block's collapsed flag.
  const collapsed = new Set(doc.groups.filter((g) => g.collapsed && g.id !== focus?.groupId).map((g) => g.id));
  const groupLabels = new Map(doc.groups.map((g) => [g.id, g.label]));
  const out: (PerceiverFlowNode | GroupFlowNode)[] = [];

  const faces: PerceiverFlowNode[] = [];
  for (const n of doc.nodes) {
    if (n.group && collapsed.has(n.group)) continue;
    if (focus?.hidden.has(n.id)) continue;
    const kind = getKind(n.kind);
    const na = analysis.nodes.get(n.id);
    const shapes: Record<string, string> = {};
    for (const [port, s] of Object.entries(na?.outputShapes ?? {})) shapes[port] = formatShape(s);
    faces.push({
      id: n.id,
      type: 'perceiver',
      position: n.position,
      measured: measured.get(n.id),
      selected: selected.has(n.id),
      data: {
        nodeId: n.id,
        kind: n.kind,
        title: kind?.title ?? `Unknown kind "${n.kind}"`,
        label: n.label,
        category: kind?.category ?? 'unknown',
        summary: kind && na?.params ? kind.describe(na.params) : '',
        inputs: kind?.inputs ?? [],
        outputs: kind?.outputs ?? [],
        connectedInputs: connected.get(n.id) ?? [],
        outputShapes: shapes,
        params: na?.cost.params ?? 0,
        flops: na?.cost.flops ?? 0,
        activationBytes: na?.cost.activationBytes ?? 0,
        errors: na?.problems.filter((p) => p.severity === 'error') ?? [],
        warnings: na?.problems.filter((p) => p.severity === 'warning') ?? [],
        groupLabel: n.group ? groupLabels.get(n.group) : undefined,
        sharing: sharingOf(n.kind, na?.params ?? n.params),
      },
    });
  }
  // A node that grew (an error message, a longer summary) pushes the nodes it would cover down:
  // a view-only shift from the measured sizes (estimated before the first measure); the document
  // keeps its positions. A node being dragged stays where the pointer has it.
  const shifted =
    options.reflow === false || faces.length > REFLOW_MAX_NODES
      ? new Map<string, { x: number; y: number }>()
      : reflow(faces.map((f) => faceBox(f, measured)));
  for (const f of faces) f.position = dragOverlay.get(f.id) ?? shifted.get(f.id) ?? f.position;
  const positions = new Map(faces.map((f) => [f.id, f.position]));
  // Group frames first so they sit underneath their members (none inside an entered block).
  for (const g of focus ? [] : doc.groups) {
    const members = doc.nodes.filter((n) => n.group === g.id);
    if (!members.length) continue;
    let x0 = Infinity,
      y0 = Infinity,
      x1 = -Infinity,
      y1 = -Infinity;
    let params = 0;
    for (const n of members) {
      const p = positions.get(n.id) ?? dragOverlay.get(n.id) ?? n.position;
      const size = measured.get(n.id) ?? { width: NODE_WIDTH, height: NODE_HEIGHT };
      x0 = Math.min(x0, p.x);
      y0 = Math.min(y0, p.y);
      x1 = Math.max(x1, p.x + size.width);
      y1 = Math.max(y1, p.y + size.height);
      params += analysis.nodes.get(n.id)?.cost.params ?? 0;
    }
    const isCollapsed = collapsed.has(g.id);
    out.push({
      id: `group:${g.id}`,
      type: 'group-frame',
      position: { x: x0 - FRAME_PAD, y: y0 - FRAME_PAD - 18 },
      width: isCollapsed ? NODE_WIDTH : x1 - x0 + 2 * FRAME_PAD,
      height: isCollapsed ? 96 : y1 - y0 + 2 * FRAME_PAD + 18,
      // React Flow drops a node's handle positions when it arrives without `measured`.
      measured: measured.get(`group:${g.id}`),
      data: { groupId: g.id, label: g.label, collapsed: isCollapsed, members: members.length, params },
      selectable: false,
      draggable: false,
      zIndex: isCollapsed ? 1 : 0,
    });
  }

  out.push(...faces);
  return out;
}

function faceBox(f: PerceiverFlowNode, measured: ReadonlyMap<string, { width: number; height: number }>): Box {
  const d = f.data;
  const size = measured.get(f.id) ?? estimateNodeSize(d, d.outputs[0] ? d.outputShapes[d.outputs[0].name] : undefined);
  return { id: f.id, x: f.position.x, y: f.position.y, width: size.width, height: size.height };
}

export function toFlowEdges(
  doc: GraphDoc,
  analysis: Analysis,
  selected: ReadonlySet<string>,
  focus: FocusView | null = null,
): ShapeFlowEdge[] {
  const collapsedGroupOf = new Map<string, string>();
  const collapsed = new Set(doc.groups.filter((g) => g.collapsed && g.id !== focus?.groupId).map((g) => g.id));
  for (const n of doc.nodes) if (n.group && collapsed.has(n.group)) collapsedGroupOf.set(n.id, n.group);
  const kinds = new Map(doc.nodes.map((n) => [n.id, getKind(n.kind)]));
  const errorEdges = new Set(analysis.problems.filter((p) => p.severity === 'error' && p.edgeId).map((p) => p.edgeId!));
  const out: ShapeFlowEdge[] = [];
  for (const e of doc.edges) {
    const sg = collapsedGroupOf.get(e.source.node);
    const tg = collapsedGroupOf.get(e.target.node);
    if (sg && sg === tg) continue; // inside a collapsed block
    if (focus && (focus.hidden.has(e.source.node) || focus.hidden.has(e.target.node))) continue;
    const port = kinds.get(e.source.node)?.outputs.find((p) => p.name === e.source.port);
    const tied = isTiedWire(kinds.get(e.target.node)?.kind, e.target.port);
    out.push({
      id: e.id,
      type: 'shape',
      source: sg ? `group:${sg}` : e.source.node,
      sourceHandle: sg ? 'out' : e.source.port,
      target: tg ? `group:${tg}` : e.target.node,
      targetHandle: tg ? 'in' : e.target.port,
      selected: selected.has(e.id),
      data: {
        shape: formatShape(analysis.edgeShapes.get(e.id)),
        portType: port?.type ?? 'any',
        error: errorEdges.has(e.id),
        ...(tied ? { tied } : {}),
      },
    });
  }
  return out;
}
