/**
 * Reload a trained-model folder (model.json + weights.bin + graph.json, as saveTrainedModelDir in
 * engine/node/export.ts writes it) into a live tf.LayersModel, in any process: importing
 * engine/layers/index.ts registers every custom layer, so nothing of the compiler is needed.
 */
import { constants as bufferConstants } from 'node:buffer';
import { join, resolve, sep } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '../layers/index.js';
import { loadGraphDoc } from '../graph/load.js';
import { LIMITS, type GraphDoc } from '../graph/schema.js';
import { FileLimitError, readFileBounded } from './boundedRead.js';

export class ModelFileError extends Error {
  override name = 'ModelFileError';
}

function read(path: string, what: string): Buffer {
  try {
    // Regular files only, read with a limit: a manifest may name a device or a FIFO.
    return readFileBounded(path, bufferConstants.MAX_LENGTH - 1, what);
  } catch (err) {
    if (err instanceof FileLimitError) throw new ModelFileError(`Cannot read ${what} ${err.message}`);
    const code = (err as NodeJS.ErrnoException).code;
    throw new ModelFileError(
      `Cannot read ${what} ${path}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`,
    );
  }
}

export async function loadModelDir(dir: string): Promise<{ model: tf.LayersModel; doc: GraphDoc | undefined }> {
  const root = resolve(dir);
  const jsonPath = join(root, 'model.json');
  let json: { modelTopology?: unknown; weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[] };
  try {
    json = JSON.parse(read(jsonPath, 'the model').toString('utf8'));
  } catch (err) {
    if (err instanceof ModelFileError) throw err;
    throw new ModelFileError(`${jsonPath} is not valid JSON (${(err as Error).message})`);
  }
  if (!json.modelTopology || !Array.isArray(json.weightsManifest)) {
    throw new ModelFileError(`${jsonPath} is not a tfjs layers model (it needs modelTopology and weightsManifest)`);
  }
  const specs: tf.io.WeightsManifestEntry[] = [];
  const chunks: Buffer[] = [];
  for (const group of json.weightsManifest) {
    specs.push(...group.weights);
    for (const p of group.paths) {
      const full = resolve(root, p);
      if (!full.startsWith(root + sep))
        throw new ModelFileError(`${jsonPath} lists a weight file outside its folder: ${p}`);
      chunks.push(read(full, 'the weight file'));
    }
  }
  const bytes = Buffer.concat(chunks);
  const weightData = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let model: tf.LayersModel;
  try {
    model = await tf.loadLayersModel(
      tf.io.fromMemory({ modelTopology: json.modelTopology as object, weightSpecs: specs, weightData }),
    );
  } catch (err) {
    throw new ModelFileError(`${jsonPath} could not be loaded: ${(err as Error).message}`);
  }
  let doc: GraphDoc | undefined;
  const graphPath = join(root, 'graph.json');
  let graphText: string | undefined;
  try {
    graphText = readFileBounded(graphPath, LIMITS.maxFileBytes, 'graph').toString('utf8');
  } catch {
    graphText = undefined; // graph.json is optional: a bare tfjs export has none
  }
  if (graphText !== undefined) doc = loadGraphDoc(graphText, graphPath);
  return { model, doc };
}
