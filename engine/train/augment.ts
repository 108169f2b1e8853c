/**
 * Data augmentation applied to training batches only. Random translation is the classic cheap
 * regulariser for small image datasets (the default MNIST template overfits 7,000 digits
 * without it). Seeded, so a run repeats exactly.
 */
import { mulberry32 } from '../data/random.js';

/**
 * Shift each image of a [n, H, W, C] batch by an integer offset in [−max, max]² with zero fill.
 * Returns a new array; the batch is not modified.
 */
export function shiftImages(
  x: Float32Array,
  n: number,
  shape: readonly number[],
  max: number,
  seed: number,
): Float32Array {
  const [h, w, c] = shape as [number, number, number];
  const size = h * w * c;
  const out = new Float32Array(x.length);
  const rand = mulberry32(seed);
  for (let i = 0; i < n; i++) {
    const dy = Math.floor(rand() * (2 * max + 1)) - max;
    const dx = Math.floor(rand() * (2 * max + 1)) - max;
    const base = i * size;
    for (let y = 0; y < h; y++) {
      const sy = y - dy;
      if (sy < 0 || sy >= h) continue;
      const x0 = Math.max(0, dx);
      const x1 = Math.min(w, w + dx);
      if (x1 <= x0) continue;
      const dst = base + (y * w + x0) * c;
      const src = base + (sy * w + (x0 - dx)) * c;
      out.set(x.subarray(src, src + (x1 - x0) * c), dst);
    }
  }
  return out;
}

/** Whether shift augmentation applies to data of this input shape (a single image [H, W, C]). */
export function canShift(inputShape: readonly number[]): boolean {
  return inputShape.length === 3 && inputShape[0]! > 1 && inputShape[1]! > 1;
}
