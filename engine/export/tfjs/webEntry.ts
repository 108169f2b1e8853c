/**
 * Entry of the browser bundle shipped with a tfjs export (perceiver-layers.js): tfjs itself and
 * the engine's custom layers (engine/layers/index.ts registers every one on import), so a page
 * can tf.loadLayersModel() an exported model.
 */
export * as tf from '@tensorflow/tfjs';
export * from '../../layers/index.js';
