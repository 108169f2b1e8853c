/**
 * Entry of the browser bundle shipped with a tfjs export (perceiver-layers.js): tfjs itself and
 * the engine's custom layers, registered for tf.loadLayersModel on import.
 */
export * as tf from '@tensorflow/tfjs';
export * from '../../layers/perceiverLayers.js';
