/**
 * "Fit the graph to this data": the param edits that make the model input take the data's
 * example shape and the classification heads predict its number of classes. Which param sets
 * which dimension is found by probing the kind (as bindData does), so no kind is named here.
 * The CLI applies the edits to a template and prints them; the app turns them into undoable
 * setParam commands (renderer/data/fitGraph.ts).
 */
import { analyse } from '../graph/analyse.js';
import type { GraphDoc, GraphNode } from '../graph/schema.js';
import { getKind } from '../kinds/registry.js';
import { fedShape } from './bindData.js';

export interface ParamChange {
  nodeId: string;
  param: string;
  from: unknown;
  to: number;
}

export interface FitResult {
  /** The graph with the changes applied (the input doc when there are none or it cannot be fitted). */
  doc: GraphDoc;
  changes: ParamChange[];
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

function fitInput(node: GraphNode, target: number[], changes: ParamChange[]): string | null {
  const kind = getKind(node.kind)!;
  // Params left at 0 ("from data") probe as 2 here; the change then reads 0 → size.
  const zeros = Object.keys(node.params).filter((k) => node.params[k] === 0);
  const params = parsedParams({ ...node, params: { ...node.params, ...Object.fromEntries(zeros.map((k) => [k, 2])) } });
  if (!params) return `the input node "${node.id}" has invalid params; fix them in the inspector first`;
  const shapeOf = (p: Record<string, unknown>) => {
    const r = kind.params.safeParse(p);
    return r.success ? fedShape(kind, r.data as Record<string, unknown>) : undefined;
  };
  const base = shapeOf(params);
  if (!base) return `cannot read the example shape of the input node "${node.id}"`;
  if (base.length !== target.length)
    return `the input node "${node.id}" (${kind.title}) takes rank-${base.length} examples but the data's are [${target.join(', ')}]; use an input kind that matches the data`;
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
  if (!fitted || fitted.join('x') !== target.join('x'))
    return `the input node "${node.id}" cannot take examples of shape [${target.join(', ')}] by changing its params`;
  for (const k of Object.keys(next)) {
    const from = zeros.includes(k) ? 0 : params[k];
    if (next[k] !== from) changes.push({ nodeId: node.id, param: k, from, to: next[k] as number });
  }
  return null;
}

/**
 * The changes that fit `doc` to data of this example shape and class count (`numClasses`
 * ignored when `classTargets` is false: text or regression data). Only the single model input
 * and classification heads are touched.
 */
export function fitToData(
  doc: GraphDoc,
  data: { inputShape: number[]; numClasses: number; moreInputShapes?: number[][] },
  opts: { classTargets?: boolean } = {},
): FitResult {
  const inputs = doc.nodes.filter((n) => getKind(n.kind)?.isModelInput);
  // Several inputs (multimodal examples, read at each input's own sizes): only the heads are fitted.
  const multi = inputs.length > 1 && !!data.moreInputShapes;
  if (inputs.length !== 1 && !multi)
    return {
      doc,
      changes: [],
      problem: inputs.length
        ? `the graph has ${inputs.length} input nodes; training from one dataset needs exactly one`
        : 'the graph has no input node',
    };
  const changes: ParamChange[] = [];
  const problem = multi ? null : fitInput(inputs[0]!, data.inputShape, changes);
  if (problem) return { doc, changes: [], problem };
  let fitted = doc;
  for (const c of changes)
    fitted = withParams(fitted, c.nodeId, { ...fitted.nodes.find((n) => n.id === c.nodeId)!.params, [c.param]: c.to });
  if (opts.classTargets === false) return { doc: fitted, changes, problem: null };
  // Heads left at 0 are filled by bindData; only explicit, different class counts change here.
  for (const h of analyse(fitted).heads) {
    if (h.loss.type !== 'classification' || h.loss.classes === data.numClasses) continue;
    const node = fitted.nodes.find((n) => n.id === h.nodeId)!;
    const params = parsedParams(node);
    if (!params) return { doc, changes: [], problem: `the head "${node.id}" has invalid params` };
    const classesWith = (p: Record<string, unknown>) => {
      const loss = analyse(withParams(fitted, node.id, p)).heads.find((x) => x.nodeId === node.id)?.loss;
      return loss && 'classes' in loss ? loss.classes : undefined;
    };
    const key = Object.keys(params).find(
      (k) => typeof params[k] === 'number' && classesWith({ ...params, [k]: data.numClasses }) === data.numClasses,
    );
    if (!key)
      return { doc, changes: [], problem: `the head "${node.id}" has no param that sets its number of classes` };
    changes.push({ nodeId: node.id, param: key, from: params[key], to: data.numClasses });
    fitted = withParams(fitted, node.id, { ...node.params, [key]: data.numClasses });
  }
  return { doc: fitted, changes, problem: null };
}

export function formatChange(c: ParamChange): string {
  return `${c.nodeId}.${c.param} ${c.from === 0 ? 'auto' : String(c.from)} → ${c.to}`;
}
