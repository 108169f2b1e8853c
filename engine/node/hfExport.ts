/**
 * A model folder of an imported (or fine-tuned imported) Hugging Face model → a Hugging Face
 * style folder: config.json + model.safetensors with exactly the original class's state-dict
 * keys, shapes and dtypes (engine/hf/convert.ts weightsToHf), so `from_pretrained` of that class
 * loads it and `import-hf` of it gives the same outputs.
 *
 * A fine-tune that replaced the classifier head writes its class names as id2label (HF derives
 * num_labels from it).
 */
import { namedWeights } from '../export/tfjsModel.js';
import { hfConfigJson, weightsToHf } from '../hf/convert.js';
import { writeSafetensors } from '../hf/safetensors.js';
import type { LoadedModel } from './modelFolder.js';
import { replaceFolder } from './modelFolder.js';

export class HfExportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HfExportError';
  }
}

/** The HF config of a loaded model: its source config, with id2label from the current class names. */
export function hfConfigOf(loaded: LoadedModel): Record<string, unknown> {
  const src =
    loaded.info.source?.kind === 'huggingface'
      ? loaded.info.source
      : loaded.info.source?.kind === 'trained' && loaded.info.source.pretrained?.kind === 'huggingface'
        ? loaded.info.source.pretrained
        : undefined;
  const config = src?.config ?? loaded.doc.origin?.config;
  if (!config) {
    throw new HfExportError(
      `${loaded.dir} was not imported from Hugging Face (no huggingface source in model-info.json, no origin in graph.json); --format hf writes only models that came from an HF checkpoint`,
    );
  }
  const out: Record<string, unknown> = JSON.parse(JSON.stringify(config));
  const names = loaded.info.classNames;
  if (names && 'id2label' in out) {
    out.id2label = Object.fromEntries(names.map((n, i) => [String(i), n]));
    out.label2id = Object.fromEntries(names.map((n, i) => [n, i]));
    if ('num_labels' in out) out.num_labels = names.length;
  }
  return out;
}

/** config.json + model.safetensors for `loaded`; returns the files written. */
export function exportHfFolder(
  loaded: LoadedModel,
  outDir: string,
  options: { force?: boolean } = {},
): { files: string[]; keys: number } {
  const config = hfConfigOf(loaded);
  const tensors = weightsToHf(config, loaded.doc, namedWeights(loaded.model));
  const files = new Map<string, string | Uint8Array>([
    ['config.json', JSON.stringify(hfConfigJson(config), null, 2) + '\n'],
    ['model.safetensors', writeSafetensors(tensors, { format: 'pt' })],
  ]);
  return { files: replaceFolder(outDir, files, options), keys: tensors.size };
}
