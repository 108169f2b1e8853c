/**
 * What each head of a graph trains against, from the graph alone (pure, no tfjs): a classifier
 * the example's class, a regression head of an autoencoder the model input it reconstructs.
 *
 * A reconstruction head is traced through the graph: head ← Multimodal split port k ← decoder ←
 * Multimodal queries (port k of the split is the k-th connected modality in sorted-name order) →
 * the modality's name → the Multimodal concat port of that name ← … ← the model input. A
 * regression head with no split upstream, in a graph with one model input, reconstructs that input.
 */
import { analyse } from '../graph/analyse.js';
import type { GraphDoc } from '../graph/schema.js';
import { getKind } from '../kinds/registry.js';
import { MODALITY_PORTS } from '../kinds/multimodal.js';
import type { NpzHead } from '../data/multimodalNpz.js';
import { BindError } from './bindData.js';

export type HeadTarget =
  /** The example's class index (classification heads). */
  | { nodeId: string; kind: 'classes' }
  /** The values fed to model input `inputIndex` (an autoencoder's reconstruction). */
  | { nodeId: string; kind: 'input'; inputId: string; inputIndex: number };

type Doc = Pick<GraphDoc, 'nodes' | 'edges'>;

function upstream(doc: Doc, node: string, port?: string): { node: string; port: string } | undefined {
  const e = doc.edges.find((x) => x.target.node === node && (port === undefined || x.target.port === port));
  return e ? { node: e.source.node, port: e.source.port } : undefined;
}

const kindOf = (doc: Doc, id: string): string | undefined => doc.nodes.find((n) => n.id === id)?.kind;

/** Follow the first connected input of each node up to a model input node. */
function modelInputAbove(doc: Doc, from: string): string | undefined {
  const seen = new Set<string>();
  let id: string | undefined = from;
  while (id && !seen.has(id)) {
    seen.add(id);
    const k = kindOf(doc, id);
    if (k && getKind(k)?.isModelInput) return id;
    id = upstream(doc, id)?.node;
  }
  return undefined;
}

function namesOf(doc: Doc, id: string): string[] {
  const n = doc.nodes.find((x) => x.id === id);
  const parsed = n ? getKind(n.kind)?.params.safeParse(n.params) : undefined;
  return parsed?.success ? ((parsed.data as { names?: string[] }).names ?? []) : [];
}

/** The model input a regression head reconstructs, or a reason it cannot be told. */
function reconstructed(doc: Doc, headId: string, inputIds: string[]): string | { why: string } {
  const src = upstream(doc, headId, 'in');
  if (!src) return { why: 'it is not connected' };
  if (kindOf(doc, src.node) !== 'MultimodalSplit') {
    if (inputIds.length === 1) return inputIds[0]!;
    return {
      why: 'it does not read a Multimodal split output, so it is not tied to one of the inputs',
    };
  }
  const k = MODALITY_PORTS.indexOf(src.port as (typeof MODALITY_PORTS)[number]);
  // The split's input comes from a decoder whose queries are a Multimodal queries node.
  const decoder = upstream(doc, src.node, 'in')?.node;
  const queries = decoder ? upstream(doc, decoder, 'q')?.node : undefined;
  if (!queries || kindOf(doc, queries) !== 'MultimodalQuery')
    return {
      why: `the Multimodal split "${src.node}" does not read a decoder whose queries come from a Multimodal queries node`,
    };
  const qNames = namesOf(doc, queries);
  const connected = MODALITY_PORTS.map((p, j) => (upstream(doc, queries, p) ? qNames[j] : undefined)).filter(
    (x): x is string => !!x,
  );
  const name = [...connected].sort()[k];
  if (!name)
    return {
      why: `the Multimodal split "${src.node}" port ${src.port} has no modality in "${queries}"`,
    };
  for (const c of doc.nodes.filter((n) => n.kind === 'MultimodalConcat')) {
    const j = namesOf(doc, c.id).indexOf(name);
    const up = j >= 0 ? upstream(doc, c.id, MODALITY_PORTS[j]) : undefined;
    const input = up ? modelInputAbove(doc, up.node) : undefined;
    if (input) return input;
  }
  if (inputIds.includes(name)) return name;
  return {
    why: `its modality "${name}" is not a Multimodal concat input that leads to a model input`,
  };
}

/** Every head's target, in the analysed (compiled) head order. Throws a BindError naming the head. */
export function headTargets(doc: GraphDoc): HeadTarget[] {
  const a = analyse(doc);
  const inputIds = a.inputSpecs.map((s) => s.nodeId);
  return a.heads.map((h) => {
    if (h.loss.type === 'classification') return { nodeId: h.nodeId, kind: 'classes' as const };
    if (h.loss.type !== 'regression')
      throw new BindError(
        `The head "${h.nodeId}" predicts tokens; example folders give no token targets (use a text file)`,
        h.nodeId,
      );
    const r = reconstructed(doc, h.nodeId, inputIds);
    if (typeof r !== 'string')
      throw new BindError(
        `The regression head "${h.nodeId}" needs targets, and example data gives them only to reconstruction heads of an autoencoder, but ${r.why}; connect it to a Multimodal split of the decoder outputs (or give an .npz with an array named "${h.nodeId}")`,
        h.nodeId,
      );
    return {
      nodeId: h.nodeId,
      kind: 'input' as const,
      inputId: r,
      inputIndex: inputIds.indexOf(r),
    };
  });
}

/** True when every head is a classifier (the example data's default targets suffice). */
export const onlyClasses = (t: HeadTarget[]): boolean => t.every((h) => h.kind === 'classes');

/**
 * The heads as the .npz loader reads them (engine/data/multimodalNpz.ts): an autoencoder head
 * that traces to an input may take that input's array; any head may have an array of its own.
 */
export function npzHeads(doc: GraphDoc): NpzHead[] {
  const a = analyse(doc);
  const inputIds = a.inputSpecs.map((s) => s.nodeId);
  return a.heads.map((h) => {
    if (h.loss.type === 'tokenClassification')
      throw new BindError(
        `The head "${h.nodeId}" predicts tokens; an .npz gives class or value targets (use a text file for token heads)`,
        h.nodeId,
      );
    const outputShape = [...(a.nodes.get(h.nodeId)?.outputShapes.out ?? [])];
    if (h.loss.type === 'classification') return { nodeId: h.nodeId, loss: 'classification' as const, outputShape };
    const r = inputIds.length > 1 ? reconstructed(doc, h.nodeId, inputIds) : undefined;
    return {
      nodeId: h.nodeId,
      loss: 'regression' as const,
      outputShape,
      ...(typeof r === 'string' ? { reconstructs: inputIds.indexOf(r) } : {}),
    };
  });
}
