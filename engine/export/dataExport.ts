/**
 * The template's data as a ready-split .npz for the PyTorch package, using the app's own split
 * (engine/data), so a run in PyTorch sees exactly the train/validation/test examples the app does.
 */
import { splitIndices } from '../data/dataset.js';
import type { MnistBytes } from '../data/mnist.js';
import type { DataBinding } from '../graph/schema.js';
import { npz, type NpyArray, type ZipOptions } from './archive.js';

function take(src: Uint8Array, rows: Uint32Array, size: number): Uint8Array {
  const out = new Uint8Array(rows.length * size);
  rows.forEach((r, i) => out.set(src.subarray(r * size, (r + 1) * size), i * size));
  return out;
}

/** MNIST digits as bytes (x_* uint8 [n, 28, 28, 1], y_* uint8, scale = 1/255), split as the app splits them. */
export function mnistNpz(b: MnistBytes, binding: Partial<DataBinding> | undefined, opts: ZipOptions = {}): Uint8Array {
  const s = splitIndices(
    b.labels.length,
    binding?.validationFraction ?? 0.1,
    binding?.testFraction ?? 0.2,
    binding?.seed ?? 1,
  );
  const arrays: Record<string, NpyArray> = {};
  for (const [key, rows] of [
    ['train', s.train],
    ['val', s.validation],
    ['test', s.test],
  ] as const) {
    arrays[`x_${key}`] = { shape: [rows.length, 28, 28, 1], data: take(b.pixels, rows, 784) };
    arrays[`y_${key}`] = { shape: [rows.length], data: take(b.labels, rows, 1) };
  }
  arrays.scale = { shape: [], data: Float32Array.of(1 / 255) };
  return npz(arrays, opts);
}
