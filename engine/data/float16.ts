/**
 * Half-precision floats ↔ float32, the one copy used by the .npy reader, the safetensors reader
 * and writer, the PyTorch checkpoint reader and the weights importer. IEEE binary16 (1 sign, 5
 * exponent, 10 mantissa bits; subnormals, ±Infinity, NaN) and bfloat16 (the top 16 bits of a
 * float32). Pure arithmetic on 16-bit integers, so byte order is the caller's business.
 */

/** binary16 bits → its value. */
export function f16ToF32(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

const scratch = new DataView(new ArrayBuffer(4));

/** bfloat16 bits → its value (exact: bfloat16 is a truncated float32). */
export function bf16ToF32(h: number): number {
  scratch.setUint32(0, (h & 0xffff) << 16, false);
  return scratch.getFloat32(0, false);
}

/** A value → the nearest bfloat16 bits (round to nearest even; NaN stays a quiet NaN). */
export function f32ToBf16(x: number): number {
  if (Number.isNaN(x)) return 0x7fc0;
  scratch.setFloat32(0, x, false);
  const u = scratch.getUint32(0, false);
  return ((u + 0x7fff + ((u >> 16) & 1)) >>> 16) & 0xffff;
}

/** Round to the nearest integer, ties to even (IEEE's default rounding). */
function roundEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * A value → the nearest binary16 bits, ties to even as torch and NumPy round (overflow to
 * ±Infinity, underflow to ±0 or a subnormal).
 */
export function f32ToF16(x: number): number {
  if (Number.isNaN(x)) return 0x7e00;
  const s = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  if (a >= 65520) return s | 0x7c00;
  if (a < 2 ** -14) return s | roundEven(a / 2 ** -24); // 1024 is the smallest normal, 0x0400
  let e = Math.floor(Math.log2(a));
  if (a / 2 ** e < 1)
    e--; // log2 may round up just below a power of two
  else if (a / 2 ** e >= 2) e++;
  let m = roundEven((a / 2 ** e - 1) * 1024);
  if (m === 1024) {
    m = 0;
    e += 1;
  }
  return s | ((e + 15) << 10) | m;
}
