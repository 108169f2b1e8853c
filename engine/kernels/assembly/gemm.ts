// AssemblyScript (compiled by scripts/build-kernels.mjs, not by tsc): single-precision GEMM for
// tfjs' wasm backend, working in place on the backend's own memory (imported, never grown here).
//
//   C[b] = op(A[b]) · op(B[b]) (+ bias)      op(A): M×K, op(B): K×N, C: M×N row-major
//
// Element (i, k) of op(A) is at a + 4·(i·sAi + k·sAk); element (k, j) of op(B) at
// b + 4·(k·sBk + j·sBj): the strides express every transpose mode (NN, NT, TN, TT).
// B is packed into 8-column panels (K×8 contiguous, zero-padded at the tail), then a 4×8
// register block (8 f32x4 accumulators) runs over the panel with A's values splatted from
// memory (v128.load32_splat). The bias (optional) initialises the accumulators.
// No allocation, no static data: the caller passes a scratch area (`work`) in the same memory.

// @ts-ignore: decorator
@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    return f32x4.relaxed_madd(a, b, c);
  } else {
    return f32x4.add(f32x4.mul(a, b), c);
  }
}

/** Floats of scratch `gemm` needs for K and N (packed B panels + padded bias + one 4×8 tile). */
export function workFloats(K: i32, N: i32): i32 {
  const np = (N + 7) & ~7;
  return np * K + np + 32;
}

/** 1 when built with relaxed SIMD (f32x4.relaxed_madd), else 0. */
export function relaxed(): i32 {
  return ASC_FEATURE_RELAXED_SIMD ? 1 : 0;
}

function packB(b: usize, K: i32, N: i32, sBk: i32, sBj: i32, dst: usize): void {
  const panels = (N + 7) >> 3;
  const rowBytes = <usize>sBk << 2;
  for (let p = 0; p < panels; p++) {
    const j0 = p << 3;
    const nc = min(8, N - j0);
    const d0 = dst + ((<usize>p * <usize>K * 8) << 2);
    if (nc == 8 && sBj == 1) {
      let s = b + (<usize>j0 << 2);
      let d = d0;
      for (let k = 0; k < K; k++) {
        v128.store(d, v128.load(s));
        v128.store(d, v128.load(s, 16), 16);
        s += rowBytes;
        d += 32;
      }
    } else {
      for (let c = 0; c < 8; c++) {
        let d = d0 + (<usize>c << 2);
        if (c < nc) {
          let s = b + (<usize>((j0 + c) * sBj) << 2);
          for (let k = 0; k < K; k++) {
            store<f32>(d, load<f32>(s));
            s += rowBytes;
            d += 32;
          }
        } else {
          for (let k = 0; k < K; k++) {
            store<f32>(d, 0);
            d += 32;
          }
        }
      }
    }
  }
}

/** 4 rows × one 8-column panel. */
// @ts-ignore: decorator
@inline function block4(a: usize, sAi: usize, sAk: usize, bp: usize, K: i32, bias: usize, c: usize, ldc: usize, nc: i32, tile: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  if (bias != 0) {
    c00 = v128.load(bias);
    c01 = v128.load(bias, 16);
  }
  let c10 = c00, c11 = c01, c20 = c00, c21 = c01, c30 = c00, c31 = c01;
  let a0 = a;
  let a1 = a + sAi;
  let a2 = a1 + sAi;
  let a3 = a2 + sAi;
  for (let k = 0; k < K; k++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let x = v128.load32_splat(a0);
    c00 = madd(x, b0, c00);
    c01 = madd(x, b1, c01);
    x = v128.load32_splat(a1);
    c10 = madd(x, b0, c10);
    c11 = madd(x, b1, c11);
    x = v128.load32_splat(a2);
    c20 = madd(x, b0, c20);
    c21 = madd(x, b1, c21);
    x = v128.load32_splat(a3);
    c30 = madd(x, b0, c30);
    c31 = madd(x, b1, c31);
    a0 += sAk;
    a1 += sAk;
    a2 += sAk;
    a3 += sAk;
    bp += 32;
  }
  if (nc == 8) {
    v128.store(c, c00);
    v128.store(c, c01, 16);
    c += ldc;
    v128.store(c, c10);
    v128.store(c, c11, 16);
    c += ldc;
    v128.store(c, c20);
    v128.store(c, c21, 16);
    c += ldc;
    v128.store(c, c30);
    v128.store(c, c31, 16);
  } else {
    v128.store(tile, c00);
    v128.store(tile, c01, 16);
    v128.store(tile, c10, 32);
    v128.store(tile, c11, 48);
    v128.store(tile, c20, 64);
    v128.store(tile, c21, 80);
    v128.store(tile, c30, 96);
    v128.store(tile, c31, 112);
    for (let r = 0; r < 4; r++) {
      const t = tile + (<usize>r << 5);
      const o = c + <usize>r * ldc;
      for (let q = 0; q < nc; q++) store<f32>(o + (<usize>q << 2), load<f32>(t + (<usize>q << 2)));
    }
  }
}

/** 1 row × one 8-column panel (the rows left over after the 4-row blocks). */
// @ts-ignore: decorator
@inline function block1(a: usize, sAk: usize, bp: usize, K: i32, bias: usize, c: usize, nc: i32, tile: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  if (bias != 0) {
    c00 = v128.load(bias);
    c01 = v128.load(bias, 16);
  }
  for (let k = 0; k < K; k++) {
    const x = v128.load32_splat(a);
    c00 = madd(x, v128.load(bp), c00);
    c01 = madd(x, v128.load(bp, 16), c01);
    a += sAk;
    bp += 32;
  }
  if (nc == 8) {
    v128.store(c, c00);
    v128.store(c, c01, 16);
  } else {
    v128.store(tile, c00);
    v128.store(tile, c01, 16);
    for (let q = 0; q < nc; q++) store<f32>(c + (<usize>q << 2), load<f32>(tile + (<usize>q << 2)));
  }
}

/**
 * Batched GEMM. Strides in elements; batch strides (elements between consecutive matrices)
 * may be 0 to broadcast one operand. `bias` (0 = none) has N values, added to every row.
 * `work` must hold workFloats(K, N) floats, 16-byte aligned.
 */
export function gemm(
  a: usize, b: usize, c: usize, bias: usize,
  M: i32, K: i32, N: i32,
  sAi: i32, sAk: i32, sBk: i32, sBj: i32,
  batch: i32, bsA: i32, bsB: i32, bsC: i32,
  work: usize,
): void {
  const np = (N + 7) & ~7;
  const panels = np >> 3;
  const packed = work;
  const biasP = work + ((<usize>np * <usize>K) << 2);
  const tile = biasP + (<usize>np << 2);
  if (bias != 0) {
    for (let j = 0; j < np; j++) store<f32>(biasP + (<usize>j << 2), j < N ? load<f32>(bias + (<usize>j << 2)) : 0);
  }
  const sAiB = <usize>sAi << 2;
  const sAkB = <usize>sAk << 2;
  const ldc = <usize>N << 2;
  const panelBytes = (<usize>K * 8) << 2;
  const mc = max(4, (4096 / max(K, 1)) & ~3);
  for (let t = 0; t < batch; t++) {
    const at = a + ((<usize>t * <usize>bsA) << 2);
    const ct = c + ((<usize>t * <usize>bsC) << 2);
    if (t == 0 || bsB != 0) packB(b + ((<usize>t * <usize>bsB) << 2), K, N, sBk, sBj, packed);
    // Rows in chunks whose slice of A (~16 KB) stays in L1 while every panel of B passes over it.
    for (let i0 = 0; i0 < M; i0 += mc) {
      const i1 = min(M, i0 + mc);
      const i4 = i0 + ((i1 - i0) & ~3);
      for (let p = 0; p < panels; p++) {
        const j0 = p << 3;
        const nc = min(8, N - j0);
        const bp = packed + <usize>p * panelBytes;
        const bb = bias != 0 ? biasP + (<usize>j0 << 2) : 0;
        let i = i0;
        for (; i < i4; i += 4) {
          block4(at + <usize>i * sAiB, sAiB, sAkB, bp, K, bb, ct + <usize>i * ldc + (<usize>j0 << 2), ldc, nc, tile);
        }
        for (; i < i1; i++) {
          block1(at + <usize>i * sAiB, sAkB, bp, K, bb, ct + <usize>i * ldc + (<usize>j0 << 2), nc, tile);
        }
      }
    }
  }
}
