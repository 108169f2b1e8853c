/**
 * "From data": an input node may leave its size params at 0 (e.g. TabularInput numColumns,
 * ImageInput height/width/channels) and a classification head its numClasses, to take them
 * from the dataset. Which param sets which dimension is found by probing the kind itself with
 * distinct values and reading where they land in the fed shape (or the head's class count), so
 * no kind is special-cased here. A 0 counts as "from data" only where the kind's schema refuses
 * 0 (ImageInput's frames: 0 is a real value and stays).
 */
import { analyse } from '../graph/analyse.js';
import type { GraphDoc, GraphNode } from '../graph/schema.js';
import { getKind } from '../kinds/registry.js';
import type { KindDefinition, Shape } from '../kinds/types.js';
import { targetsOf, type TargetSpec } from '../data/dataset.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyKind = KindDefinition<any>;

export class BindError extends Error {
  constructor(
    message: string,
    readonly nodeId?: string,
    readonly param?: string,
  ) {
    super(message);
    this.name = 'BindError';
  }
}

/** Params of `node` whose 0 means "from data". */
export function fromDataParams(kind: AnyKind, params: Record<string, unknown>): string[] {
  const zeros = Object.keys(params).filter((k) => params[k] === 0);
  if (zeros.length === 0) return [];
  const valid = { ...params };
  // 2, not 1: some counts (numClasses) start at 2.
  for (const k of zeros) valid[k] = 2;
  if (!kind.params.safeParse(valid).success) return [];
  return zeros.filter((k) => !kind.params.safeParse({ ...valid, [k]: 0 }).success);
}

/** Values tried for a param, largest first: the first its schema accepts is used. */
const PROBES = [7919, 1009, 251, 61, 13, 5, 3];

/** The shape a model input is fed per example: modelInput() when the kind has it, else `out`. */
export function fedShape(kind: AnyKind, params: Record<string, unknown>): Shape | undefined {
  const mi = (kind as { modelInput?: (p: Record<string, unknown>) => { shape: number[] } }).modelInput;
  if (mi) return mi(params).shape;
  const r = kind.inferShape(params, {});
  return r.ok ? r.outputs.out : undefined;
}

function withParams(doc: GraphDoc, id: string, patch: Record<string, unknown>): GraphDoc {
  return { ...doc, nodes: doc.nodes.map((n) => (n.id === id ? { ...n, params: { ...n.params, ...patch } } : n)) };
}

export interface BindResult {
  doc: GraphDoc;
  /** What was filled in, e.g. `tabular.numColumns = 4 (from data)`. */
  filled: string[];
}

/**
 * Fill "from data" params and check the model input and head agree with the data, with
 * messages that name the node and param to change.
 */
export function bindToData(
  doc: GraphDoc,
  data: { inputShape: number[]; numClasses: number; targets?: TargetSpec[]; moreInputShapes?: number[][] },
): BindResult {
  // Class counts come from data with class targets only (text and regression data have none to give).
  const classTargets = targetsOf(data)[0]!.kind === 'classes';
  const filled: string[] = [];
  const inputs = doc.nodes.filter((n) => getKind(n.kind)?.isModelInput);
  if (inputs.length !== 1 && !(inputs.length > 1 && data.moreInputShapes)) {
    throw new BindError(
      inputs.length === 0
        ? 'The graph has no input node to feed the data to'
        : `The graph has ${inputs.length} input nodes (${inputs.map((n) => n.id).join(', ')}); training from one dataset needs exactly one, or data with one array per input (multimodal example folders)`,
    );
  }
  // Several inputs (multimodal data): each input's shape is checked by planTraining, in model order; heads are filled below.
  const out0 = inputs.length === 1 ? bindInput(doc, inputs[0]!, data, filled) : doc;
  return bindHeads(out0, data, classTargets, filled);
}

function bindInput(doc: GraphDoc, input: GraphNode, data: { inputShape: number[] }, filled: string[]): GraphDoc {
  const inKind = getKind(input.kind)!;
  const out = bindNode(doc, input, inKind, (params) => fedShape(inKind, params), data.inputShape, filled);
  const parsed = inKind.params.safeParse(out.nodes.find((n) => n.id === input.id)!.params);
  if (!parsed.success)
    throw new BindError(
      `${inKind.title} "${input.id}": ${parsed.error.issues[0]!.message} (param ${String(parsed.error.issues[0]!.path[0])})`,
      input.id,
    );
  const fed = fedShape(inKind, parsed.data as Record<string, unknown>);
  if (!fed || fed.join('x') !== data.inputShape.join('x')) {
    throw new BindError(
      `The input node "${input.id}" expects examples of shape [${fed?.join(', ') ?? '?'}] but the data gives [${data.inputShape.join(', ')}]; change its params to match, or set the size params to 0 to take them from the data`,
      input.id,
    );
  }
  return out;
}

function bindHeads(doc: GraphDoc, data: { numClasses: number }, classTargets: boolean, filled: string[]): BindResult {
  let out = doc;
  // Heads: probe numClasses-like params through the analyser (the head's loss needs its inputs).
  for (const head of out.nodes) {
    const kind = getKind(head.kind);
    if (!kind?.loss || !classTargets) continue;
    const keys = fromDataParams(kind, head.params);
    if (keys.length > 0) {
      // The class count is the one param whose probe shows up as the head's number of classes.
      const base = Object.fromEntries(keys.map((k) => [k, 2]));
      const classesWith = (patch: Record<string, unknown>) => {
        const loss = analyse(withParams(out, head.id, patch)).heads.find((h) => h.nodeId === head.id)?.loss;
        return loss && 'classes' in loss ? loss.classes : undefined;
      };
      const key = keys.find((k) => {
        const before = classesWith(base);
        return before !== undefined && classesWith({ ...base, [k]: 3 }) !== before;
      });
      if (key === undefined) {
        const why = analyse(withParams(out, head.id, base)).problems.find((p) => p.severity === 'error')?.message;
        throw new BindError(
          `${kind.title} "${head.id}": cannot take ${keys.join(', ')} from the data${why ? ` (${why})` : ''}`,
          head.id,
          keys[0],
        );
      }
      out = withParams(out, head.id, { ...base, [key]: data.numClasses });
      filled.push(`${head.id}.${key} = ${data.numClasses} (from data)`);
    }
  }
  const a = analyse(out);
  for (const h of a.heads) {
    if (classTargets && h.loss.type === 'classification' && h.loss.classes !== data.numClasses) {
      throw new BindError(
        `The head "${h.nodeId}" predicts ${h.loss.classes} classes but the data has ${data.numClasses}; set its numClasses to ${data.numClasses} (or 0 to take it from the data)`,
        h.nodeId,
        'numClasses',
      );
    }
  }
  return { doc: out, filled };
}

function bindNode(
  doc: GraphDoc,
  node: GraphNode,
  kind: AnyKind,
  shapeOf: (p: Record<string, unknown>) => Shape | undefined,
  target: number[],
  filled: string[],
): GraphDoc {
  const keys = fromDataParams(kind, node.params);
  if (keys.length === 0) return doc;
  // Baseline with every "from data" param at 2, then move one param at a time: the axis that
  // changes is the one it sets (robust even when a probe equals some fixed dimension).
  const base = { ...node.params, ...Object.fromEntries(keys.map((k) => [k, 2])) };
  const shapeWith = (p: Record<string, unknown>): Shape | undefined => {
    const parsed = kind.params.safeParse(p);
    return parsed.success ? shapeOf(parsed.data as Record<string, unknown>) : undefined;
  };
  const baseShape = shapeWith(base);
  if (!baseShape)
    throw new BindError(`${kind.title} "${node.id}": cannot take ${keys.join(', ')} from the data`, node.id, keys[0]);
  if (baseShape.length !== target.length) {
    throw new BindError(
      `The input node "${node.id}" (${kind.title}) gives rank-${baseShape.length} examples but the data's examples are [${target.join(', ')}]; use an input kind that matches the data`,
      node.id,
    );
  }
  const patch: Record<string, unknown> = {};
  for (const k of keys) {
    let axis = -1;
    for (const probe of PROBES) {
      const shape = shapeWith({ ...base, [k]: probe });
      if (!shape || shape.length !== baseShape.length) continue;
      axis = shape.findIndex((v, i) => v !== baseShape[i]);
      break;
    }
    if (axis < 0)
      throw new BindError(
        `${kind.title} "${node.id}": ${k} does not set a dimension of the data, so it cannot be 0; give it a value`,
        node.id,
        k,
      );
    patch[k] = target[axis];
    filled.push(`${node.id}.${k} = ${target[axis]} (from data)`);
  }
  return withParams(doc, node.id, patch);
}

/**
 * The input node's fed shape as declared, with 0 on axes left "from data" (image folders resize
 * to the declared H×W and read the rest from the first image). Undefined without one input.
 */
export function declaredInputShape(doc: GraphDoc): number[] | undefined {
  const inputs = doc.nodes.filter((n) => getKind(n.kind)?.isModelInput);
  if (inputs.length !== 1) return undefined;
  const node = inputs[0]!;
  const kind = getKind(node.kind)!;
  const keys = fromDataParams(kind, node.params);
  const base = { ...node.params, ...Object.fromEntries(keys.map((k) => [k, 2])) };
  const parsed = kind.params.safeParse(base);
  if (!parsed.success) return undefined;
  const shape = fedShape(kind, parsed.data as Record<string, unknown>);
  if (!shape) return undefined;
  const result = [...shape];
  for (const k of keys) {
    for (const probe of PROBES) {
      const p = kind.params.safeParse({ ...base, [k]: probe });
      if (!p.success) continue;
      const s = fedShape(kind, p.data as Record<string, unknown>);
      const axis = s ? s.findIndex((v, i) => v !== shape[i]) : -1;
      if (axis >= 0) result[axis] = 0;
      break;
    }
  }
  return result;
}
