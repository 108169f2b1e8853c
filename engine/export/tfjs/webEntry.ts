/**
 * Entry of perceiver-layers.js, the module a tfjs export ships (scripts/build-web-layers.mjs
 * bundles it with every `@tensorflow/tfjs` import pointed at the tfjs a page passes to
 * registerPerceiverLayers(tf), and wraps it in that function): the engine's custom layers, which
 * engine/layers/index.ts defines and registers on import.
 */
export { LAYER_CLASS_NAMES } from '../../layers/index.js';
export * from '../../layers/index.js';
