// AssemblyScript (compiled by scripts/build-kernels.mjs): LayerNorm over rows of D values,
// forward and backward in one pass each (tfjs needs ~9 kernels forward and ~18 backward).
// Pointers are byte offsets into tfjs' wasm memory; no allocation.

// @ts-ignore: decorator
@inline function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

/**
 * y = xhat·gamma + beta with xhat = (x − mean)·invStd, invStd = 1/√(var + eps) per row.
 * Writes y [R×D], xhat [R×D] and invStd [R] (both kept for the backward).
 */
export function layerNormForward(x: usize, gamma: usize, beta: usize, y: usize, xhat: usize, inv: usize, R: i32, D: i32, eps: f32): void {
  const d4 = D & ~3;
  const rowB = <usize>D << 2;
  const invD = <f32>1 / <f32>D;
  for (let r = 0; r < R; r++) {
    const xr = x + <usize>r * rowB;
    let acc = f32x4.splat(0);
    let j = 0;
    for (; j < d4; j += 4) acc = f32x4.add(acc, v128.load(xr + (<usize>j << 2)));
    let s = hsum(acc);
    for (; j < D; j++) s += load<f32>(xr + (<usize>j << 2));
    const mean = s * invD;
    const mv = f32x4.splat(mean);
    acc = f32x4.splat(0);
    j = 0;
    for (; j < d4; j += 4) {
      const c = f32x4.sub(v128.load(xr + (<usize>j << 2)), mv);
      acc = f32x4.add(acc, f32x4.mul(c, c));
    }
    let q = hsum(acc);
    for (; j < D; j++) {
      const c = load<f32>(xr + (<usize>j << 2)) - mean;
      q += c * c;
    }
    const is = <f32>1 / Mathf.sqrt(q * invD + eps);
    store<f32>(inv + (<usize>r << 2), is);
    const iv = f32x4.splat(is);
    const hr = xhat + <usize>r * rowB;
    const yr = y + <usize>r * rowB;
    j = 0;
    for (; j < d4; j += 4) {
      const o = <usize>j << 2;
      const h = f32x4.mul(f32x4.sub(v128.load(xr + o), mv), iv);
      v128.store(hr + o, h);
      v128.store(yr + o, f32x4.add(f32x4.mul(h, v128.load(gamma + o)), v128.load(beta + o)));
    }
    for (; j < D; j++) {
      const o = <usize>j << 2;
      const h = (load<f32>(xr + o) - mean) * is;
      store<f32>(hr + o, h);
      store<f32>(yr + o, h * load<f32>(gamma + o) + load<f32>(beta + o));
    }
  }
}

/**
 * g = dy·gamma; dx = invStd·(g − mean(g) − xhat·mean(g·xhat)); dgamma = Σ_rows dy·xhat;
 * dbeta = Σ_rows dy. dgamma and dbeta are overwritten.
 */
export function layerNormBackward(dy: usize, xhat: usize, inv: usize, gamma: usize, dx: usize, dgamma: usize, dbeta: usize, R: i32, D: i32): void {
  const d4 = D & ~3;
  const rowB = <usize>D << 2;
  const invD = <f32>1 / <f32>D;
  memory.fill(dgamma, 0, rowB);
  memory.fill(dbeta, 0, rowB);
  for (let r = 0; r < R; r++) {
    const dr = dy + <usize>r * rowB;
    const hr = xhat + <usize>r * rowB;
    let a1 = f32x4.splat(0), a2 = f32x4.splat(0);
    let j = 0;
    for (; j < d4; j += 4) {
      const o = <usize>j << 2;
      const d = v128.load(dr + o);
      const h = v128.load(hr + o);
      const g = f32x4.mul(d, v128.load(gamma + o));
      a1 = f32x4.add(a1, g);
      a2 = f32x4.add(a2, f32x4.mul(g, h));
      v128.store(dgamma + o, f32x4.add(v128.load(dgamma + o), f32x4.mul(d, h)));
      v128.store(dbeta + o, f32x4.add(v128.load(dbeta + o), d));
    }
    let sg = hsum(a1), sgx = hsum(a2);
    for (; j < D; j++) {
      const o = <usize>j << 2;
      const d = load<f32>(dr + o);
      const h = load<f32>(hr + o);
      const g = d * load<f32>(gamma + o);
      sg += g;
      sgx += g * h;
      store<f32>(dgamma + o, load<f32>(dgamma + o) + d * h);
      store<f32>(dbeta + o, load<f32>(dbeta + o) + d);
    }
    const mg = f32x4.splat(sg * invD), mgx = f32x4.splat(sgx * invD);
    const is = load<f32>(inv + (<usize>r << 2));
    const iv = f32x4.splat(is);
    const xr = dx + <usize>r * rowB;
    j = 0;
    for (; j < d4; j += 4) {
      const o = <usize>j << 2;
      const g = f32x4.mul(v128.load(dr + o), v128.load(gamma + o));
      v128.store(xr + o, f32x4.mul(iv, f32x4.sub(f32x4.sub(g, mg), f32x4.mul(v128.load(hr + o), mgx))));
    }
    for (; j < D; j++) {
      const o = <usize>j << 2;
      const g = load<f32>(dr + o) * load<f32>(gamma + o);
      store<f32>(xr + o, is * (g - sg * invD - load<f32>(hr + o) * sgx * invD));
    }
  }
}
