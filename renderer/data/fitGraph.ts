/**
 * "Fit the graph to this data": the param edits that make the model input take the data's
 * example shape and the classification heads predict its number of classes. Which param sets
 * which dimension is found by probing the kind (as engine/train/bindData does), so no kind is
 * named here. The edits are ordinary setParam commands: visible on the canvas and undoable.
 */
import { analyse } from '../../engine/graph/analyse';
import type { Command } from '../../engine/graph/commands';
import type { GraphDoc, GraphNode } from '../../engine/graph/schema';
import { getKind } from '../../engine/kinds/registry';
import { fedShape } from '../../engine/train/bindData';

export interface FitPlan {
  command: Command | null;
  /** One line per change, e.g. `head.numClasses 10 → 3`. */
  changes: string[];
  /** Why the graph cannot be fitted by param edits alone, when it cannot. */
  problem: string | null;
}

function withParams(doc: GraphDoc, id: string, params: Record<string, unknown>): GraphDoc {
  return { ...doc, nodes: doc.nodes.map((n) => (n.id === id ? { ...n, params } : n)) };
}

/** The full, defaulted params of a node (probing needs every size param present). */
function parsedParams(node: GraphNode): Record<string, unknown> | null {
  const kind = getKind(node.kind);
  const r = kind?.params.safeParse(node.params);
  return r?.success ? (r.data as Record<string, unknown>) : null;
}

function fitInput(node: GraphNode, target: number[], patch: Map<string, { from: unknown; to: number }>): string | null {
  const kind = getKind(node.kind)!;
  const params = parsedParams(node);
  if (!params) return `the input node "${node.id}" has invalid params; fix them in the inspector first`;
  const shapeOf = (p: Record<string, unknown>) => {
    const r = kind.params.safeParse(p);
    return r.success ? fedShape(kind, r.data as Record<string, unknown>) : undefined;
  };
  const base = shapeOf(params);
  if (!base) return `cannot read the example shape of the input node "${node.id}"`;
  if (base.length !== target.length) return `the input node "${node.id}" (${kind.title}) takes rank-${base.length} examples but the data's are [${target.join(', ')}]; use an input kind that matches the data`;
  const next = { ...params };
  for (const [k, v] of Object.entries(params)) {
    if (typeof v !== 'number' || !Number.isInteger(v)) continue;
    const probe = shapeOf({ ...params, [k]: v + 1 });
    if (!probe || probe.length !== base.length) continue;
    const axis = probe.findIndex((d, i) => d !== base[i]);
    // Only a param that is the dimension itself (value v gives size v) can be set to the data's size.
    if (axis < 0 || base[axis] !== v || base[axis] === target[axis]) continue;
    next[k] = target[axis];
  }
  const fitted = shapeOf(next);
  if (!fitted || fitted.join('x') !== target.join('x')) return `the input node "${node.id}" cannot take examples of shape [${target.join(', ')}] by changing its params`;
  for (const k of Object.keys(next)) if (next[k] !== params[k]) patch.set(`${node.id}\u0000${k}`, { from: params[k], to: next[k] as number });
  return null;
}

export function planFit(doc: GraphDoc, data: { inputShape: number[]; numClasses: number }): FitPlan {
  const inputs = doc.nodes.filter((n) => getKind(n.kind)?.isModelInput);
  if (inputs.length !== 1) return { command: null, changes: [], problem: inputs.length ? `the graph has ${inputs.length} input nodes; training from one dataset needs exactly one` : 'the graph has no input node' };
  const patch = new Map<string, { from: unknown; to: number }>();
  const problem = fitInput(inputs[0]!, data.inputShape, patch);
  if (problem) return { command: null, changes: [], problem };
  let fitted = doc;
  for (const [key, v] of patch) {
    const [id, k] = key.split('\u0000') as [string, string];
    fitted = withParams(fitted, id, { ...fitted.nodes.find((n) => n.id === id)!.params, [k]: v.to });
  }
  for (const h of analyse(fitted).heads) {
    if (h.loss.type !== 'classification' || h.loss.classes === data.numClasses) continue;
    const node = fitted.nodes.find((n) => n.id === h.nodeId)!;
    const params = parsedParams(node);
    if (!params) return { command: null, changes: [], problem: `the head "${node.id}" has invalid params` };
    const classesWith = (p: Record<string, unknown>) => {
      const loss = analyse(withParams(fitted, node.id, p)).heads.find((x) => x.nodeId === node.id)?.loss;
      return loss && 'classes' in loss ? loss.classes : undefined;
    };
    const key = Object.keys(params).find((k) => typeof params[k] === 'number' && classesWith({ ...params, [k]: data.numClasses }) === data.numClasses);
    if (!key) return { command: null, changes: [], problem: `the head "${node.id}" has no param that sets its number of classes` };
    patch.set(`${node.id}\u0000${key}`, { from: params[key], to: data.numClasses });
    fitted = withParams(fitted, node.id, { ...node.params, [key]: data.numClasses });
  }
  const commands: Command[] = [...patch].map(([key, v]) => {
    const [id, k] = key.split('\u0000') as [string, string];
    return { type: 'setParam', id, key: k, value: v.to };
  });
  const changes = [...patch].map(([key, v]) => `${key.replace('\u0000', '.')} ${String(v.from)} → ${v.to}`);
  return { command: commands.length ? { type: 'batch', label: 'Fit the graph to the data', commands } : null, changes, problem: null };
}
