/**
 * Checkpoints a later run can resume from: model weights, optimizer state (Adam moments or SGD
 * momentum, with its iteration count), the epoch and global step, the settings, the epoch history
 * and early-stopping state. Held as a JSON manifest plus one float32 buffer, so the Node adapter
 * writes two files and a worker can post it as a transferable.
 */
import * as tf from '@tensorflow/tfjs';
import type { TrainingSettings } from '../graph/schema.js';
import type { EpochEvent } from './train.js';

export const CHECKPOINT_FORMAT = 'perceiver-studio-checkpoint';

export interface TensorEntry {
  name: string;
  shape: number[];
  /** Offset and length in floats within the checkpoint buffer. */
  offset: number;
  length: number;
}

export interface CheckpointManifest {
  format: typeof CHECKPOINT_FORMAT;
  version: 1;
  /** Epochs completed. */
  epoch: number;
  /** Optimizer steps taken. */
  step: number;
  settings: TrainingSettings;
  optimizerIterations: number;
  weights: TensorEntry[];
  optimizer: TensorEntry[];
  /** The epochs so far, as train() reported them. */
  history: EpochEvent[];
  earlyStopping: { bestValLoss: number | null; epochsSinceBest: number };
  /**
   * A run stopped inside epoch `epoch + 1` (Ctrl-C in the CLI): the batches of that epoch already
   * trained and their running sums, so a resume continues at the next batch. Absent: the
   * checkpoint is at an epoch boundary.
   */
  partialEpoch?: PartialEpoch;
  createdAt: string;
}

export interface PartialEpoch {
  steps: number;
  lossSum: number;
  lossCount: number;
  hits: number;
  counted: number;
  seconds: number;
}

export interface Checkpoint {
  manifest: CheckpointManifest;
  data: Float32Array;
}

interface Named {
  name: string;
  tensor: tf.Tensor;
}

async function pack(list: Named[], into: Float32Array[], offset: { v: number }): Promise<TensorEntry[]> {
  const out: TensorEntry[] = [];
  for (const { name, tensor } of list) {
    const values = (await tensor.data()) as Float32Array;
    into.push(values instanceof Float32Array ? values : Float32Array.from(values));
    out.push({ name, shape: tensor.shape, offset: offset.v, length: values.length });
    offset.v += values.length;
  }
  return out;
}

export async function captureCheckpoint(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  state: {
    epoch: number;
    step: number;
    settings: TrainingSettings;
    history: EpochEvent[];
    bestValLoss: number;
    epochsSinceBest: number;
    partialEpoch?: PartialEpoch;
  },
): Promise<Checkpoint> {
  const chunks: Float32Array[] = [];
  const offset = { v: 0 };
  const weights = await pack(
    model.weights.map((w) => ({ name: w.originalName ?? w.name, tensor: w.read() })),
    chunks,
    offset,
  );
  const optWeights = await optimizer.getWeights();
  // getWeights() makes a fresh scalar for the iteration count. tfjs' optimizers return their live
  // variables for the rest; the fused ones (fusedAdam.ts) return fresh copies, freed here.
  const [iter, ...moments] = optWeights;
  const optimizerIterations = iter ? (await iter.tensor.data())[0]! : 0;
  iter?.tensor.dispose();
  const opt = await pack(moments, chunks, offset);
  tf.dispose(moments.filter((m) => !(m.tensor instanceof tf.Variable)).map((m) => m.tensor));
  const data = new Float32Array(offset.v);
  let o = 0;
  for (const c of chunks) {
    data.set(c, o);
    o += c.length;
  }
  return {
    manifest: {
      format: CHECKPOINT_FORMAT,
      version: 1,
      epoch: state.epoch,
      step: state.step,
      settings: state.settings,
      optimizerIterations,
      weights,
      optimizer: opt,
      history: state.history,
      earlyStopping: {
        bestValLoss: Number.isFinite(state.bestValLoss) ? state.bestValLoss : null,
        epochsSinceBest: state.epochsSinceBest,
      },
      ...(state.partialEpoch && state.partialEpoch.steps > 0 ? { partialEpoch: state.partialEpoch } : {}),
      createdAt: new Date().toISOString(),
    },
    data,
  };
}

export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

/** Check a manifest read from disk before trusting it. */
export function validateManifest(m: unknown, dataLength: number, where = 'checkpoint'): CheckpointManifest {
  const c = m as Partial<CheckpointManifest> | null;
  if (!c || typeof c !== 'object' || c.format !== CHECKPOINT_FORMAT)
    throw new CheckpointError(`${where} is not a Perceiver Studio checkpoint (format field missing)`);
  if (c.version !== 1)
    throw new CheckpointError(`${where} has checkpoint version ${String(c.version)}; this build reads version 1`);
  if (
    !Number.isInteger(c.epoch) ||
    !Number.isInteger(c.step) ||
    !Array.isArray(c.weights) ||
    !Array.isArray(c.optimizer) ||
    !c.settings
  )
    throw new CheckpointError(`${where} is incomplete (epoch, step, weights, optimizer or settings missing)`);
  if (c.partialEpoch !== undefined) {
    const p = c.partialEpoch as unknown as Record<string, unknown> | null;
    if (
      !p ||
      typeof p !== 'object' ||
      !Number.isInteger(p.steps) ||
      (p.steps as number) < 1 ||
      ['lossSum', 'lossCount', 'hits', 'counted', 'seconds'].some(
        (k) => typeof p[k] !== 'number' || !Number.isFinite(p[k]),
      )
    ) {
      throw new CheckpointError(
        `${where}: partialEpoch is damaged (it needs steps ≥ 1 and the finite sums lossSum, lossCount, hits, counted, seconds)`,
      );
    }
  }
  for (const e of [...c.weights, ...c.optimizer]) {
    const size = e.shape.reduce((a: number, b: number) => a * b, 1);
    if (size !== e.length || e.offset < 0 || e.offset + e.length > dataLength)
      throw new CheckpointError(
        `${where}: tensor "${e.name}" does not fit the weights file (it is truncated or from another checkpoint)`,
      );
  }
  return c as CheckpointManifest;
}

/** Load weights and optimizer state; refuses a checkpoint of a different architecture. */
export async function restoreCheckpoint(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  ckpt: Checkpoint,
): Promise<void> {
  const { manifest, data } = ckpt;
  const weights = model.weights;
  if (weights.length !== manifest.weights.length) {
    throw new CheckpointError(
      `the checkpoint has ${manifest.weights.length} weight tensors but the model has ${weights.length}; it was saved from a different architecture`,
    );
  }
  weights.forEach((w, i) => {
    const e = manifest.weights[i]!;
    if (e.shape.join('x') !== w.shape.join('x')) {
      throw new CheckpointError(
        `weight "${e.name}" has shape [${e.shape.join(', ')}] in the checkpoint but [${w.shape.join(', ')}] in the model ("${w.originalName ?? w.name}"); it was saved from a different architecture`,
      );
    }
  });
  const trainable = model.trainableWeights.length;
  if (manifest.optimizer.length !== 0 && manifest.optimizer.length % trainable !== 0) {
    throw new CheckpointError(
      `the checkpoint's optimizer state has ${manifest.optimizer.length} tensors, which does not match ${trainable} trainable weights`,
    );
  }
  tf.tidy(() => {
    weights.forEach((w, i) => {
      const e = manifest.weights[i]!;
      w.write(tf.tensor(data.subarray(e.offset, e.offset + e.length), e.shape));
    });
  });
  if (manifest.optimizer.length > 0) {
    const iter = tf.scalar(manifest.optimizerIterations, 'int32');
    const moments = manifest.optimizer.map((e) => ({
      name: e.name,
      tensor: tf.tensor(data.subarray(e.offset, e.offset + e.length), e.shape),
    }));
    await optimizer.setWeights([{ name: 'iter', tensor: iter }, ...moments]);
    // setWeights made variables of its own from these.
    tf.dispose([iter, ...moments.map((m) => m.tensor)]);
  }
}
