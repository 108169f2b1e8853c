/**
 * The worker's side of "Import trained weights…": a weights.safetensors written by an exported
 * PyTorch package's train.py (torch names and layouts) → the engine's named weights for `doc`,
 * every tensor checked by name and shape (engine/export: the same mapping as the CLI's
 * import-weights and importPytorchWeights).
 */
import type { NamedArray } from '../../engine/export/weights.js';
import { compile } from '../../engine/compile/compile.js';
import { applyTorchState, namedWeights } from '../../engine/export/tfjsModel.js';
import { decodeSafetensors } from '../../engine/export/weights.js';
import type { GraphDoc } from '../../engine/graph/schema.js';

export interface TorchWeights {
  weights: (NamedArray & { name: string })[];
  /** train.py's metadata: epoch, step, model. */
  metadata: Record<string, string>;
}

export function torchWeightsFor(doc: GraphDoc, bytes: Uint8Array, fileName: string): TorchWeights {
  if (!fileName.endsWith('.safetensors')) {
    throw new Error(
      `${fileName}: choose the weights.safetensors that train.py writes in checkpoints/ (weights.pt needs Python to read)`,
    );
  }
  const { arrays, metadata } = decodeSafetensors(bytes, fileName);
  const { model } = compile(doc);
  try {
    applyTorchState(model, doc, arrays, fileName);
    return { weights: [...namedWeights(model)].map(([name, a]) => ({ name, shape: a.shape, data: a.data })), metadata };
  } finally {
    model.dispose();
  }
}
