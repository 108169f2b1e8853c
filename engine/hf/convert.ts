/**
 * Hugging Face Perceiver checkpoints ↔ graphs of our own kinds (issue 12, core).
 *
 * hfConfigToGraph builds the graph from the config alone (every width, head count and grid size
 * comes from config fields and the HF class's fixed choices, never from a fixture), hfToWeights maps
 * an HF state dict onto the compiled graph's tfjs weight names, weightsToHf maps back with the
 * HF class's exact keys, shapes, dtypes and order.
 */
import type { GraphDoc } from '../graph/schema.js';
import type { NamedArrays } from '../export/weights.js';
import type { HfTensor } from './safetensors.js';

export class HfImportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HfImportError';
  }
}

export const HF_CLASSES = [
  'PerceiverForMaskedLM',
  'PerceiverForImageClassificationLearned',
  'PerceiverForImageClassificationFourier',
  'PerceiverForImageClassificationConvProcessing',
  'PerceiverForOpticalFlow',
  'PerceiverForMultimodalAutoencoding',
] as const;
export type HfClassName = (typeof HF_CLASSES)[number];

/** Validate a config.json and build the graph of the class it names. */
export function hfConfigToGraph(config: unknown): { doc: GraphDoc; hfClass: HfClassName } {
  void config;
  throw new HfImportError('hfConfigToGraph: not implemented yet (engineer A is writing it)');
}

/** An HF state dict → tfjs-named weights of the compiled `doc`; all-or-nothing. */
export function hfToWeights(config: unknown, doc: GraphDoc, stateDict: Map<string, HfTensor>): NamedArrays {
  void config, doc, stateDict;
  throw new HfImportError('hfToWeights: not implemented yet (engineer A is writing it)');
}

/** tfjs-named weights → the HF class's state dict (exact keys, shapes, dtypes, state-dict order). */
export function weightsToHf(config: unknown, doc: GraphDoc, weights: NamedArrays): Map<string, HfTensor> {
  void config, doc, weights;
  throw new HfImportError('weightsToHf: not implemented yet (engineer A is writing it)');
}

/** The config.json to write next to an exported model.safetensors (loadable by HF). */
export function hfConfigJson(config: unknown): unknown {
  void config;
  throw new HfImportError('hfConfigJson: not implemented yet (engineer A is writing it)');
}
