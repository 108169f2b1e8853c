/**
 * Node side of the exports: read trained-model folders, write export folders, supply the MNIST
 * digits, import PyTorch checkpoints. The formats themselves live in engine/export (pure).
 *
 * A trained-model folder is what tfjs writes with model.save(): model.json (topology + weights
 * manifest) and the weight files it lists (weights.bin), optionally with graph.json (the GraphDoc).
 */
import { constants as bufferConstants } from 'node:buffer';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import type * as tf from '@tensorflow/tfjs';
import { tfjsWeightsFromArtifacts } from '../export/archive.js';
import { mnistNpz } from '../export/dataExport.js';
import { modelArtifacts, applyTorchState } from '../export/tfjsModel.js';
import { decodeSafetensors, WeightsError, type NamedArrays } from '../export/weights.js';
import { LIMITS, type GraphDoc } from '../graph/schema.js';
import { loadMnistBytes } from './mnist.js';
import { FileLimitError, readFileBounded } from './boundedRead.js';

/** The largest weights file read (a Node Buffer's limit). */
const MAX_MODEL_FILE = bufferConstants.MAX_LENGTH - 1;

export const deflateRaw = (d: Uint8Array): Uint8Array => new Uint8Array(deflateRawSync(d, { level: 6 }));

/** Write relative path → contents under dir, refusing paths that leave it; each file atomically. */
export function writeExportFiles(dir: string, files: Map<string, string | Uint8Array>): string[] {
  const root = resolve(dir);
  const written: string[] = [];
  for (const [rel, content] of files) {
    const full = resolve(root, rel);
    if (!full.startsWith(root + sep)) throw new Error(`refusing to write "${rel}" outside ${root}`);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full + '.tmp', content);
    renameSync(full + '.tmp', full);
    written.push(full);
  }
  return written;
}

function readOrExplain(path: string, what: string, limit = MAX_MODEL_FILE): Buffer {
  try {
    // Regular files only, read with a limit: a weights manifest may name a device or a FIFO.
    return readFileBounded(path, limit, what);
  } catch (err) {
    if (err instanceof FileLimitError) throw new WeightsError(`Cannot read ${what} ${err.message}`);
    const code = (err as NodeJS.ErrnoException).code;
    throw new WeightsError(
      `Cannot read ${what} ${path}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`,
    );
  }
}

/** Weights (tfjs names) of a trained-model folder (model.json + weights.bin). */
export function readTrainedModelDir(dir: string): { weights: NamedArrays; modelJson: unknown; graph?: unknown } {
  const jsonPath = join(dir, 'model.json');
  let modelJson: unknown;
  try {
    modelJson = JSON.parse(readOrExplain(jsonPath, 'the trained model', LIMITS.maxFileBytes).toString('utf8'));
  } catch (err) {
    if (err instanceof WeightsError)
      throw new WeightsError(
        `${err.message}. --weights takes a folder with model.json and weights.bin (saved by Perceiver Studio or tfjs model.save)`,
      );
    throw new WeightsError(`${jsonPath} is not valid JSON (${(err as Error).message})`);
  }
  const root = resolve(dir);
  const weights = tfjsWeightsFromArtifacts(
    modelJson,
    (p) => {
      const full = resolve(root, p);
      if (!full.startsWith(root + sep))
        throw new WeightsError(`${jsonPath} lists a weight file outside its folder: ${p}`);
      return new Uint8Array(readOrExplain(full, 'the weight file'));
    },
    jsonPath,
  );
  let graph: unknown;
  try {
    graph = JSON.parse(readFileBounded(join(dir, 'graph.json'), LIMITS.maxFileBytes, 'graph').toString('utf8'));
  } catch {
    graph = undefined;
  }
  return { weights, modelJson, graph };
}

/** Save a model as a trained-model folder (model.json + weights.bin, and graph.json when given). */
export async function saveTrainedModelDir(model: tf.LayersModel, dir: string, doc?: GraphDoc): Promise<void> {
  const { modelJson, weightsBin } = await modelArtifacts(model);
  const files = new Map<string, string | Uint8Array>([
    ['model.json', JSON.stringify(modelJson)],
    ['weights.bin', weightsBin],
  ]);
  if (doc) files.set('graph.json', JSON.stringify(doc, null, 2));
  writeExportFiles(dir, files);
}

/** The built-in MNIST digits as the PyTorch package's data/mnist.npz (the app's split). */
export function mnistNpzFile(doc: GraphDoc): Uint8Array {
  return mnistNpz(loadMnistBytes(), doc.data, { deflateRaw });
}

/** Load a PyTorch checkpoint written by the exported train.py (weights.safetensors) into a compiled model of `doc`. */
export function importPytorchWeights(
  model: tf.LayersModel,
  doc: GraphDoc,
  file: string,
): { metadata: Record<string, string> } {
  if (!file.endsWith('.safetensors')) {
    throw new WeightsError(
      `${file}: import the weights.safetensors that train.py writes next to weights.pt (reading PyTorch pickles needs Python)`,
    );
  }
  const { arrays, metadata } = decodeSafetensors(new Uint8Array(readOrExplain(file, 'the PyTorch weights')), file);
  applyTorchState(model, doc, arrays, file);
  return { metadata };
}
