/**
 * model.py: a readable torch.nn.Module that mirrors the graph node by node. Every node becomes
 * `self.<node id>` (built by its kind's emitter) and one line of forward(), in the analyser's
 * topological order, commented with its kind and shapes.
 */
import { analyse, formatShape, type Analysis } from '../../graph/analyse.js';
import type { GraphDoc } from '../../graph/schema.js';
import { getKind } from '../../kinds/registry.js';
import type { HeadLoss } from '../../kinds/types.js';
import { PYTORCH_EMITTERS, type PyEmission, type WeightModule } from './emitters.js';
import { isPyKeyword, MODEL_PY_GLOBALS, PY_BUILTINS, py, pyComment, pyText, uniqueIdents } from './python.js';

export class ExportError extends Error {
  constructor(
    message: string,
    readonly nodeId?: string,
  ) {
    super(message);
    this.name = 'ExportError';
  }
}

export interface ModelPyResult {
  source: string;
  className: string;
  /** Every tfjs layer with weights and the torch module path holding them. */
  weightModules: WeightModule[];
  inputs: { nodeId: string; arg: string; shape: number[]; dtype: 'float32' | 'int32'; intHigh?: number }[];
  heads: { nodeId: string; loss: HeadLoss }[];
  params: number;
  analysis: Analysis;
}

/**
 * "MNIST Perceiver IO" → "MNISTPerceiverIO"; always a valid class name that takes no name
 * model.py already uses: a keyword ("None"), a builtin ("Exception"), a module global
 * ("INPUTS") or a class it imports (`taken`, e.g. "CrossAttention") gets "Model" appended.
 */
export function className(name: string, taken: ReadonlySet<string> = new Set()): string {
  const words = name.split(/[^A-Za-z0-9]+/).filter(Boolean);
  let s = words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
  if (!/^[A-Za-z]/.test(s)) s = `Model${s}`;
  if (isPyKeyword(s) || PY_BUILTINS.has(s) || MODEL_PY_GLOBALS.has(s) || taken.has(s)) s = `${s}Model`;
  return s;
}

/** Refuse what the compiler would refuse, with the analyser's message naming the node. */
export function analyseForExport(doc: GraphDoc): Analysis {
  const analysis = analyse(doc);
  if (!analysis.valid) {
    const first = analysis.problems.find((p) => p.severity === 'error')!;
    throw new ExportError(`The graph cannot be exported: ${first.message}`, first.nodeId);
  }
  return analysis;
}

const comment = pyComment;

export function generateModelPy(doc: GraphDoc): ModelPyResult {
  const analysis = analyseForExport(doc);
  const nodesById = new Map(doc.nodes.map((n) => [n.id, n]));
  const idents = uniqueIdents(analysis.order);
  const incoming = new Map<string, { port: string; from: string; fromPort: string }[]>();
  for (const e of doc.edges) {
    const list = incoming.get(e.target.node) ?? [];
    list.push({ port: e.target.port, from: e.source.node, fromPort: e.source.port });
    incoming.set(e.target.node, list);
  }

  const emissions = new Map<string, PyEmission>();
  for (const id of analysis.order) {
    const node = nodesById.get(id)!;
    const emit = PYTORCH_EMITTERS[node.kind];
    if (!emit)
      throw new ExportError(
        `No PyTorch exporter for node kind "${node.kind}" (node "${id}"); this kind cannot be exported to PyTorch yet`,
        id,
      );
    const na = analysis.nodes.get(id)!;
    try {
      emissions.set(id, emit({ nodeId: id, attr: idents.get(id)!, params: na.params, analysis: na }));
    } catch (err) {
      throw new ExportError(
        `${getKind(node.kind)?.title ?? node.kind} "${id}" could not be exported: ${(err as Error).message}`,
        id,
      );
    }
  }

  const inputs = analysis.inputSpecs.map((spec) => ({
    nodeId: spec.nodeId,
    arg: idents.get(spec.nodeId)!,
    shape: [...spec.shape],
    dtype: spec.dtype,
    intHigh: emissions.get(spec.nodeId)!.intHigh,
  }));
  const imports = [...new Set([...emissions.values()].flatMap((e) => e.imports))].sort();
  const cls = className(doc.name, new Set(imports));
  const batch = 'batch';

  const init: string[] = [];
  const fwd: string[] = [];
  /** node id → port → Python expression of that output. */
  const values = new Map<string, Record<string, string>>();
  const fedArg = new Map(inputs.map((i) => [i.nodeId, i.arg]));
  for (const id of analysis.order) {
    const e = emissions.get(id)!;
    const node = nodesById.get(id)!;
    const na = analysis.nodes.get(id)!;
    const kind = getKind(node.kind)!;
    const attr = idents.get(id)!;
    const inShapes = Object.entries(na.inputShapes)
      .map(([p, s]) => `${p} ${formatShape(s)}`)
      .join(', ');
    const outShapes = Object.values(na.outputShapes).map(formatShape).join(', ');
    const describe = `${comment(id)}${node.label ? ` (${comment(node.label)})` : ''} · ${kind.title}: ${comment(kind.describe(na.params as never))} · ${na.cost.params.toLocaleString('en-US')} params`;
    if (e.module) {
      init.push(`        # ${describe}`);
      init.push(`        self.${attr} = ${e.module}`);
    }
    const ins: Record<string, string> = {};
    // A model input's fed tensor is its `in` (an input kind may transform it, e.g. byte ids → embeddings).
    const fed = fedArg.get(id);
    if (fed) ins.in = fed;
    for (const w of incoming.get(id) ?? []) ins[w.port] = values.get(w.from)![w.fromPort]!;
    const outs = e.forward(ins, batch);
    const named: Record<string, string> = {};
    const shapeNote = `  # ${e.module ? '' : describe + ': '}${inShapes ? inShapes + ' → ' : ''}${outShapes}`;
    if ('unpack' in outs && typeof outs.unpack === 'string') {
      const vars = (outs.ports as string[]).map((p) => (p === 'out' ? attr : `${attr}_${p}`));
      fwd.push(`        ${vars.join(', ')} = ${outs.unpack}${shapeNote}`);
      (outs.ports as string[]).forEach((p, k) => (named[p] = vars[k]!));
    } else {
      const map = outs as Record<string, string>;
      const ports = Object.keys(map);
      for (const port of ports) {
        const expr = map[port]!;
        // A pass-through (an input kind handing on its fed tensor) needs no new name.
        if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(expr) && ports.length === 1 && !e.module) {
          named[port] = expr;
          continue;
        }
        const v = ports.length === 1 ? attr : `${attr}_${port}`;
        fwd.push(`        ${v} = ${expr}${shapeNote}`);
        named[port] = v;
      }
    }
    values.set(id, named);
  }
  const heads = analysis.heads;
  const ret =
    heads.length === 1
      ? values.get(heads[0]!.nodeId)!.out!
      : `{${heads.map((h) => `${py(h.nodeId)}: ${values.get(h.nodeId)!.out}`).join(', ')}}`;
  const args = inputs.map((i) => i.arg).join(', ');
  const params = analysis.totals.params;

  const source = `"""${pyText(doc.name)} — exported from Perceiver Studio.

${pyText(doc.description || 'A Perceiver model composed in Perceiver Studio.')}

Inputs: ${inputs.map((i) => `${i.arg} [B, ${i.shape.join(', ')}]${i.dtype === 'int32' ? ' (integer ids)' : ''}`).join('; ')} (channels-last).
Outputs: ${heads.map((h) => `${h.nodeId} (${h.loss.type}${'classes' in h.loss ? `, ${h.loss.classes} classes` : ''})`).join('; ')}.
Parameters: ${params.toLocaleString('en-US')} (the same count as the app; shared weights counted once).

Each node of the graph is one attribute named after the node id, and one line of forward().
"""
import torch
from torch import nn

try:
    from .perceiver_layers import ${imports.join(', ')}${imports.length ? ', ' : ''}count_parameters, load_weights
except ImportError:  # run as a script from this folder
    from perceiver_layers import ${imports.join(', ')}${imports.length ? ', ' : ''}count_parameters, load_weights

#: Model inputs, in forward() order: name -> shape without the batch axis.
INPUTS = {${inputs.map((i) => `${py(i.arg)}: ${py(i.shape)}`).join(', ')}}
#: Inputs fed integer ids, and the exclusive upper bound of the ids (the rest are float32).
INT_INPUTS = {${inputs
    .filter((i) => i.dtype === 'int32')
    .map((i) => `${py(i.arg)}: ${py(i.intHigh ?? 2)}`)
    .join(', ')}}
#: Heads (outputs) and the loss each implies.
HEADS = {${heads.map((h) => `${py(h.nodeId)}: ${py(h.loss)}`).join(', ')}}
#: Parameter count computed by Perceiver Studio for this graph.
NUM_PARAMETERS = ${params}


class ${cls}(nn.Module):
    def __init__(self, device=None):
        super().__init__()
${init.join('\n')}

    def forward(self, ${args}):
        ${batch} = ${inputs[0]!.arg}.shape[0]  # noqa: F841 (arrays broadcast over it)
${fwd.join('\n')}
        return ${ret}


def build_model(device=None):
    """The model with freshly initialised weights (the app's initialisers)."""
    return ${cls}(device=device)


def example_inputs(batch_size=2, device=None):
    """Random inputs of the right shapes (and integer ids where the model takes ids), in forward() order."""
    return tuple(
        torch.randint(0, INT_INPUTS[name], (batch_size, *shape), device=device) if name in INT_INPUTS else torch.rand(batch_size, *shape, device=device)
        for name, shape in INPUTS.items()
    )


if __name__ == "__main__":
    import os
    import sys

    model = build_model()
    weights = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "weights.pt")
    if os.path.exists(weights):
        load_weights(model, weights)
        print(f"loaded {weights}")
    model.eval()
    with torch.no_grad():
        out = model(*example_inputs(2))
    shapes = {k: tuple(v.shape) for k, v in out.items()} if isinstance(out, dict) else tuple(out.shape)
    print(f"${cls}: {count_parameters(model):,} parameters (app: {NUM_PARAMETERS:,}); output {shapes}")
`;

  const weightModules = analysis.order.flatMap((id) => emissions.get(id)!.weights);
  return { source, className: cls, weightModules, inputs, heads, params, analysis };
}
