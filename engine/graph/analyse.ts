/**
 * analyse(doc): validation, shape inference, parameter/FLOP/memory counts for every node.
 * Pure and cheap enough to run on every edit: parsed params are cached per params object
 * (commands replace only the objects they change), and the walk is one topological pass.
 */
import { getKind } from '../kinds/registry.js';
import type { Cost, HeadLoss, KindDefinition, ModelInputSpec, Shape } from '../kinds/types.js';
import type { GraphDoc, GraphEdge } from './schema.js';

export interface Problem {
  severity: 'error' | 'warning';
  message: string;
  nodeId?: string;
  edgeId?: string;
  port?: string;
  param?: string;
}

export interface NodeAnalysis {
  id: string;
  kind: string;
  /** Parameters with defaults filled in; undefined when they failed to validate. */
  params: Record<string, unknown> | undefined;
  inputShapes: Record<string, Shape | undefined>;
  outputShapes: Record<string, Shape>;
  cost: Cost;
  problems: Problem[];
  /** False when this node or something upstream of it is in error. */
  ready: boolean;
}

export interface Analysis {
  valid: boolean;
  problems: Problem[];
  nodes: Map<string, NodeAnalysis>;
  /** Topological order (nodes in cycles omitted). */
  order: string[];
  totals: Cost;
  modelInputs: string[];
  /** What each model input is fed per example (same order as modelInputs). */
  inputSpecs: ({ nodeId: string } & ModelInputSpec)[];
  heads: { nodeId: string; loss: HeadLoss }[];
  /** Edge id → the shape it carries, for labelling wires. */
  edgeShapes: Map<string, Shape>;
}

const ZERO: Cost = Object.freeze({ params: 0, flops: 0, activationBytes: 0 }) as Cost;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyKind = KindDefinition<any>;

const paramCache = new WeakMap<
  object,
  | { kind: string; ok: true; value: Record<string, unknown> }
  | { kind: string; ok: false; problem: Omit<Problem, 'nodeId' | 'severity'> }
>();

export function resolveParams(
  kind: AnyKind,
  params: Record<string, unknown>,
): { ok: true; value: Record<string, unknown> } | { ok: false; problem: Omit<Problem, 'nodeId' | 'severity'> } {
  const cached = paramCache.get(params);
  if (cached && cached.kind === kind.kind) return cached;
  const r = kind.params.safeParse(params);
  let entry: NonNullable<ReturnType<typeof paramCache.get>>;
  if (r.success) entry = { kind: kind.kind, ok: true, value: r.data as Record<string, unknown> };
  else {
    const issue = r.error.issues[0]!;
    const param = issue.path.length > 0 ? String(issue.path[0]) : undefined;
    let message: string;
    if (issue.code === 'unrecognized_keys') {
      const keys = (issue as { keys?: string[] }).keys ?? [];
      message = `unknown parameter${keys.length > 1 ? 's' : ''} ${keys.map((k) => `"${k}"`).join(', ')} for ${kind.title}`;
    } else {
      message = `${param ?? 'parameters'}: ${issue.message}`;
    }
    entry = {
      kind: kind.kind,
      ok: false,
      problem: { message, param: issue.code === 'unrecognized_keys' ? undefined : param },
    };
  }
  paramCache.set(params, entry);
  return entry;
}

function rankOk(ranks: readonly number[] | undefined, shape: Shape): boolean {
  return !ranks || ranks.includes(shape.length);
}

export function formatShape(shape: Shape | undefined): string {
  return shape ? `[B, ${shape.join(', ')}]` : '[?]';
}

export function analyse(doc: GraphDoc): Analysis {
  const problems: Problem[] = [];
  const nodes = new Map<string, NodeAnalysis>();
  const kinds = new Map<string, AnyKind>();
  const incoming = new Map<string, GraphEdge[]>();
  const outgoing = new Map<string, GraphEdge[]>();
  const edgeShapes = new Map<string, Shape>();

  const addProblem = (na: NodeAnalysis | undefined, p: Problem) => {
    problems.push(p);
    if (na) {
      na.problems.push(p);
      if (p.severity === 'error') na.ready = false;
    }
  };

  for (const n of doc.nodes) {
    const na: NodeAnalysis = {
      id: n.id,
      kind: n.kind,
      params: undefined,
      inputShapes: {},
      outputShapes: {},
      cost: ZERO,
      problems: [],
      ready: true,
    };
    nodes.set(n.id, na);
    incoming.set(n.id, []);
    outgoing.set(n.id, []);
    const kind = getKind(n.kind);
    if (!kind) {
      addProblem(na, {
        severity: 'error',
        nodeId: n.id,
        message: `Node "${n.id}" has unknown kind "${n.kind}"; delete it or update the app`,
      });
      continue;
    }
    kinds.set(n.id, kind);
    const r = resolveParams(kind, n.params);
    if (r.ok) na.params = r.value;
    else
      addProblem(na, {
        severity: 'error',
        nodeId: n.id,
        ...r.problem,
        message: `${kind.title} "${n.id}": ${r.problem.message}`,
      });
  }

  // Edges: endpoints exist, ports exist, one wire per input port.
  const taken = new Map<string, string>();
  for (const e of doc.edges) {
    const src = nodes.get(e.source.node);
    const dst = nodes.get(e.target.node);
    if (!src || !dst) {
      addProblem(undefined, {
        severity: 'error',
        edgeId: e.id,
        message: `Wire "${e.id}" refers to a missing node "${!src ? e.source.node : e.target.node}"; delete the wire`,
      });
      continue;
    }
    const sk = kinds.get(src.id);
    const dk = kinds.get(dst.id);
    if (sk && !sk.outputs.some((p) => p.name === e.source.port)) {
      addProblem(src, {
        severity: 'error',
        nodeId: src.id,
        edgeId: e.id,
        port: e.source.port,
        message: `${sk.title} "${src.id}" has no output "${e.source.port}"`,
      });
      continue;
    }
    if (dk && !dk.inputs.some((p) => p.name === e.target.port)) {
      addProblem(dst, {
        severity: 'error',
        nodeId: dst.id,
        edgeId: e.id,
        port: e.target.port,
        message: `${dk.title} "${dst.id}" has no input "${e.target.port}"`,
      });
      continue;
    }
    const key = `${dst.id}\u0000${e.target.port}`;
    if (taken.has(key)) {
      addProblem(dst, {
        severity: 'error',
        nodeId: dst.id,
        edgeId: e.id,
        port: e.target.port,
        message: `Input "${e.target.port}" of "${dst.id}" has two wires; an input takes one — delete one of them`,
      });
      continue;
    }
    taken.set(key, e.id);
    incoming.get(dst.id)!.push(e);
    outgoing.get(src.id)!.push(e);
  }

  // Kahn's algorithm; whatever is left is on or behind a cycle.
  const indeg = new Map<string, number>();
  for (const [id, ins] of incoming) indeg.set(id, ins.length);
  const queue: string[] = [];
  for (const [id, d] of indeg) if (d === 0) queue.push(id);
  const order: string[] = [];
  for (let qi = 0; qi < queue.length; qi++) {
    const id = queue[qi]!;
    order.push(id);
    for (const e of outgoing.get(id)!) {
      const d = indeg.get(e.target.node)! - 1;
      indeg.set(e.target.node, d);
      if (d === 0) queue.push(e.target.node);
    }
  }
  if (order.length < nodes.size) {
    // Left over: nodes on a cycle and nodes downstream of one. Name each node's own cycle (the
    // shortest way from it back to itself), and only nodes that are really on it.
    const left = new Set([...nodes.keys()].filter((id) => indeg.get(id)! > 0));
    const cycleThrough = (start: string): string[] | null => {
      const prev = new Map<string, string>();
      const queue = [start];
      for (let qi = 0; qi < queue.length; qi++) {
        const id = queue[qi]!;
        for (const e of outgoing.get(id)!) {
          const next = e.target.node;
          if (next === start) {
            const path = [id];
            while (path[0] !== start) path.unshift(prev.get(path[0]!)!);
            return path;
          }
          if (left.has(next) && !prev.has(next)) {
            prev.set(next, id);
            queue.push(next);
          }
        }
      }
      return null;
    };
    const show = (path: string[]) => [...path.slice(0, 6), ...(path.length > 6 ? ['…'] : [path[0]!])].join(' → ');
    const onCycle = new Map<string, string[]>();
    for (const id of left) {
      const path = cycleThrough(id);
      if (path) onCycle.set(id, path);
    }
    for (const id of left) {
      const path = onCycle.get(id);
      if (path) {
        addProblem(nodes.get(id), {
          severity: 'error',
          nodeId: id,
          message: `Node "${id}" is on a cycle (${show(path)}); a model must flow one way — remove a wire`,
        });
      } else {
        // The nearest cycle upstream of it.
        let upstream: string[] | undefined;
        const seen = new Set([id]);
        const queue = [id];
        for (let qi = 0; qi < queue.length && !upstream; qi++) {
          for (const e of incoming.get(queue[qi]!)!) {
            const src = e.source.node;
            if (onCycle.has(src)) {
              upstream = onCycle.get(src);
              break;
            }
            if (!seen.has(src)) {
              seen.add(src);
              queue.push(src);
            }
          }
        }
        addProblem(nodes.get(id), {
          severity: 'error',
          nodeId: id,
          message: `Node "${id}" comes after a cycle${upstream ? ` (${show(upstream)})` : ''}; remove a wire on the cycle`,
        });
      }
    }
  }

  const totals: Cost = { params: 0, flops: 0, activationBytes: 0 };
  const modelInputs: string[] = [];
  const inputSpecs: Analysis['inputSpecs'] = [];
  const heads: { nodeId: string; loss: HeadLoss }[] = [];

  for (const id of order) {
    const na = nodes.get(id)!;
    const kind = kinds.get(id);
    let upstreamReady = true;
    for (const e of incoming.get(id)!) {
      const src = nodes.get(e.source.node)!;
      if (!src.ready) upstreamReady = false;
      const shape = src.outputShapes[e.source.port];
      na.inputShapes[e.target.port] = shape;
      if (shape) edgeShapes.set(e.id, shape);
      const port = kind?.inputs.find((p) => p.name === e.target.port);
      if (shape && port && !rankOk(port.ranks, shape)) {
        addProblem(na, {
          severity: 'error',
          nodeId: id,
          edgeId: e.id,
          port: port.name,
          message: `"${id}" input "${port.label}" expects rank ${port.ranks!.join(' or ')} ${port.description.split(' ')[0]} but gets ${formatShape(shape)} from "${src.id}"`,
        });
      }
    }
    if (!kind || !na.params || !na.ready) {
      na.ready = false;
      continue;
    }
    if (!upstreamReady) {
      na.ready = false;
      continue;
    }
    const inferred = kind.inferShape(na.params, na.inputShapes);
    if (!inferred.ok) {
      addProblem(na, {
        severity: 'error',
        nodeId: id,
        port: inferred.error.port,
        param: inferred.error.param,
        message: `${kind.title} "${id}": ${inferred.error.message}`,
      });
      continue;
    }
    na.outputShapes = inferred.outputs;
    na.cost = kind.cost(na.params, na.inputShapes, na.outputShapes);
    totals.params += na.cost.params;
    totals.flops += na.cost.flops;
    totals.activationBytes += na.cost.activationBytes;
    for (const w of kind.warnings?.(na.params, na.inputShapes, na.outputShapes, na.cost) ?? []) {
      addProblem(na, { severity: 'warning', nodeId: id, message: `${kind.title} "${id}": ${w}` });
    }
    if (kind.isModelInput) {
      modelInputs.push(id);
      const spec = kind.modelInput?.(na.params) ?? { shape: [...na.outputShapes.out!], dtype: 'float32' as const };
      inputSpecs.push({ nodeId: id, ...spec });
    }
    if (kind.loss) heads.push({ nodeId: id, loss: kind.loss(na.params, na.outputShapes) });
    else if (outgoing.get(id)!.length === 0) {
      addProblem(na, {
        severity: 'warning',
        nodeId: id,
        message: `${kind.title} "${id}": its output is not used; connect it or delete the node`,
      });
    }
  }

  if (doc.nodes.length > 0) {
    if (modelInputs.length === 0 && !problems.some((p) => p.severity === 'error')) {
      problems.push({
        severity: 'error',
        message: 'The graph has no input node; add an input (e.g. Image input) and connect it',
      });
    }
    if (heads.length === 0 && !problems.some((p) => p.severity === 'error')) {
      problems.push({
        severity: 'error',
        message: 'The graph has no head; add a head (e.g. Classification head) so it can be trained',
      });
    }
  }

  return {
    valid: !problems.some((p) => p.severity === 'error'),
    problems,
    nodes,
    order,
    totals,
    modelInputs,
    inputSpecs,
    heads,
    edgeShapes,
  };
}
