/**
 * `perceiver-studio train <model-dir> --data … [--freeze-encoder]`: fine-tune a model folder
 * (import-hf, or an earlier train --save-model). The folder's graph is trained (fitted to the
 * data as a template would be: a head resized for the data's classes starts fresh) starting
 * from the folder's weights wherever name and shape still match (engine/train/fineTune.ts).
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { namedWeights } from '../export/tfjsModel.js';
import type { NamedArrays } from '../export/weights.js';
import type { GraphDoc } from '../graph/schema.js';
import { readModelFolder, type ModelSource } from '../node/modelFolder.js';
import { applyPretrained, type PretrainedStartReport } from '../train/fineTune.js';

export interface PretrainedStart {
  weights: NamedArrays;
  /** "PerceiverForImageClassificationLearned (learned-model)". */
  label: string;
  dir: string;
  source?: ModelSource;
}

/** A folder holding a model (not a template file). */
export function isModelFolderDir(path: string): boolean {
  try {
    return (
      statSync(path).isDirectory() &&
      (existsSync(join(path, 'model-info.json')) || existsSync(join(path, 'model.json')))
    );
  } catch {
    return false;
  }
}

/** The folder's graph (to train) and its weights (to start from). */
export async function loadPretrainedStart(dir: string): Promise<{ doc: GraphDoc; start: PretrainedStart }> {
  const loaded = await readModelFolder(dir);
  try {
    const src = loaded.info.source;
    const what = src?.kind === 'huggingface' ? src.class : loaded.doc.name;
    return {
      doc: loaded.doc,
      start: { weights: namedWeights(loaded.model), label: `${what} (${dir})`, dir: resolve(dir), source: src },
    };
  } finally {
    loaded.model.dispose();
  }
}

/** Copy the start weights into the compiled model, freeze the encoder when asked, and say what happened. */
export function applyStart(
  model: tf.LayersModel,
  doc: GraphDoc,
  start: PretrainedStart,
  freezeEncoder: boolean,
  out: { log: (s: string) => void },
  json: boolean,
): PretrainedStartReport {
  const r = applyPretrained(model, doc, start.weights, { freezeEncoder, source: start.label });
  if (!json) {
    out.log(
      `starting from ${start.label}: ${r.loaded} weight tensors loaded${r.replaced.length ? `, ${r.replaced.length} start fresh (shape changed: ${r.replaced.map((x) => `${x.name} [${x.pretrained.join(', ')}] → [${x.now.join(', ')}]`).join('; ')})` : ''}${r.fresh.length ? `, ${r.fresh.length} new` : ''}`,
    );
    if (r.frozenNodes.length)
      out.log(
        `  encoder frozen (${r.frozenNodes.join(', ')}): ${r.trainableParams.toLocaleString('en-US')} trainable parameters`,
      );
  }
  return r;
}
