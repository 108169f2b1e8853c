// The kernel module's entry (scripts/build-kernels.mjs compiles this file only).
export { gemm, workFloats, relaxed } from './gemm';
export { layerNormForward, layerNormBackward } from './layernorm';
export { geluTanhForward, geluTanhBackward } from './gelu';
