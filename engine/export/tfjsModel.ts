/**
 * The tfjs side of the weight exchange: read a live model's weights by name, write named
 * weights into a model (PyTorch import), and serialise a model to model.json + weights.bin
 * bytes (the layout tf.loadLayersModel reads over http and tfjs-node writes with file://).
 */
import * as tf from '@tensorflow/tfjs';
import type { GraphDoc } from '../graph/schema.js';
import { generateModelPy } from './pytorch/modelPy.js';
import { torchToTfjs, weightNameMap, WeightsError, type NamedArrays } from './weights.js';

/** The model's weights by their stable tfjs names ("encoder/q_kernel"), copied out. */
export function namedWeights(model: tf.LayersModel): NamedArrays {
  const out: NamedArrays = new Map();
  for (const w of model.weights) {
    const t = w.read();
    out.set(w.originalName, { shape: [...t.shape], data: Float32Array.from(t.dataSync() as Float32Array) });
  }
  return out;
}

/** Write named weights into the model; every model weight must be given with its shape. */
export function applyNamedWeights(model: tf.LayersModel, arrays: NamedArrays, source = 'the weights'): void {
  const updates: [tf.LayerVariable, tf.Tensor][] = [];
  try {
    for (const w of model.weights) {
      const a = arrays.get(w.originalName);
      if (!a) throw new WeightsError(`${source} have no "${w.originalName}"`);
      if (a.shape.join('x') !== w.shape.join('x'))
        throw new WeightsError(
          `${source}: "${w.originalName}" has shape [${a.shape.join(', ')}], the model needs [${w.shape.join(', ')}]`,
        );
      updates.push([w, tf.tensor(a.data, a.shape)]);
    }
    for (const [w, t] of updates) w.write(t);
  } finally {
    tf.dispose(updates.map((u) => u[1]));
  }
}

/** A PyTorch state dict (torch names, e.g. from train.py's weights.safetensors) into a compiled model of `doc`. */
export function applyTorchState(
  model: tf.LayersModel,
  doc: GraphDoc,
  state: NamedArrays,
  source = 'the PyTorch checkpoint',
): void {
  const map = weightNameMap(generateModelPy(doc).weightModules);
  const expected = model.weights.map((w) => ({ name: w.originalName, shape: w.shape as number[] }));
  applyNamedWeights(model, torchToTfjs(state, expected, map, source), source);
}

export interface TfjsArtifactsBytes {
  modelJson: Record<string, unknown>;
  weightsBin: Uint8Array;
}

/** model.json (weights manifest pointing at "weights.bin") and the weight bytes. */
export async function modelArtifacts(model: tf.LayersModel): Promise<TfjsArtifactsBytes> {
  let captured: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      captured = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const a = captured!;
  const data = a.weightData as ArrayBuffer | ArrayBuffer[] | undefined;
  const bufs = data === undefined ? [] : Array.isArray(data) ? data : [data];
  const weightsBin = new Uint8Array(bufs.reduce((n, b) => n + b.byteLength, 0));
  let p = 0;
  for (const b of bufs) {
    weightsBin.set(new Uint8Array(b), p);
    p += b.byteLength;
  }
  const modelJson = {
    format: a.format ?? 'layers-model',
    generatedBy: a.generatedBy,
    convertedBy: 'Perceiver Studio',
    modelTopology: a.modelTopology,
    weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs ?? [] }],
  };
  return { modelJson, weightsBin };
}
