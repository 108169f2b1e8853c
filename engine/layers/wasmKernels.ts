/**
 * Kernels for tfjs' wasm backend that avoid its slow paths (measured in bench/README.md).
 *
 * 1. Split along the last axis. On wasm, tf.split runs one Slice per piece and each Slice first
 *    copies its WHOLE input off the heap (`readSync`): splitting the optimizer's 96k-value vector
 *    into 72 variables took ~16 ms, the fused q/k/v output [1024, 192] into three ~0.5 ms. This
 *    kernel allocates the outputs and copies each piece once, heap to heap. Other backends use
 *    tf.split (cpu reads without copying; webgl slices on the GPU). Gradient: the pieces'
 *    gradients concatenated back (as tf.split's).
 * 2. A zero-copy Identity (`useZeroCopyIdentity`). tfjs clones every tensor a gradient saves
 *    (customGrad's save() and autodiff's saved inputs) through the Identity kernel, which on wasm
 *    copies the data: ~260 copies per training step of the default template. tfjs tensors are
 *    immutable and the wasm backend reference-counts its buffers (Reshape already shares them),
 *    so sharing the buffer is indistinguishable from copying it; it saved ~4% of a step.
 *    It replaces a registered tfjs kernel for the whole process, so it is switched on only with
 *    the 'tuned' formulation (ops.ts setFormulation, i.e. the engine on wasm) and can be undone.
 */
import * as tf from '@tensorflow/tfjs';

const KERNEL = 'PerceiverSplitLastAxis';

/** The parts of tfjs' wasm backend these kernels use (public methods of BackendWasm). */
interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
  incRef(dataId: object): void;
}

interface SplitAttrs {
  sizes: number[];
  /** Optional shapes for the outputs (same element counts), e.g. the variables' shapes. */
  shapes: number[][] | null;
  /** x's shape without its last axis. */
  lead: number[];
}

tf.registerKernel({
  kernelName: KERNEL,
  backendName: 'wasm',
  kernelFunc: ({ inputs, attrs, backend }) => {
    const x = (inputs as { x: tf.TensorInfo }).x;
    const { sizes, shapes, lead } = attrs as unknown as SplitAttrs;
    const be = backend as unknown as WasmBackendLike;
    const width = x.shape[x.shape.length - 1]!;
    const rows = lead.reduce((a, b) => a * b, 1);
    // Allocate every output before taking heap views: an allocation can grow (and move) the heap.
    const outs = sizes.map((w, k) => be.makeOutput(shapes?.[k] ?? [...lead, w], x.dtype));
    const src = be.typedArrayFromHeap(x);
    // Row pieces are moved with copyWithin on one view of the whole heap (a native memmove per
    // row; ~10× faster than an element loop, and no subarray objects).
    const heap = new Float32Array(src.buffer);
    const s0 = src.byteOffset / 4;
    let off = 0;
    sizes.forEach((w, k) => {
      const d0 = be.typedArrayFromHeap(outs[k]!).byteOffset / 4;
      for (let r = 0; r < rows; r++) heap.copyWithin(d0 + r * w, s0 + r * width + off, s0 + r * width + off + w);
      off += w;
    });
    return outs;
  },
});

tf.registerGradient({
  kernelName: KERNEL,
  gradFunc: (dy: tf.Tensor | tf.Tensor[], _saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
    const { sizes, lead } = attrs as unknown as SplitAttrs;
    const dys = Array.isArray(dy) ? dy : [dy];
    return {
      x: () =>
        tf.concat(
          dys.map((d, k) => tf.reshape(d, [...lead, sizes[k]!])),
          -1,
        ),
    };
  },
});

/**
 * x split along its last axis into pieces of the given widths; `shapes` (optional) reshapes
 * each piece (same number of elements), saving a reshape per piece.
 */
export function splitLastAxis(x: tf.Tensor, sizes: number[], shapes?: number[][]): tf.Tensor[] {
  const width = x.shape[x.rank - 1]!;
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total !== width)
    throw new Error(`splitLastAxis: widths ${sizes.join('+')} = ${total} do not add up to the last axis (${width})`);
  if (tf.getBackend() === 'wasm' && x.dtype === 'float32') {
    const out = tf.engine().runKernel(KERNEL, { x }, {
      sizes,
      shapes: shapes ?? null,
      lead: x.shape.slice(0, -1),
    } as unknown as tf.NamedAttrMap);
    return Array.isArray(out) ? (out as tf.Tensor[]) : [out as tf.Tensor];
  }
  const pieces = tf.split(x, sizes, -1);
  return shapes ? pieces.map((p, k) => tf.reshape(p, shapes[k]!)) : pieces;
}

/** tfjs' own wasm Identity while the zero-copy one is registered. */
let stockIdentity: tf.KernelConfig | null = null;

/** Register (true) or remove (false) the zero-copy wasm Identity; a no-op when already so. */
export function useZeroCopyIdentity(on: boolean): void {
  if (on === (stockIdentity !== null)) return;
  if (on) {
    const stock = tf.getKernel('Identity', 'wasm');
    if (!stock) return; // the wasm backend is not loaded in this process
    stockIdentity = stock;
    tf.unregisterKernel('Identity', 'wasm');
    tf.registerKernel({
      kernelName: 'Identity',
      backendName: 'wasm',
      kernelFunc: (args) => {
        const x = (args.inputs as { x: tf.TensorInfo }).x;
        if (x.dtype === 'string') return stock.kernelFunc(args);
        (args.backend as unknown as WasmBackendLike).incRef(x.dataId as object);
        return { dataId: x.dataId, shape: x.shape.slice(), dtype: x.dtype };
      },
    });
  } else {
    tf.unregisterKernel('Identity', 'wasm');
    tf.registerKernel(stockIdentity!);
    stockIdentity = null;
  }
}

export function zeroCopyIdentityActive(): boolean {
  return stockIdentity !== null;
}
