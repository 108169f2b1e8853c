import { describe, expect, it } from 'vitest';
import { bf16ToF32, f16ToF32, f32ToBf16, f32ToF16 } from './float16.js';

describe('half-precision conversions', () => {
  it('decodes binary16: normals, subnormals, zeros, infinities, NaN', () => {
    expect(f16ToF32(0x3c00)).toBe(1);
    expect(f16ToF32(0xc000)).toBe(-2);
    expect(f16ToF32(0x7bff)).toBe(65504);
    expect(f16ToF32(0x0400)).toBe(2 ** -14);
    expect(f16ToF32(0x0001)).toBe(2 ** -24);
    expect(f16ToF32(0x03ff)).toBe(1023 * 2 ** -24);
    expect(Object.is(f16ToF32(0x8000), -0)).toBe(true);
    expect(f16ToF32(0x7c00)).toBe(Infinity);
    expect(f16ToF32(0xfc00)).toBe(-Infinity);
    expect(f16ToF32(0x7e00)).toBeNaN();
    expect(f16ToF32(0x3555)).toBeCloseTo(1 / 3, 3);
  });

  it('every binary16 value survives f16 → f32 → f16', () => {
    for (let h = 0; h < 0x10000; h++) {
      const x = f16ToF32(h);
      if (Number.isNaN(x)) expect(f32ToF16(x)).toBe(0x7e00);
      else expect(f32ToF16(x)).toBe(h);
    }
  });

  it('rounds float32 to binary16 to nearest, overflowing to infinity', () => {
    expect(f32ToF16(1 + 2 ** -11)).toBe(0x3c00); // a tie goes to even
    expect(f32ToF16(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(f32ToF16(70000)).toBe(0x7c00);
    expect(f32ToF16(2 ** -26)).toBe(0);
    expect(f32ToF16(2 ** -25)).toBe(0); // half the smallest subnormal: a tie, to even (0)
    expect(f32ToF16(3 * 2 ** -25)).toBe(2); // 1.5 subnormal steps: to even (2)
    expect(f32ToF16(65519)).toBe(0x7bff);
    expect(f32ToF16(1 - 2 ** -12)).toBe(0x3c00); // just below a power of two rounds up to it
    expect(f32ToF16(-0)).toBe(0x8000);
  });

  it('bfloat16 is the top half of a float32, rounded to nearest even', () => {
    expect(bf16ToF32(0x3f80)).toBe(1);
    expect(bf16ToF32(0xc040)).toBe(-3);
    expect(bf16ToF32(0x7f80)).toBe(Infinity);
    expect(bf16ToF32(0x7fc0)).toBeNaN();
    expect(f32ToBf16(1)).toBe(0x3f80);
    expect(f32ToBf16(NaN)).toBe(0x7fc0);
    for (let h = 0; h < 0x10000; h += 7) {
      const x = bf16ToF32(h);
      if (!Number.isNaN(x)) expect(f32ToBf16(x)).toBe(h);
    }
    expect(bf16ToF32(f32ToBf16(Math.PI))).toBeCloseTo(Math.PI, 2);
  });
});
