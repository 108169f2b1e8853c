/** The single model input of a graph as the folder loaders need it: its kind and defaulted params. */
import type { ModalityInput } from '../data/multimodal.js';
import type { InputNodeInfo } from '../data/sensorFolders.js';
import { analyse } from '../graph/analyse.js';
import type { GraphDoc } from '../graph/schema.js';
import { getKind } from '../kinds/registry.js';
import type { NpzHead } from '../data/multimodalNpz.js';
import { npzHeads } from './headTargets.js';

export function modelInputInfo(doc: GraphDoc): InputNodeInfo | undefined {
  const inputs = doc.nodes.filter((n) => getKind(n.kind)?.isModelInput);
  if (inputs.length !== 1) return undefined;
  const node = inputs[0]!;
  const parsed = getKind(node.kind)!.params.safeParse(node.params);
  return parsed.success ? { kind: node.kind, params: parsed.data as Record<string, unknown> } : undefined;
}

/** Every model input in the compiled model's order (multimodal graphs); undefined with one input or an invalid graph. */
export function modelInputsInfo(doc: GraphDoc): ModalityInput[] | undefined {
  const specs = analyse(doc).inputSpecs;
  if (specs.length < 2) return undefined;
  const out: ModalityInput[] = [];
  for (const sp of specs) {
    const node = doc.nodes.find((n) => n.id === sp.nodeId)!;
    const parsed = getKind(node.kind)!.params.safeParse(node.params);
    if (!parsed.success) return undefined;
    out.push({ id: node.id, kind: node.kind, params: parsed.data as Record<string, unknown>, shape: [...sp.shape] });
  }
  return out;
}

/**
 * The heads as the multimodal loaders read their targets (a class, a reconstructed input, or an
 * .npz array named after the head), for graphs with several inputs or heads; undefined otherwise
 * (or when a head's targets cannot be told: training then names it).
 */
export function modelHeadsInfo(doc: GraphDoc): NpzHead[] | undefined {
  const a = analyse(doc);
  if (a.inputSpecs.length < 2 && a.heads.length < 2) return undefined;
  try {
    return npzHeads(doc);
  } catch {
    return undefined;
  }
}
