import { describe, expect, it } from 'vitest';
import { canShift, shiftImages } from './augment.js';

describe('shift augmentation', () => {
  it('moves pixels by a bounded offset with zero fill, leaving the input untouched', () => {
    // One 3×3×1 image with a single lit pixel in the centre.
    const x = new Float32Array([0, 0, 0, 0, 1, 0, 0, 0, 0]);
    const seen = new Set<number>();
    for (let seed = 0; seed < 200; seed++) {
      const y = shiftImages(x, 1, [3, 3, 1], 1, seed);
      expect(y.reduce((a, b) => a + b, 0)).toBe(1); // a ±1 shift keeps the centre pixel inside
      seen.add(y.indexOf(1));
    }
    expect(seen.size).toBe(9); // every offset in [−1, 1]² occurs
    expect([...x]).toEqual([0, 0, 0, 0, 1, 0, 0, 0, 0]);
  });

  it('drops what leaves the frame, per image, channels kept together', () => {
    const n = 4;
    const shape = [2, 2, 2];
    const x = new Float32Array(n * 8).map((_, i) => i + 1);
    const y = shiftImages(x, n, shape, 2, 7);
    for (let i = 0; i < n; i++) {
      const img = [...y.subarray(i * 8, (i + 1) * 8)];
      // Channel pairs stay together: each pixel is either zeros or a pixel of the same image.
      for (let p = 0; p < 4; p++) {
        const [a, b] = [img[2 * p]!, img[2 * p + 1]!];
        if (a === 0) expect(b).toBe(0);
        else {
          expect(b).toBe(a + 1);
          expect(a).toBeGreaterThan(i * 8);
          expect(a).toBeLessThanOrEqual((i + 1) * 8);
        }
      }
    }
    expect(shiftImages(x, n, shape, 2, 7)).toEqual(y); // seeded
  });

  it('applies to single images only', () => {
    expect(canShift([28, 28, 1])).toBe(true);
    expect(canShift([8])).toBe(false);
    expect(canShift([16, 28, 28, 1])).toBe(false);
  });
});
