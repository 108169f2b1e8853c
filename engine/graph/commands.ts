/**
 * Edit commands: every change a user makes to a graph is one typed command applied by a pure
 * function doc → doc. Undo/redo, copy/paste, the command palette, keyboard shortcuts and tests
 * all go through `applyCommand`, so there is exactly one way a graph changes.
 *
 * Documents are treated as immutable: a command copies only the arrays/objects it changes, so the
 * analyser's per-params cache stays warm and undo can keep whole snapshots cheaply.
 */
import { getKind } from '../kinds/registry.js';
import type { Shape } from '../kinds/types.js';
import { analyse, formatShape, type Analysis } from './analyse.js';
import type { DataBinding, GraphDoc, GraphEdge, GraphGroup, GraphNode, PortRef, TrainingSettings } from './schema.js';

export type Command =
  | { type: 'addNode'; node: GraphNode }
  | { type: 'removeNodes'; ids: readonly string[] }
  | { type: 'moveNodes'; moves: readonly { id: string; position: { x: number; y: number } }[] }
  /** value undefined removes the key, so the kind's default applies. */
  | { type: 'setParam'; id: string; key: string; value: unknown }
  | { type: 'setLabel'; id: string; label: string | undefined }
  | { type: 'connect'; edge: GraphEdge }
  | { type: 'disconnect'; ids: readonly string[] }
  /** Insert nodes/edges/groups (paste, duplicate, custom blocks); ids must be new. */
  | { type: 'insert'; nodes: readonly GraphNode[]; edges: readonly GraphEdge[]; groups?: readonly GraphGroup[] }
  | { type: 'group'; group: GraphGroup; nodeIds: readonly string[] }
  | { type: 'ungroup'; groupId: string }
  | { type: 'setGroup'; groupId: string; label?: string; collapsed?: boolean }
  | { type: 'setTraining'; patch: Partial<TrainingSettings> }
  /** Bind (or, with undefined, unbind) the graph's dataset; saved with the graph as doc.data. */
  | { type: 'setData'; data: DataBinding | undefined }
  | { type: 'rename'; name: string }
  /** Several commands as one undo step (e.g. delete a node and reconnect its neighbours). */
  | { type: 'batch'; label: string; commands: readonly Command[] };

export class CommandError extends Error {
  constructor(
    message: string,
    readonly nodeId?: string,
  ) {
    super(message);
    this.name = 'CommandError';
  }
}

function nodeIndex(doc: GraphDoc, id: string): number {
  const i = doc.nodes.findIndex((n) => n.id === id);
  if (i < 0) throw new CommandError(`There is no node "${id}" in "${doc.name}"`, id);
  return i;
}

function replaceNode(doc: GraphDoc, id: string, f: (n: GraphNode) => GraphNode): GraphDoc {
  const i = nodeIndex(doc, id);
  const nodes = doc.nodes.slice();
  nodes[i] = f(nodes[i]!);
  return { ...doc, nodes };
}

function assertNewIds(
  doc: GraphDoc,
  nodes: readonly GraphNode[],
  edges: readonly GraphEdge[],
  groups: readonly GraphGroup[] = [],
): void {
  const nodeIds = new Set(doc.nodes.map((n) => n.id));
  for (const n of nodes) {
    if (nodeIds.has(n.id)) throw new CommandError(`A node with id "${n.id}" already exists`, n.id);
    if (!getKind(n.kind)) throw new CommandError(`Unknown node kind "${n.kind}"`, n.id);
    nodeIds.add(n.id);
  }
  const edgeIds = new Set(doc.edges.map((e) => e.id));
  for (const e of edges) {
    if (edgeIds.has(e.id)) throw new CommandError(`A wire with id "${e.id}" already exists`);
    edgeIds.add(e.id);
  }
  const groupIds = new Set(doc.groups.map((g) => g.id));
  for (const g of groups) {
    if (groupIds.has(g.id)) throw new CommandError(`A group with id "${g.id}" already exists`);
    groupIds.add(g.id);
  }
}

export function applyCommand(doc: GraphDoc, cmd: Command): GraphDoc {
  switch (cmd.type) {
    case 'addNode':
      assertNewIds(doc, [cmd.node], []);
      return { ...doc, nodes: [...doc.nodes, cmd.node] };
    case 'removeNodes': {
      const ids = new Set(cmd.ids);
      for (const id of ids) nodeIndex(doc, id);
      const nodes = doc.nodes.filter((n) => !ids.has(n.id));
      const edges = doc.edges.filter((e) => !ids.has(e.source.node) && !ids.has(e.target.node));
      return dropEmptyGroups({ ...doc, nodes, edges });
    }
    case 'moveNodes': {
      const moves = new Map(cmd.moves.map((m) => [m.id, m.position]));
      for (const id of moves.keys()) nodeIndex(doc, id);
      for (const p of moves.values()) {
        if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) throw new CommandError('A node position must be finite');
      }
      return {
        ...doc,
        nodes: doc.nodes.map((n) => (moves.has(n.id) ? { ...n, position: { ...moves.get(n.id)! } } : n)),
      };
    }
    case 'setParam':
      return replaceNode(doc, cmd.id, (n) => {
        const params = { ...n.params };
        if (cmd.value === undefined) delete params[cmd.key];
        else params[cmd.key] = cmd.value;
        return { ...n, params };
      });
    case 'setLabel':
      return replaceNode(doc, cmd.id, (n) => {
        const { label: _old, ...rest } = n;
        return cmd.label ? { ...rest, label: cmd.label } : rest;
      });
    case 'connect': {
      const check = canConnect(doc, cmd.edge.source, cmd.edge.target);
      if (!check.ok) throw new CommandError(check.reason, cmd.edge.target.node);
      assertNewIds(doc, [], [cmd.edge]);
      return { ...doc, edges: [...doc.edges, cmd.edge] };
    }
    case 'disconnect': {
      const ids = new Set(cmd.ids);
      for (const id of ids) if (!doc.edges.some((e) => e.id === id)) throw new CommandError(`There is no wire "${id}"`);
      return { ...doc, edges: doc.edges.filter((e) => !ids.has(e.id)) };
    }
    case 'insert': {
      assertNewIds(doc, cmd.nodes, cmd.edges, cmd.groups);
      const ids = new Set([...doc.nodes, ...cmd.nodes].map((n) => n.id));
      for (const e of cmd.edges) {
        if (!ids.has(e.source.node) || !ids.has(e.target.node))
          throw new CommandError(`Wire "${e.id}" refers to a node that is not in the graph`);
      }
      return {
        ...doc,
        nodes: [...doc.nodes, ...cmd.nodes],
        edges: [...doc.edges, ...cmd.edges],
        groups: [...doc.groups, ...(cmd.groups ?? [])],
      };
    }
    case 'group': {
      if (cmd.nodeIds.length === 0) throw new CommandError('Select at least one node to group');
      assertNewIds(doc, [], [], [cmd.group]);
      const ids = new Set(cmd.nodeIds);
      for (const id of ids) nodeIndex(doc, id);
      const nodes = doc.nodes.map((n) => (ids.has(n.id) ? { ...n, group: cmd.group.id } : n));
      return dropEmptyGroups({ ...doc, nodes, groups: [...doc.groups, { ...cmd.group }] });
    }
    case 'ungroup': {
      if (!doc.groups.some((g) => g.id === cmd.groupId)) throw new CommandError(`There is no group "${cmd.groupId}"`);
      const nodes = doc.nodes.map((n) => {
        if (n.group !== cmd.groupId) return n;
        const { group: _g, ...rest } = n;
        return rest;
      });
      return { ...doc, nodes, groups: doc.groups.filter((g) => g.id !== cmd.groupId) };
    }
    case 'setGroup': {
      const i = doc.groups.findIndex((g) => g.id === cmd.groupId);
      if (i < 0) throw new CommandError(`There is no group "${cmd.groupId}"`);
      const groups = doc.groups.slice();
      const g = groups[i]!;
      groups[i] = { ...g, label: cmd.label ?? g.label, collapsed: cmd.collapsed ?? g.collapsed };
      return { ...doc, groups };
    }
    case 'setTraining':
      return { ...doc, training: { ...doc.training, ...cmd.patch } };
    case 'setData': {
      if (cmd.data === undefined) {
        const { data: _dropped, ...rest } = doc;
        return rest;
      }
      return { ...doc, data: cmd.data };
    }
    case 'rename':
      if (!cmd.name.trim()) throw new CommandError('A graph needs a name');
      return { ...doc, name: cmd.name };
    case 'batch':
      return cmd.commands.reduce(applyCommand, doc);
  }
}

/** Groups with no members left disappear (deleting the last node of a block deletes the block). */
function dropEmptyGroups(doc: GraphDoc): GraphDoc {
  if (doc.groups.length === 0) return doc;
  const used = new Set(doc.nodes.map((n) => n.group).filter(Boolean));
  const groups = doc.groups.filter((g) => used.has(g.id));
  return groups.length === doc.groups.length ? doc : { ...doc, groups };
}

export type ConnectCheck = { ok: true } | { ok: false; reason: string };

/** Whether `to` is reachable from `from` along existing wires. */
function reaches(doc: GraphDoc, from: string, to: string): boolean {
  const out = new Map<string, string[]>();
  for (const e of doc.edges) {
    const list = out.get(e.source.node);
    if (list) list.push(e.target.node);
    else out.set(e.source.node, [e.target.node]);
  }
  const seen = new Set<string>([from]);
  const stack = [from];
  while (stack.length) {
    const id = stack.pop()!;
    if (id === to) return true;
    for (const next of out.get(id) ?? []) {
      if (seen.has(next)) continue;
      seen.add(next);
      stack.push(next);
    }
  }
  return false;
}

/**
 * Can a wire go from an output port to an input port? The reason, when not, is shown to the
 * user while dragging: missing port, port already connected, would create a cycle, wrong rank.
 * Pass an analysis of `doc` to reuse it (the canvas has one for every edit).
 */
export function canConnect(doc: GraphDoc, from: PortRef, to: PortRef, analysis?: Analysis): ConnectCheck {
  const src = doc.nodes.find((n) => n.id === from.node);
  const dst = doc.nodes.find((n) => n.id === to.node);
  if (!src || !dst) return { ok: false, reason: `There is no node "${!src ? from.node : to.node}"` };
  const sk = getKind(src.kind);
  const dk = getKind(dst.kind);
  if (!sk || !dk) return { ok: false, reason: `Unknown node kind "${!sk ? src.kind : dst.kind}"` };
  const out = sk.outputs.find((p) => p.name === from.port);
  if (!out) return { ok: false, reason: `${sk.title} has no output "${from.port}"` };
  const inp = dk.inputs.find((p) => p.name === to.port);
  if (!inp) return { ok: false, reason: `${dk.title} has no input "${to.port}"` };
  if (src.id === dst.id) return { ok: false, reason: `A node cannot feed itself: that would create a cycle` };
  const existing = doc.edges.find((e) => e.target.node === to.node && e.target.port === to.port);
  if (existing) {
    return {
      ok: false,
      reason: `Input "${inp.label}" of "${dst.label ?? dst.id}" is already connected (from "${existing.source.node}"); an input takes one wire — delete that wire first`,
    };
  }
  if (reaches(doc, dst.id, src.id)) {
    return {
      ok: false,
      reason: `That wire would create a cycle: "${src.label ?? src.id}" already depends on "${dst.label ?? dst.id}"`,
    };
  }
  const a = analysis ?? analyse(doc);
  const shape: Shape | undefined = a.nodes.get(src.id)?.outputShapes[from.port];
  if (inp.ranks) {
    if (shape) {
      if (!inp.ranks.includes(shape.length)) {
        return {
          ok: false,
          reason: `Wrong rank: "${inp.label}" of ${dk.title} takes rank ${inp.ranks.join(' or ')} (${inp.description}) but ${formatShape(shape)} has rank ${shape.length}`,
        };
      }
    } else if (out.ranks && !out.ranks.some((r) => inp.ranks!.includes(r))) {
      return {
        ok: false,
        reason: `Wrong rank: "${inp.label}" of ${dk.title} takes rank ${inp.ranks.join(' or ')} but "${out.label}" of ${sk.title} gives rank ${out.ranks.join(' or ')}`,
      };
    }
  }
  return { ok: true };
}

/** A fresh id with a readable stem, unique in the document ("encoder", "encoder_2", …). */
export function freshId(taken: ReadonlySet<string> | ((id: string) => boolean), stem: string): string {
  const has = typeof taken === 'function' ? taken : (id: string) => taken.has(id);
  const base = stem.replace(/[^A-Za-z0-9_.:-]/g, '_').slice(0, 100) || 'node';
  if (!has(base)) return base;
  for (let i = 2; ; i++) if (!has(`${base}_${i}`)) return `${base}_${i}`;
}

/** A stem for a kind's node ids: "CrossAttention" → "crossAttention". */
export function idStemFor(kind: string): string {
  return kind.charAt(0).toLowerCase() + kind.slice(1);
}

/** A new node of a kind at a position, with an id unique in `doc`. Params start empty (defaults). */
export function newNode(doc: GraphDoc, kind: string, position: { x: number; y: number }): GraphNode {
  if (!getKind(kind)) throw new CommandError(`Unknown node kind "${kind}"`);
  const ids = new Set(doc.nodes.map((n) => n.id));
  return { id: freshId(ids, idStemFor(kind)), kind, params: {}, position: { ...position } };
}

export interface Clip {
  nodes: GraphNode[];
  /** Only the wires between copied nodes travel with them. */
  edges: GraphEdge[];
  groups: GraphGroup[];
}

/** Copy a selection: the nodes, the wires among them and the groups they belong to. */
export function copySelection(doc: GraphDoc, ids: readonly string[]): Clip {
  const set = new Set(ids);
  const nodes = doc.nodes.filter((n) => set.has(n.id));
  const edges = doc.edges.filter((e) => set.has(e.source.node) && set.has(e.target.node));
  const groupIds = new Set(nodes.map((n) => n.group).filter(Boolean));
  const groups = doc.groups.filter((g) => groupIds.has(g.id));
  return structuredCloneJson({ nodes, edges, groups });
}

function structuredCloneJson<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/**
 * The insert command that pastes a clip into `doc`: new ids for nodes, wires and groups (so a
 * clip pastes any number of times, also into another graph), shifted by `offset`.
 */
export function pasteCommand(
  doc: GraphDoc,
  clip: Clip,
  offset: { x: number; y: number },
): { command: Command; newIds: string[] } {
  const nodeIds = new Set(doc.nodes.map((n) => n.id));
  const edgeIds = new Set(doc.edges.map((e) => e.id));
  const groupIds = new Set(doc.groups.map((g) => g.id));
  const nodeMap = new Map<string, string>();
  const groupMap = new Map<string, string>();
  for (const g of clip.groups) {
    const id = freshId(groupIds, g.id);
    groupIds.add(id);
    groupMap.set(g.id, id);
  }
  const nodes = clip.nodes.map((n) => {
    const id = freshId(nodeIds, n.id.replace(/_\d+$/, ''));
    nodeIds.add(id);
    nodeMap.set(n.id, id);
    const copy: GraphNode = {
      ...structuredCloneJson(n),
      id,
      position: { x: n.position.x + offset.x, y: n.position.y + offset.y },
    };
    if (n.group) {
      const g = groupMap.get(n.group);
      if (g) copy.group = g;
      else delete copy.group;
    }
    return copy;
  });
  const edges = clip.edges.map((e) => {
    const id = freshId(edgeIds, 'e');
    edgeIds.add(id);
    return {
      id,
      source: { node: nodeMap.get(e.source.node)!, port: e.source.port },
      target: { node: nodeMap.get(e.target.node)!, port: e.target.port },
    };
  });
  const groups = clip.groups.map((g) => ({ ...g, id: groupMap.get(g.id)! }));
  return { command: { type: 'insert', nodes, edges, groups }, newIds: nodes.map((n) => n.id) };
}

/**
 * Delete nodes and, where a deleted node sat in a chain (exactly one wire in and one out whose
 * ports are compatible), reconnect its neighbours — the editor offers this as "delete and
 * reconnect". Returns one batch command.
 */
export function deleteAndReconnectCommand(doc: GraphDoc, ids: readonly string[]): Command {
  const set = new Set(ids);
  const commands: Command[] = [{ type: 'removeNodes', ids }];
  let after = applyCommand(doc, commands[0]!);
  for (const id of ids) {
    const ins = doc.edges.filter((e) => e.target.node === id && !set.has(e.source.node));
    const outs = doc.edges.filter((e) => e.source.node === id && !set.has(e.target.node));
    if (ins.length !== 1) continue;
    for (const o of outs) {
      const edge: GraphEdge = {
        id: freshId(new Set(after.edges.map((e) => e.id)), 'e'),
        source: ins[0]!.source,
        target: o.target,
      };
      if (canConnect(after, edge.source, edge.target).ok) {
        const c: Command = { type: 'connect', edge };
        after = applyCommand(after, c);
        commands.push(c);
      }
    }
  }
  return { type: 'batch', label: 'Delete and reconnect', commands };
}

/**
 * Drop a new node onto a wire: the wire is replaced by source → node → target, using the node's
 * first input that accepts the source and its first output the target accepts. When the node
 * cannot sit in that wire, it is only added and `inserted` is false.
 */
export function insertOnEdgeCommand(
  doc: GraphDoc,
  node: GraphNode,
  edgeId: string,
): { command: Command; inserted: boolean } {
  const edge = doc.edges.find((e) => e.id === edgeId);
  const kind = getKind(node.kind);
  const add: Command = { type: 'addNode', node };
  if (!edge || !kind) return { command: add, inserted: false };
  let after = applyCommand(doc, { type: 'batch', label: '', commands: [add, { type: 'disconnect', ids: [edgeId] }] });
  const input = kind.inputs.find((p) => canConnect(after, edge.source, { node: node.id, port: p.name }).ok);
  if (!input) return { command: add, inserted: false };
  const inEdge: GraphEdge = {
    id: freshId(new Set(after.edges.map((e) => e.id)), 'e'),
    source: edge.source,
    target: { node: node.id, port: input.name },
  };
  after = applyCommand(after, { type: 'connect', edge: inEdge });
  const output = kind.outputs.find((p) => canConnect(after, { node: node.id, port: p.name }, edge.target).ok);
  if (!output) return { command: add, inserted: false };
  const outEdge: GraphEdge = {
    id: freshId(new Set(after.edges.map((e) => e.id)), 'e'),
    source: { node: node.id, port: output.name },
    target: edge.target,
  };
  return {
    command: {
      type: 'batch',
      label: `Insert ${kind.title} into a wire`,
      commands: [
        add,
        { type: 'disconnect', ids: [edgeId] },
        { type: 'connect', edge: inEdge },
        { type: 'connect', edge: outEdge },
      ],
    },
    inserted: true,
  };
}

/** A one-line description of a command for undo menus and the command palette. */
export function describeCommand(cmd: Command): string {
  switch (cmd.type) {
    case 'addNode':
      return `Add ${getKind(cmd.node.kind)?.title ?? cmd.node.kind}`;
    case 'removeNodes':
      return cmd.ids.length === 1 ? `Delete "${cmd.ids[0]}"` : `Delete ${cmd.ids.length} nodes`;
    case 'moveNodes':
      return cmd.moves.length === 1 ? `Move "${cmd.moves[0]!.id}"` : `Move ${cmd.moves.length} nodes`;
    case 'setParam':
      return `Set ${cmd.key} of "${cmd.id}"`;
    case 'setLabel':
      return `Rename "${cmd.id}"`;
    case 'connect':
      return `Connect ${cmd.edge.source.node} → ${cmd.edge.target.node}`;
    case 'disconnect':
      return cmd.ids.length === 1 ? 'Delete wire' : `Delete ${cmd.ids.length} wires`;
    case 'insert':
      return `Paste ${cmd.nodes.length} node${cmd.nodes.length === 1 ? '' : 's'}`;
    case 'group':
      return `Group ${cmd.nodeIds.length} nodes as "${cmd.group.label}"`;
    case 'ungroup':
      return 'Ungroup';
    case 'setGroup':
      return cmd.collapsed === undefined ? 'Rename group' : cmd.collapsed ? 'Collapse group' : 'Expand group';
    case 'setTraining':
      return `Training: ${Object.keys(cmd.patch).join(', ')}`;
    case 'setData':
      return cmd.data ? `Dataset: ${cmd.data.path ?? cmd.data.source}` : 'Unbind dataset';
    case 'rename':
      return `Rename graph to "${cmd.name}"`;
    case 'batch':
      return cmd.label;
  }
}

/** Snapshot history: exact (undo returns the very same document object) and cheap (shared structure). */
export interface History {
  past: { doc: GraphDoc; label: string }[];
  present: GraphDoc;
  future: { doc: GraphDoc; label: string }[];
}

export const HISTORY_LIMIT = 500;

export function createHistory(doc: GraphDoc): History {
  return { past: [], present: doc, future: [] };
}

/** Apply a command and record it; throws CommandError (history unchanged) when it is refused. */
export function perform(h: History, cmd: Command): History {
  const next = applyCommand(h.present, cmd);
  if (next === h.present) return h;
  const past = [...h.past, { doc: h.present, label: describeCommand(cmd) }];
  if (past.length > HISTORY_LIMIT) past.splice(0, past.length - HISTORY_LIMIT);
  return { past, present: next, future: [] };
}

export function undo(h: History): History {
  const last = h.past[h.past.length - 1];
  if (!last) return h;
  return { past: h.past.slice(0, -1), present: last.doc, future: [{ doc: h.present, label: last.label }, ...h.future] };
}

export function redo(h: History): History {
  const next = h.future[0];
  if (!next) return h;
  return { past: [...h.past, { doc: h.present, label: next.label }], present: next.doc, future: h.future.slice(1) };
}
