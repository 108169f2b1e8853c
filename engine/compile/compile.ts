/**
 * compile(doc) → tf.LayersModel. Analyses first and refuses invalid graphs with the analyser's
 * messages, so nothing invalid ever reaches tfjs.
 */
import * as tf from '@tensorflow/tfjs';
import { analyse, type Analysis } from '../graph/analyse.js';
import type { GraphDoc } from '../graph/schema.js';
import { getKind } from '../kinds/registry.js';
import { resetLayerSeeds } from '../layers/perceiverLayers.js';
import { BUILDERS, type Sym } from './builders.js';

export class CompileError extends Error {
  constructor(
    message: string,
    readonly nodeId?: string,
  ) {
    super(message);
    this.name = 'CompileError';
  }
}

export interface CompiledModel {
  model: tf.LayersModel;
  analysis: Analysis;
  /** Node ids of the model's inputs and outputs, in the model's order. */
  inputNodes: string[];
  outputNodes: string[];
}

/** Layer names must be unique and tfjs-safe; node ids already are (schema regex). */
export function layerName(nodeId: string, suffix?: string): string {
  const base = nodeId.replace(/[^A-Za-z0-9_]/g, '_');
  return suffix ? `${base}__${suffix}` : base;
}

export function compile(doc: GraphDoc, options: { seed?: number } = {}): CompiledModel {
  const analysis = analyse(doc);
  if (!analysis.valid) {
    const first = analysis.problems.find((p) => p.severity === 'error')!;
    throw new CompileError(`The graph cannot be compiled: ${first.message}`, first.nodeId);
  }
  const seed = options.seed ?? doc.training.seed;
  resetLayerSeeds();
  const nodesById = new Map(doc.nodes.map((n) => [n.id, n]));
  const incoming = new Map<string, { port: string; from: string; fromPort: string }[]>();
  for (const e of doc.edges) {
    const list = incoming.get(e.target.node) ?? [];
    list.push({ port: e.target.port, from: e.source.node, fromPort: e.source.port });
    incoming.set(e.target.node, list);
  }

  const symbols = new Map<string, Record<string, Sym>>();
  const inputs: Sym[] = [];
  const fed = new Map<string, Sym>();
  for (const spec of analysis.inputSpecs) {
    // A transforming input kind builds its own layer under the node's name; its fed tensor
    // gets a suffix so names stay unique.
    const transforms = !!getKind(nodesById.get(spec.nodeId)!.kind)!.modelInput;
    const input = tf.input({
      shape: [...spec.shape],
      dtype: spec.dtype,
      name: layerName(spec.nodeId, transforms ? 'input' : undefined),
    });
    inputs.push(input);
    fed.set(spec.nodeId, input);
  }
  // Arrays broadcast over the batch of a float input where there is one (an int input has no
  // gradient to carry).
  const floatSpec = analysis.inputSpecs.find((s) => s.dtype === 'float32');
  const batchRef = floatSpec ? fed.get(floatSpec.nodeId)! : inputs[0]!;

  for (const id of analysis.order) {
    const node = nodesById.get(id)!;
    const na = analysis.nodes.get(id)!;
    const kind = getKind(node.kind)!;
    const build = BUILDERS[kind.kind];
    if (!build) throw new CompileError(`No compiler for node kind "${kind.kind}" (node "${id}")`, id);
    const ins: Record<string, Sym> = {};
    if (fed.has(id)) ins.in = fed.get(id)!;
    for (const w of incoming.get(id) ?? []) ins[w.port] = symbols.get(w.from)![w.fromPort]!;
    try {
      // Builders take a model input's fed tensor as `in` (ImageInput passes it through).
      symbols.set(
        id,
        build({
          nodeId: id,
          params: na.params,
          analysis: na,
          inputs: ins,
          batchRef,
          seed,
          name: (s) => layerName(id, s),
        }),
      );
    } catch (err) {
      throw new CompileError(`${kind.title} "${id}" failed to build: ${(err as Error).message}`, id);
    }
  }
  const outputNodes = analysis.heads.map((h) => h.nodeId);
  const outputs = outputNodes.map((id) => symbols.get(id)!.out!);
  const model = tf.model({ inputs, outputs, name: layerName(doc.name.replace(/\s+/g, '_')) || 'perceiver' });
  // tfjs counts one reference per symbolic call, but a model disposes each layer once: a
  // layer shared across blocks would keep its weights alive after model.dispose(). This model
  // is the layers' only owner, so one reference is the truth.
  for (const layer of model.layers) {
    const l = layer as unknown as { _refCount: number | null };
    if (l._refCount !== null && l._refCount > 1) l._refCount = 1;
  }
  return { model, analysis, inputNodes: [...analysis.modelInputs], outputNodes };
}
