import { describe, expect, it } from 'vitest';
import { imageToInput } from './resize.js';

describe('imageToInput', () => {
  it('keeps an image of the right size, scaling bytes to 0…1 and RGBA to grey by luminance', () => {
    const rgba = new Uint8Array([255, 0, 0, 255, 0, 255, 0, 255]);
    const out = imageToInput({ width: 2, height: 1, channels: 4, data: rgba }, 1, 2, 1);
    expect(out[0]).toBeCloseTo(0.299, 5);
    expect(out[1]).toBeCloseTo(0.587, 5);
    expect([...imageToInput({ width: 2, height: 1, channels: 4, data: rgba }, 1, 2, 3)]).toEqual([1, 0, 0, 0, 1, 0]);
  });
  it('averages when shrinking (a 2×2 checkerboard becomes mid-grey) and preserves a constant', () => {
    const w = 8;
    const data = new Uint8Array(w * w);
    for (let y = 0; y < w; y++) for (let x = 0; x < w; x++) data[y * w + x] = (x + y) % 2 ? 255 : 0;
    const small = imageToInput({ width: w, height: w, channels: 1, data }, 2, 2, 1);
    for (const v of small) expect(v).toBeCloseTo(0.5, 1);
    const flat = imageToInput({ width: 5, height: 3, channels: 1, data: new Uint8Array(15).fill(51) }, 7, 11, 1);
    for (const v of flat) expect(v).toBeCloseTo(0.2, 5);
  });
  it('enlarges by interpolation, monotone along a gradient', () => {
    const out = imageToInput({ width: 2, height: 1, channels: 1, data: new Uint8Array([0, 255]) }, 1, 6, 1);
    for (let i = 1; i < 6; i++) expect(out[i]!).toBeGreaterThanOrEqual(out[i - 1]!);
    expect(out[0]).toBeLessThan(0.2);
    expect(out[5]).toBeGreaterThan(0.8);
  });
});
