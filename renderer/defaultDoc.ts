/** The default template, bundled so the app opens on it with no host round trip. */
import templateText from '../templates/mnist-perceiver-io.json?raw';
import { loadGraphDoc } from '../engine/graph/load';
import type { GraphDoc } from '../engine/graph/schema';

export const DEFAULT_TEMPLATE_NAME = 'mnist-perceiver-io.json';

export function createTemplateDoc(): GraphDoc {
  return loadGraphDoc(templateText, 'The default template');
}
