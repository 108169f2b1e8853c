/**
 * The engine's tfjs layers on their own: importing this module registers every Perceiver custom
 * layer with tfjs' serialization registry, so a web page can `tf.loadLayersModel()` a model
 * exported by Perceiver Studio without the rest of the engine.
 *
 *   import '@perceiver-studio/engine/layers';   // or a relative path / bundled copy
 *   const model = await tf.loadLayersModel('model.json');
 */
import { PERCEIVER_LAYER_CLASSES } from './perceiverLayers.js';
import { IO_LAYER_CLASSES } from './ioLayers.js';
import { HEAD_LAYER_CLASSES } from './headLayers.js';
import { SENSOR_LAYER_CLASSES } from './sensorLayers.js';

export * from './perceiverLayers.js';
export * from './ioLayers.js';
export * from './headLayers.js';
export * from './sensorLayers.js';
export { setFormulation, getFormulation, formulationFor } from './ops.js';

/** tfjs class names of every custom layer (what a saved model.json refers to). */
export const LAYER_CLASS_NAMES: readonly string[] = [
  ...PERCEIVER_LAYER_CLASSES,
  ...IO_LAYER_CLASSES,
  ...HEAD_LAYER_CLASSES,
  ...SENSOR_LAYER_CLASSES,
].map((c) => c.className);
