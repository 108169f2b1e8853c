/**
 * The benchmarked architecture: the default template (`templates/mnist-perceiver-io.json`),
 * optionally with a larger image so the input has more tokens (scaling runs). Every
 * implementation in bench/ (compiled, hand-written, stock, PyTorch) is built from this one
 * description, so they cannot drift apart silently.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadGraphDoc } from '../../engine/graph/load.js';
import type { GraphDoc } from '../../engine/graph/schema.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface Arch {
  imageSize: number;
  channels: number;
  patch: number;
  bands: number;
  latents: number;
  latentChannels: number;
  selfLayers: number;
  selfBlocks: number;
  selfHeads: number;
  queryChannels: number;
  classes: number;
  batch: number;
}

export function templateDoc(): GraphDoc {
  return loadGraphDoc(readFileSync(join(ROOT, 'templates/mnist-perceiver-io.json'), 'utf8'));
}

/** The template's architecture, read from its nodes (not restated by hand). */
export function templateArch(doc: GraphDoc = templateDoc()): Arch {
  const p = (id: string) => doc.nodes.find((n) => n.id === id)!.params as Record<string, number>;
  return {
    imageSize: p('image').height!,
    channels: p('image').channels ?? 1,
    patch: p('patches').spatialDownsample ?? 4,
    bands: p('fourier').numBands ?? 6,
    latents: p('latents').numLatents!,
    latentChannels: p('latents').channels!,
    selfLayers: p('stack').layersPerBlock!,
    selfBlocks: p('stack').blocks!,
    selfHeads: p('stack').heads!,
    queryChannels: p('query').channels!,
    classes: p('head').numClasses!,
    batch: doc.training.batchSize,
  };
}

/** The template with a square image of `size` pixels (tokens M = (size / patch)²). */
export function docWithImage(size: number, doc: GraphDoc = templateDoc()): GraphDoc {
  return {
    ...doc,
    nodes: doc.nodes.map((n) => (n.id === 'image' ? { ...n, params: { ...n.params, height: size, width: size } } : n)),
  };
}

export function tokens(a: Arch): number {
  return (a.imageSize / a.patch) ** 2;
}
/** Token channels after patching and Fourier features (2-D: 2 positions + 2·2·K sin/cos). */
export function tokenChannels(a: Arch): number {
  return a.patch * a.patch * a.channels + 2 + 4 * a.bands;
}
