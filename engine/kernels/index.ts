/**
 * Our own SIMD kernels inside tfjs' wasm backend (issue 19). The GEMM in ./assembly/gemm.ts
 * (AssemblyScript, compiled by scripts/build-kernels.mjs) imports the wasm backend's own memory
 * and is registered as tfjs' `BatchMatMul` and `_FusedMatMul` kernels on 'wasm', so it reads
 * and writes tfjs tensors in place: models, gradients, model.save and checkpoints are untouched.
 *
 * - Switched on with the 'tuned' formulation (engine/layers/ops.ts setFormulation) and off with
 *   it; `setOwnKernelsAllowed(false)` keeps tfjs' stock kernels (the bench's A/B, or a user).
 * - Written against tfjs 4.22.0's BackendWasm internals (`wasm.asm.memory`, or `wasm.wasmMemory`
 *   in the threaded build, `wasm._malloc`,
 *   `dataIdMap` entries with `memoryOffset`). Before the first use on a backend, `attach` checks
 *   each of them and runs a self-test against a float64 reference in every transpose mode; if
 *   anything differs it warns once (console.warn, naming what is missing) and every call goes to
 *   tfjs' stock kernel from then on. `ownKernelsStatus()` tells which path ran and why.
 * - Relaxed SIMD (`f32x4.relaxed_madd`) when the engine validates it (WebAssembly.validate on
 *   the relaxed build), otherwise plain SIMD; a shared-memory build for tfjs' threaded backend.
 * - Cases the GEMM does not cover (non-float32, fused activations other than linear, PReLU
 *   weights, a bias that is not one row of N values, batch broadcasting other than "equal or
 *   one side 1", empty tensors) go to the stock kernel.
 */
import * as tf from '@tensorflow/tfjs';

export const EXPECTED_TFJS = '4.22.0';

// The engine compiles with the ES library only (it runs in Node, browsers and workers): the
// host APIs used here are typed locally.
interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
}
interface WasmApi {
  Memory: abstract new (...args: never[]) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  validate(bytes: Uint8Array): boolean;
}
const host = globalThis as unknown as {
  WebAssembly?: WasmApi;
  performance?: { now(): number };
  console?: { warn(...args: unknown[]): void };
};
const now = () => host.performance?.now() ?? Date.now();

/** The BackendWasm internals these kernels rely on (tfjs-backend-wasm 4.22.0). */
interface WasmModuleLike {
  asm?: { memory?: WasmMemory };
  wasmMemory?: WasmMemory;
  HEAPU8?: Uint8Array;
  _malloc?: (bytes: number) => number;
  _free?: (ptr: number) => void;
}
interface WasmBackendLike {
  wasm?: WasmModuleLike;
  dataIdMap?: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

interface GemmExports {
  gemm(
    a: number,
    b: number,
    c: number,
    bias: number,
    M: number,
    K: number,
    N: number,
    sAi: number,
    sAk: number,
    sBk: number,
    sBj: number,
    batch: number,
    bsA: number,
    bsB: number,
    bsC: number,
    work: number,
  ): void;
  workFloats(K: number, N: number): number;
  relaxed(): number;
  layerNormForward(
    x: number,
    gamma: number,
    beta: number,
    y: number,
    xhat: number,
    inv: number,
    R: number,
    D: number,
    eps: number,
  ): void;
  layerNormBackward(
    dy: number,
    xhat: number,
    inv: number,
    gamma: number,
    dx: number,
    dgamma: number,
    dbeta: number,
    R: number,
    D: number,
  ): void;
  geluTanhForward(x: number, y: number, s: number, n: number): void;
  geluTanhBackward(dy: number, x: number, s: number, dx: number, n: number): void;
}

export type KernelVariant = 'relaxed' | 'simd';
export interface OwnKernelsStatus {
  /** Our kernels are registered (the tuned formulation is on and they are allowed). */
  registered: boolean;
  /** They attached to the current wasm backend and passed the self-test. */
  attached: boolean;
  variant: KernelVariant | null;
  sharedMemory: boolean;
  /** Milliseconds spent reading, compiling and self-testing the module (last attach). */
  loadMs: number;
  /** Why they are not in use, when they are not. */
  reason: string | null;
  /** Calls served by our GEMM / handed to the stock kernel (by the override) in this process. */
  ownCalls: number;
  stockCalls: number;
}

const status: OwnKernelsStatus = {
  registered: false,
  attached: false,
  variant: null,
  sharedMemory: false,
  loadMs: 0,
  reason: 'not registered',
  ownCalls: 0,
  stockCalls: 0,
};
export function ownKernelsStatus(): OwnKernelsStatus {
  return { ...status };
}

// ---------------------------------------------------------------- loading the binaries

/** Binaries given by the host (browser bundles, which cannot read files synchronously). */
let provided: Record<string, Uint8Array> | null = null;
/** Make the compiled modules available where there is no file system (name → bytes). */
export function provideKernelBinaries(binaries: Record<string, Uint8Array>): void {
  provided = { ...binaries };
  attachments = new WeakMap();
}

/** A synchronous reader of the compiled modules (Node: engine/kernels/node.ts reads them from disk). */
let reader: ((name: string) => Uint8Array | null) | null = null;
export function setKernelBinaryReader(read: (name: string) => Uint8Array | null): void {
  reader = read;
  attachments = new WeakMap();
}

function readBinary(name: string): Uint8Array | null {
  if (provided) return provided[name] ?? null;
  return reader ? reader(name) : null;
}

// ---------------------------------------------------------------- attaching to a backend

class Attachment {
  private workPtr = 0;
  private workBytes = 0;
  constructor(
    readonly be: WasmBackendLike,
    readonly k: GemmExports,
    private readonly malloc: (n: number) => number,
    private readonly free: (p: number) => void,
  ) {}
  /** A 16-byte aligned scratch area of at least `floats` floats (kept and grown). */
  work(floats: number): number {
    const need = floats * 4 + 16;
    if (need > this.workBytes) {
      if (this.workPtr) this.free(this.workPtr);
      const bytes = Math.max(need, this.workBytes * 2, 1 << 16);
      this.workPtr = this.malloc(bytes) >>> 0;
      if (!this.workPtr) throw new Error('own kernels: the wasm heap could not allocate the GEMM scratch area');
      this.workBytes = bytes;
    }
    return (this.workPtr + 15) & ~15;
  }
  offset(t: tf.TensorInfo): number {
    const d = this.be.dataIdMap!.get(t.dataId as object);
    if (!d) throw new Error('own kernels: a tensor is not on the wasm backend');
    return d.memoryOffset >>> 0;
  }
}

let attachments = new WeakMap<object, Attachment | null>();

/** Our kernels are simply not available here (no binaries given to a browser bundle). */
class NotProvided extends Error {}

/**
 * Check the backend's internals and instantiate the GEMM on its memory. Throws, naming what is
 * not as expected; callers turn that into a warning and the stock kernels.
 */
function attach(backend: object): Attachment {
  const t0 = now();
  const WebAssembly = host.WebAssembly;
  if (!WebAssembly) throw new Error('this JavaScript engine has no WebAssembly');
  const be = backend as WasmBackendLike;
  if (tf.version_core !== EXPECTED_TFJS)
    throw new Error(
      `tfjs-core is ${tf.version_core}; these kernels were written for ${EXPECTED_TFJS} (package.json pins it)`,
    );
  const wasm = be.wasm;
  // Unthreaded build: the module's exported memory; threaded build: the shared memory it imports,
  // kept as Module.wasmMemory.
  const memory = wasm?.asm?.memory ?? wasm?.wasmMemory;
  if (!(memory instanceof WebAssembly.Memory))
    throw new Error(
      'the wasm backend exposes no WebAssembly.Memory at backend.wasm.asm.memory or backend.wasm.wasmMemory',
    );
  const sharedBuf = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  // (A shared memory's views are refreshed lazily by tfjs after growth: identity is checked only unshared.)
  if (
    !wasm!.HEAPU8 ||
    (sharedBuf ? !(wasm!.HEAPU8.buffer instanceof SharedArrayBuffer) : wasm!.HEAPU8.buffer !== memory.buffer)
  )
    throw new Error('backend.wasm.HEAPU8 is not a view of the backend memory');
  if (typeof wasm!._malloc !== 'function' || typeof wasm!._free !== 'function')
    throw new Error('backend.wasm has no _malloc/_free');
  if (typeof be.dataIdMap?.get !== 'function' || typeof be.makeOutput !== 'function')
    throw new Error('the wasm backend has no dataIdMap.get / makeOutput');
  const shared = sharedBuf;
  const suffix = shared ? '-shared' : '';
  const relaxedBytes = readBinary(`kernels-relaxed${suffix}.wasm`);
  const simdBytes = readBinary(`kernels-simd${suffix}.wasm`);
  if (!simdBytes) {
    // Browsers and workers cannot read files synchronously: there the host provides the binaries
    // (provideKernelBinaries); without them the stock kernels run, which is not a fault.
    if (!provided && !reader)
      throw new NotProvided(
        'no kernel binaries were provided to this environment (provideKernelBinaries / setKernelBinaryReader)',
      );
    throw new Error(
      `engine/kernels/build/kernels-simd${suffix}.wasm was not found (run \`node scripts/build-kernels.mjs\`)`,
    );
  }
  const useRelaxed = relaxedBytes !== null && WebAssembly.validate(relaxedBytes);
  const mod = new WebAssembly.Module(useRelaxed ? relaxedBytes! : simdBytes);
  const inst = new WebAssembly.Instance(mod, { env: { memory } });
  const k = inst.exports as unknown as GemmExports;
  for (const f of [
    'gemm',
    'workFloats',
    'layerNormForward',
    'layerNormBackward',
    'geluTanhForward',
    'geluTanhBackward',
  ] as const)
    if (typeof k[f] !== 'function') throw new Error(`the kernel module lacks ${f}`);
  const malloc = wasm!._malloc.bind(wasm);
  const free = wasm!._free.bind(wasm);
  const a = new Attachment(be, k, malloc, free);
  selfTest(a, memory);
  status.variant = useRelaxed ? 'relaxed' : 'simd';
  status.sharedMemory = shared;
  status.loadMs = now() - t0;
  return a;
}

/** A few products in every transpose mode, with bias and batches, against float64 sums. */
function selfTest(at: Attachment, memory: WasmMemory): void {
  const cases: [number, number, number, boolean, boolean, number][] = [
    [5, 7, 11, false, false, 1],
    [6, 3, 9, true, false, 2],
    [9, 10, 8, false, true, 2],
    [4, 13, 17, true, true, 1],
  ];
  for (const [M, K, N, tA, tB, batch] of cases) {
    const aN = batch * M * K,
      bN = batch * K * N,
      cN = batch * M * N;
    const ptr = at['malloc']((aN + bN + cN + N) * 4 + 16) >>> 0;
    try {
      const base = (ptr + 15) & ~15;
      const pa = base,
        pb = pa + aN * 4,
        pc = pb + bN * 4,
        pbias = pc + cN * 4;
      let h = new Float32Array(memory.buffer);
      let seed = M * 131 + K * 31 + N;
      const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
      for (let i = 0; i < aN + bN + N; i++) h[pa / 4 + i] = rnd();
      at.k.gemm(
        pa,
        pb,
        pc,
        pbias,
        M,
        K,
        N,
        tA ? 1 : K,
        tA ? M : 1,
        tB ? 1 : N,
        tB ? K : 1,
        batch,
        M * K,
        K * N,
        M * N,
        at.work(at.k.workFloats(K, N)),
      );
      h = new Float32Array(memory.buffer);
      for (let t = 0; t < batch; t++)
        for (let i = 0; i < M; i++)
          for (let j = 0; j < N; j++) {
            let s = h[pbias / 4 + j]!;
            for (let q = 0; q < K; q++)
              s +=
                h[pa / 4 + t * M * K + (tA ? q * M + i : i * K + q)]! *
                h[pb / 4 + t * K * N + (tB ? j * K + q : q * N + j)]!;
            const got = h[pc / 4 + t * M * N + i * N + j]!;
            if (!(Math.abs(got - s) <= 1e-5 * (1 + Math.abs(s))))
              throw new Error(
                `self-test failed (M=${M} K=${K} N=${N} tA=${tA} tB=${tB}): C[${t},${i},${j}] = ${got}, expected ${s}`,
              );
          }
    } finally {
      at['free'](ptr);
    }
  }
}

function attachmentFor(backend: object): Attachment | null {
  let a = attachments.get(backend);
  if (a !== undefined) return a;
  try {
    a = attach(backend);
    status.attached = true;
    status.reason = null;
  } catch (e) {
    a = null;
    status.attached = false;
    status.reason = (e as Error).message;
    if (!(e instanceof NotProvided))
      host.console?.warn(
        `Perceiver Studio: our SIMD kernels are OFF, tfjs' stock kernels are used instead: ${status.reason}`,
      );
  }
  attachments.set(backend, a);
  return a;
}

/**
 * Attach to the current tfjs backend now (it must be wasm) and report the status: a caller that
 * wants to know at start (tests, the bench) rather than at the first matmul.
 */
export function checkOwnKernels(): OwnKernelsStatus {
  if (tf.getBackend() !== 'wasm')
    return { ...status, attached: false, reason: `the backend is ${tf.getBackend()}, not wasm` };
  attachmentFor(tf.backend());
  return ownKernelsStatus();
}

/**
 * Our kernels serve the matmuls of the current backend: registered, the backend is wasm and they
 * attached to it (attaching now if not tried yet). The tuned formulation asks this to choose
 * formulations that only pay off with our GEMM (transpose flags instead of explicit transposes).
 */
export function ownKernelsActive(): boolean {
  if (!status.registered || tf.getBackend() !== 'wasm') return false;
  return attachmentFor(tf.backend()) !== null;
}

// ---------------------------------------------------------------- the kernels

interface MatMulArgs {
  a: tf.TensorInfo;
  b: tf.TensorInfo;
  bias?: tf.TensorInfo;
  transposeA: boolean;
  transposeB: boolean;
}

/** Our GEMM for one (fused) matmul, or null when the case is not covered. */
function ownMatMul(backend: object, { a, b, bias, transposeA, transposeB }: MatMulArgs): tf.TensorInfo | null {
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return null;
  const ra = a.shape.length,
    rb = b.shape.length;
  if (ra < 2 || rb < 2) return null;
  const M = transposeA ? a.shape[ra - 1]! : a.shape[ra - 2]!;
  const K = transposeA ? a.shape[ra - 2]! : a.shape[ra - 1]!;
  const Kb = transposeB ? b.shape[rb - 1]! : b.shape[rb - 2]!;
  const N = transposeB ? b.shape[rb - 2]! : b.shape[rb - 1]!;
  if (K !== Kb || M === 0 || N === 0 || K === 0) return null;
  const outerA = a.shape.slice(0, -2),
    outerB = b.shape.slice(0, -2);
  const batchA = outerA.reduce((x, y) => x * y, 1),
    batchB = outerB.reduce((x, y) => x * y, 1);
  // tfjs' rule (throws as the stock kernel would); we cover "equal" and "one side is 1".
  const outer = tf.broadcast_util.assertAndGetBroadcastShape(outerA, outerB);
  const batch = outer.reduce((x, y) => x * y, 1);
  if ((batchA !== batch && batchA !== 1) || (batchB !== batch && batchB !== 1)) return null;
  if (bias) {
    if (bias.dtype !== 'float32') return null;
    const bs = bias.shape;
    if (
      bs.length < 1 ||
      bs[bs.length - 1] !== N ||
      bs.slice(0, -1).some((d) => d !== 1) ||
      bs.length > outer.length + 2
    )
      return null;
  }
  const at = attachmentFor(backend);
  if (!at) return null;
  const out = at.be.makeOutput([...outer, M, N], 'float32');
  const work = at.work(at.k.workFloats(K, N));
  at.k.gemm(
    at.offset(a),
    at.offset(b),
    at.offset(out),
    bias ? at.offset(bias) : 0,
    M,
    K,
    N,
    transposeA ? 1 : K,
    transposeA ? M : 1,
    transposeB ? 1 : N,
    transposeB ? K : 1,
    batch,
    batchA === 1 ? 0 : M * K,
    batchB === 1 ? 0 : K * N,
    M * N,
    work,
  );
  return out;
}

const stock = new Map<string, tf.KernelConfig>();

function override(name: string, own: (args: Parameters<tf.KernelFunc>[0]) => tf.TensorInfo | null): void {
  const orig = tf.getKernel(name, 'wasm');
  if (!orig) throw new Error(`no stock wasm kernel ${name}`);
  stock.set(name, orig);
  tf.unregisterKernel(name, 'wasm');
  tf.registerKernel({
    kernelName: name,
    backendName: 'wasm',
    // tfjs runs setupFunc when a backend initialises: keep the stock kernel's (our fallback).
    setupFunc: orig.setupFunc,
    disposeFunc: orig.disposeFunc,
    kernelFunc: (args) => {
      const r = own(args);
      if (r) {
        status.ownCalls++;
        return r;
      }
      status.stockCalls++;
      return orig.kernelFunc(args);
    },
  });
}

let allowed = true;
let wanted = false;

/**
 * Allow (default) or forbid our kernels. Forbidding unregisters them at once; allowing registers
 * them again if the tuned formulation asked for them.
 */
export function setOwnKernelsAllowed(on: boolean): void {
  allowed = on;
  apply();
}
export function ownKernelsAllowed(): boolean {
  return allowed;
}

/** Called by setFormulation: on with 'tuned', off with 'stock'. */
export function useOwnKernels(on: boolean): void {
  wanted = on;
  apply();
}

function apply(): void {
  const on = wanted && allowed;
  if (on === status.registered) return;
  if (on) {
    if (!tf.getKernel('BatchMatMul', 'wasm') || !tf.getKernel('_FusedMatMul', 'wasm')) {
      status.reason = 'the wasm backend is not loaded in this process';
      return;
    }
    override('BatchMatMul', ({ inputs, backend, attrs }) => {
      const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
      return ownMatMul(backend as object, { a, b, transposeA: !!transposeA, transposeB: !!transposeB });
    });
    override('_FusedMatMul', ({ inputs, backend, attrs }) => {
      const { a, b, bias, preluActivationWeights } = inputs as {
        a: tf.TensorInfo;
        b: tf.TensorInfo;
        bias?: tf.TensorInfo;
        preluActivationWeights?: tf.TensorInfo;
      };
      const { transposeA, transposeB, activation } = attrs as unknown as {
        transposeA: boolean;
        transposeB: boolean;
        activation?: string;
      };
      if (preluActivationWeights || (activation && activation !== 'linear')) return null;
      return ownMatMul(backend as object, { a, b, bias, transposeA: !!transposeA, transposeB: !!transposeB });
    });
    status.registered = true;
    if (!status.attached) status.reason = null;
  } else {
    for (const [name, cfg] of stock) {
      tf.unregisterKernel(name, 'wasm');
      tf.registerKernel(cfg);
    }
    stock.clear();
    status.registered = false;
    status.reason = allowed ? 'the stock formulation is active' : 'switched off (setOwnKernelsAllowed(false))';
  }
}

/**
 * Run the internals check and self-test against a backend object without keeping the result:
 * null when our kernels can attach to it, else the reason (tests; the bench's report).
 */
export function checkBackendInternals(backend: object): string | null {
  try {
    attach(backend);
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

// ---------------------------------------------------------------- fused LayerNorm

const LN = 'PerceiverLayerNorm';
const LN_GRAD = 'PerceiverLayerNormGrad';

function attached(backend: object): Attachment {
  const at = attachmentFor(backend);
  if (!at) throw new Error(`${LN}: our kernels are not attached (${status.reason}); use the tfjs formulation`);
  return at;
}

/** x [R, D], gamma, beta [D] → y [R, D], xhat [R, D], invStd [R]. */
tf.registerKernel({
  kernelName: LN,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { x, gamma, beta } = inputs as { x: tf.TensorInfo; gamma: tf.TensorInfo; beta: tf.TensorInfo };
    const [R, D] = x.shape as [number, number];
    const at = attached(backend as object);
    const y = at.be.makeOutput([R, D], 'float32');
    const xhat = at.be.makeOutput([R, D], 'float32');
    const inv = at.be.makeOutput([R, 1], 'float32');
    at.k.layerNormForward(
      at.offset(x),
      at.offset(gamma),
      at.offset(beta),
      at.offset(y),
      at.offset(xhat),
      at.offset(inv),
      R,
      D,
      (attrs as { eps: number }).eps,
    );
    status.ownCalls++;
    return [y, xhat, inv];
  },
});

/** dy, xhat [R, D], invStd [R, 1], gamma [D] → dx [R, D], dgamma [D], dbeta [D]. */
tf.registerKernel({
  kernelName: LN_GRAD,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend }) => {
    const { dy, xhat, inv, gamma } = inputs as {
      dy: tf.TensorInfo;
      xhat: tf.TensorInfo;
      inv: tf.TensorInfo;
      gamma: tf.TensorInfo;
    };
    const [R, D] = dy.shape as [number, number];
    const at = attached(backend as object);
    const dx = at.be.makeOutput([R, D], 'float32');
    const dg = at.be.makeOutput([D], 'float32');
    const db = at.be.makeOutput([D], 'float32');
    at.k.layerNormBackward(
      at.offset(dy),
      at.offset(xhat),
      at.offset(inv),
      at.offset(gamma),
      at.offset(dx),
      at.offset(dg),
      at.offset(db),
      R,
      D,
    );
    status.ownCalls++;
    return [dx, dg, db];
  },
});

/**
 * LayerNorm forward over rows of a float32 [R, D] tensor with our kernel (only while
 * ownKernelsActive()): [y, xhat, invStd [R, 1]]. Used inside the tuned formulation's custom
 * gradient, which supplies the backward (layerNormBackwardOwn).
 */
export function layerNormForwardOwn(
  x: tf.Tensor2D,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  eps: number,
): [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D] {
  return tf.engine().runKernel(LN, { x, gamma, beta }, { eps } as unknown as tf.NamedAttrMap) as unknown as [
    tf.Tensor2D,
    tf.Tensor2D,
    tf.Tensor2D,
  ];
}
/** [dx [R, D], dgamma [D], dbeta [D]] for layerNormForwardOwn's outputs. */
export function layerNormBackwardOwn(
  dy: tf.Tensor2D,
  xhat: tf.Tensor2D,
  inv: tf.Tensor2D,
  gamma: tf.Tensor,
): [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D] {
  return tf.engine().runKernel(LN_GRAD, { dy, xhat, inv, gamma }, {}) as unknown as [
    tf.Tensor2D,
    tf.Tensor1D,
    tf.Tensor1D,
  ];
}

// ---------------------------------------------------------------- fused tanh-GELU

const GELU = 'PerceiverGeluTanh';
const GELU_GRAD = 'PerceiverGeluTanhGrad';

/** x → y = x·σ(2u), s = σ(2u) (same shape). */
tf.registerKernel({
  kernelName: GELU,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend }) => {
    const { x } = inputs as { x: tf.TensorInfo };
    const at = attached(backend as object);
    const y = at.be.makeOutput(x.shape.slice(), 'float32');
    const s = at.be.makeOutput(x.shape.slice(), 'float32');
    at.k.geluTanhForward(
      at.offset(x),
      at.offset(y),
      at.offset(s),
      x.shape.reduce((a, b) => a * b, 1),
    );
    status.ownCalls++;
    return [y, s];
  },
});

/** dy, x, s → dx. */
tf.registerKernel({
  kernelName: GELU_GRAD,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend }) => {
    const { dy, x, s } = inputs as { dy: tf.TensorInfo; x: tf.TensorInfo; s: tf.TensorInfo };
    const at = attached(backend as object);
    const dx = at.be.makeOutput(x.shape.slice(), 'float32');
    at.k.geluTanhBackward(
      at.offset(dy),
      at.offset(x),
      at.offset(s),
      at.offset(dx),
      x.shape.reduce((a, b) => a * b, 1),
    );
    status.ownCalls++;
    return dx;
  },
});

/** tanh-GELU forward with our kernel (only while ownKernelsActive()): [y, s = σ(2u)]. */
export function geluTanhForwardOwn(x: tf.Tensor): [tf.Tensor, tf.Tensor] {
  return tf.engine().runKernel(GELU, { x }, {}) as unknown as [tf.Tensor, tf.Tensor];
}
/** Its backward: dy·(s + x·s(1 − s)·u'). */
export function geluTanhBackwardOwn(dy: tf.Tensor, x: tf.Tensor, s: tf.Tensor): tf.Tensor {
  return tf.engine().runKernel(GELU_GRAD, { dy, x, s }, {}) as unknown as tf.Tensor;
}
