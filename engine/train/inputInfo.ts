/** The single model input of a graph as the folder loaders need it: its kind and defaulted params. */
import type { InputNodeInfo } from '../data/sensorFolders.js';
import type { GraphDoc } from '../graph/schema.js';
import { getKind } from '../kinds/registry.js';

export function modelInputInfo(doc: GraphDoc): InputNodeInfo | undefined {
  const inputs = doc.nodes.filter((n) => getKind(n.kind)?.isModelInput);
  if (inputs.length !== 1) return undefined;
  const node = inputs[0]!;
  const parsed = getKind(node.kind)!.params.safeParse(node.params);
  return parsed.success ? { kind: node.kind, params: parsed.data as Record<string, unknown> } : undefined;
}
