// AssemblyScript (compiled by scripts/build-kernels.mjs): tanh-GELU forward and backward in one
// pass each, as the tuned formulation writes it: y = x·s, s = σ(2u) = ½(1 + tanh u),
// 2u = c2·x·(1 + a·x²) (c2 = 2√(2/π), a = 0.044715); dx = dy·(s + x·s(1 − s)·c2(1 + 3a·x²)).
// exp is evaluated four lanes at a time (range reduction + degree-6 polynomial, ~1e-7 relative).

const C2: f32 = 1.5957691216057308; // 2·√(2/π)
const A: f32 = 0.044715;
const LOG2E: f32 = 1.4426950408889634;
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.12194440e-4;

// 1.5·2²³ + 127: adding it to z·log2(e) rounds to an integer n whose low mantissa bits hold n + 127,
// the biased exponent of 2ⁿ (no float→int conversion, which is slow in wasm SIMD on x86).
const MAGIC: f32 = 12583039.0;

// @ts-ignore: decorator
@inline function expv(z: v128): v128 {
  z = f32x4.min(f32x4.max(z, f32x4.splat(-87)), f32x4.splat(87));
  const t = f32x4.add(f32x4.mul(z, f32x4.splat(LOG2E)), f32x4.splat(MAGIC));
  const n = f32x4.sub(t, f32x4.splat(MAGIC));
  const r = f32x4.sub(f32x4.sub(z, f32x4.mul(n, f32x4.splat(LN2_HI))), f32x4.mul(n, f32x4.splat(LN2_LO)));
  let p = f32x4.splat(1.0 / 720.0);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0 / 120.0));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0 / 24.0));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0 / 6.0));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(0.5));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1));
  return f32x4.mul(p, i32x4.shl(t, 23));
}

// @ts-ignore: decorator
@inline function sigmoidOf2u(x: v128): v128 {
  const x2 = f32x4.mul(x, x);
  const t = f32x4.mul(f32x4.mul(x, f32x4.splat(C2)), f32x4.add(f32x4.splat(1), f32x4.mul(x2, f32x4.splat(A))));
  return f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), expv(f32x4.neg(t))));
}

// @ts-ignore: decorator
@inline function sigmoidOf2uScalar(x: f32): f32 {
  // The lane version on a splat: Mathf.exp would bring lookup tables (static data) into tfjs' heap.
  return f32x4.extract_lane(sigmoidOf2u(f32x4.splat(x)), 0);
}

/** y = x·s and s (kept for the backward), over n values. */
export function geluTanhForward(x: usize, y: usize, s: usize, n: i32): void {
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    const xv = v128.load(x + o);
    const sv = sigmoidOf2u(xv);
    v128.store(s + o, sv);
    v128.store(y + o, f32x4.mul(xv, sv));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const xv = load<f32>(x + o);
    const sv = sigmoidOf2uScalar(xv);
    store<f32>(s + o, sv);
    store<f32>(y + o, xv * sv);
  }
}

/** dx = dy·(s + x·s(1 − s)·c2(1 + 3a·x²)). */
export function geluTanhBackward(dy: usize, x: usize, s: usize, dx: usize, n: i32): void {
  const n4 = n & ~3;
  const one = f32x4.splat(1);
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    const xv = v128.load(x + o);
    const sv = v128.load(s + o);
    const du = f32x4.mul(f32x4.splat(C2), f32x4.add(one, f32x4.mul(f32x4.mul(xv, xv), f32x4.splat(3 * A))));
    const g = f32x4.add(sv, f32x4.mul(f32x4.mul(xv, f32x4.mul(sv, f32x4.sub(one, sv))), du));
    v128.store(dx + o, f32x4.mul(v128.load(dy + o), g));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const xv = load<f32>(x + o);
    const sv = load<f32>(s + o);
    const du = C2 * (1 + 3 * A * xv * xv);
    store<f32>(dx + o, load<f32>(dy + o) * (sv + xv * sv * (1 - sv) * du));
  }
}
