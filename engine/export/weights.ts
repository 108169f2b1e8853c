/**
 * Weights between the app (tfjs names, Linear kernels [in, out]) and PyTorch (state-dict names,
 * Linear weights [out, in]). Plain arrays only, so Node, the renderer and tests share it.
 *
 * Naming rule inside a layer (matches perceiver_layers.py):
 *   <x>_kernel → <x>.weight (transposed)   <x>_bias → <x>.bias
 *   <x>_gamma  → <x>.weight                <x>_beta → <x>.bias
 *   kernel     → linear.weight (transposed) bias → linear.bias    array → array
 * and the layer itself maps to a module path given by the node's emitter.
 */
import {
  decodeTensor,
  parseSafetensorsHeader,
  SafetensorsError,
  writeSafetensors,
  type HfTensor,
} from '../hf/safetensors.js';
import type { WeightModule } from './pytorch/emitters.js';

export interface NamedArray {
  shape: number[];
  data: Float32Array;
}
export type NamedArrays = Map<string, NamedArray>;

export class WeightsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WeightsError';
  }
}

/** Map one weight name inside a layer; `transpose` for Linear / conv kernels (layout by rank). */
export function torchLocalName(
  weight: string,
  rename?: Readonly<Record<string, string>>,
): { name: string; transpose: boolean } {
  const kernel = weight === 'kernel' || weight.endsWith('_kernel');
  if (rename && weight in rename) return { name: rename[weight]!, transpose: kernel };
  if (weight === 'kernel') return { name: 'linear.weight', transpose: true };
  if (weight === 'bias') return { name: 'linear.bias', transpose: false };
  const m = /^(.+)_(kernel|bias|gamma|beta)$/.exec(weight);
  // Anything else is a plain parameter of the same name (array, embedding, positions, padding_0 …).
  if (!m) return { name: weight, transpose: false };
  const [, mod, what] = m;
  return { name: `${mod}.${what === 'kernel' || what === 'gamma' ? 'weight' : 'bias'}`, transpose: what === 'kernel' };
}

export interface WeightNameMap {
  /** tfjs name ("encoder/q_kernel") → torch name ("encoder.q.weight") and whether to transpose. */
  toTorch(tfjsName: string): { name: string; transpose: boolean };
}

export function weightNameMap(modules: readonly WeightModule[]): WeightNameMap {
  const byLayer = new Map(modules.map((m) => [m.tfLayer, m]));
  return {
    toTorch(tfjsName) {
      const slash = tfjsName.lastIndexOf('/');
      const layer = slash > 0 ? tfjsName.slice(0, slash) : '';
      const mod = byLayer.get(layer);
      if (mod === undefined) {
        throw new WeightsError(
          `The weight "${tfjsName}" belongs to no layer of this graph (known layers: ${[...byLayer.keys()].slice(0, 8).join(', ')}…); were the weights trained on another template?`,
        );
      }
      const local = torchLocalName(tfjsName.slice(slash + 1), mod.rename);
      return { name: `${mod.torchPath}.${local.name}`, transpose: local.transpose };
    },
  };
}

/** The PyTorch bookkeeping tensors the app has no counterpart for. */
export const TORCH_ONLY = /(^|\.)num_batches_tracked$/;

/** Transpose a 2-D row-major array. */
export function transpose2d(a: NamedArray): NamedArray {
  if (a.shape.length !== 2) throw new WeightsError(`expected a 2-D kernel, got shape [${a.shape.join(', ')}]`);
  const [r, c] = a.shape as [number, number];
  const out = new Float32Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = a.data[i * c + j]!;
  return { shape: [c, r], data: out };
}

/** Permute the axes of a row-major array: out.shape[i] = a.shape[perm[i]]. */
export function permute(a: NamedArray, perm: readonly number[]): NamedArray {
  const shape = perm.map((p) => a.shape[p]!);
  const inStrides = a.shape.map((_, i) => a.shape.slice(i + 1).reduce((x, y) => x * y, 1));
  const out = new Float32Array(a.data.length);
  const idx = new Array<number>(shape.length).fill(0);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let i = 0; i < shape.length; i++) src += idx[i]! * inStrides[perm[i]!]!;
    out[o] = a.data[src]!;
    for (let i = shape.length - 1; i >= 0; i--) {
      if (++idx[i]! < shape[i]!) break;
      idx[i] = 0;
    }
  }
  return { shape, data: out };
}

/** tfjs kernel → PyTorch layout: Linear [in,out] → [out,in]; conv [kh,kw,in,out] → [out,in,kh,kw]. */
export function kernelToTorch(a: NamedArray): NamedArray {
  if (a.shape.length === 4) return permute(a, [3, 2, 0, 1]);
  return transpose2d(a);
}
/** The inverse of kernelToTorch. */
export function kernelFromTorch(a: NamedArray): NamedArray {
  if (a.shape.length === 4) return permute(a, [2, 3, 1, 0]);
  return transpose2d(a);
}

/** tfjs-named arrays → a PyTorch state dict (names + layouts). */
export function tfjsToTorch(arrays: NamedArrays, map: WeightNameMap): NamedArrays {
  const out: NamedArrays = new Map();
  for (const [name, a] of arrays) {
    const t = map.toTorch(name);
    if (out.has(t.name)) throw new WeightsError(`Two tfjs weights map to the PyTorch name "${t.name}"`);
    out.set(t.name, t.transpose ? kernelToTorch(a) : a);
  }
  return out;
}

/**
 * A PyTorch state dict → arrays for the given tfjs weights (name + expected shape), checking
 * that every weight is present with the right shape and nothing is left over.
 */
export function torchToTfjs(
  state: NamedArrays,
  expected: readonly { name: string; shape: readonly number[] }[],
  map: WeightNameMap,
  source = 'the checkpoint',
): NamedArrays {
  const out: NamedArrays = new Map();
  const used = new Set<string>();
  for (const w of expected) {
    const t = map.toTorch(w.name);
    const a = state.get(t.name);
    if (!a)
      throw new WeightsError(
        `${source} has no tensor "${t.name}" (the app's ${w.name}); it was not trained from this template`,
      );
    const v = t.transpose ? kernelFromTorch(a) : a;
    if (v.shape.join('x') !== w.shape.join('x')) {
      throw new WeightsError(
        `${source}: "${t.name}" has shape [${a.shape.join(', ')}] but this template needs the app's [${w.shape.join(', ')}] (PyTorch layout${t.transpose ? ', transposed' : ''})`,
      );
    }
    out.set(w.name, v);
    used.add(t.name);
  }
  const extra = [...state.keys()].filter((k) => !used.has(k) && !TORCH_ONLY.test(k));
  if (extra.length)
    throw new WeightsError(
      `${source} has tensors this template does not use: ${extra.slice(0, 5).join(', ')}${extra.length > 5 ? ' …' : ''}`,
    );
  return out;
}

// ---------------------------------------------------------------------------------------------
// safetensors (https://huggingface.co/docs/safetensors): u64 header length, JSON header, raw
// little-endian data. The interchange format with PyTorch: simple enough to read and write here.

export function encodeSafetensors(arrays: NamedArrays, metadata: Record<string, string> = {}): Uint8Array {
  const tensors = new Map<string, HfTensor>();
  for (const [name, a] of arrays) tensors.set(name, { dtype: 'F32', shape: a.shape, data: a.data });
  try {
    return writeSafetensors(tensors, metadata);
  } catch (err) {
    throw err instanceof SafetensorsError ? new WeightsError(err.message) : err;
  }
}

/**
 * Read float weights (F32, or F16/BF16 widened: the app trains in float32) with every
 * structural check of the Hugging Face reader (engine/hf/safetensors.ts) done first.
 */
export function decodeSafetensors(
  buf: Uint8Array,
  what = 'safetensors file',
): { arrays: NamedArrays; metadata: Record<string, string> } {
  try {
    const { entries, metadata } = parseSafetensorsHeader(buf, buf.length, what);
    const arrays: NamedArrays = new Map();
    for (const e of entries) {
      if (e.dtype === 'I64')
        throw new WeightsError(
          `${what}: tensor "${e.key}" has dtype ${e.dtype}; only F32, F16 and BF16 weights can be imported`,
        );
      arrays.set(e.key, { shape: e.shape, data: decodeTensor(e, buf).data as Float32Array });
    }
    return { arrays, metadata };
  } catch (err) {
    if (!(err instanceof SafetensorsError)) throw err;
    // The reader's messages start with the file's name: "<what>: the header …".
    const detail = err.message.startsWith(`${what}: `) ? err.message.slice(what.length + 2) : err.message;
    throw new WeightsError(
      detail === err.message ? detail : `${what} is not a safetensors file this app can read: ${detail}`,
    );
  }
}
