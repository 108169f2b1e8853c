/**
 * Miniatures of the large reference templates for tests: the same wiring with small sizes, so
 * they compile and run in a test (engine/compile/templates.test.ts checks counts and outputs,
 * engine/export/pytorchParity.test.ts checks PyTorch parity). Keyed by template file name; each
 * entry patches node params by node id.
 */
import type { GraphDoc } from '../graph/schema.js';

export function shrink(doc: GraphDoc, patches: Record<string, Record<string, unknown>>): GraphDoc {
  const d = JSON.parse(JSON.stringify(doc)) as GraphDoc;
  for (const n of d.nodes) if (patches[n.id]) n.params = { ...n.params, ...patches[n.id] };
  return d;
}

export const MINIATURES: Record<string, Record<string, Record<string, unknown>>> = {
  'perceiver-imagenet.json': {
    image: { height: 8, width: 8 },
    fourier: { numBands: 2 },
    latents: { numLatents: 4, channels: 16 },
    perceiver: { depth: 3, selfPerCross: 2, selfHeads: 2 },
    head: { numClasses: 5 },
  },
  'perceiver-io-imagenet-fourier.json': {
    image: { height: 8, width: 8 },
    fourier: { numBands: 2 },
    latents: { numLatents: 4, channels: 16 },
    stack: { layersPerBlock: 2, blocks: 2, heads: 2 },
    query: { channels: 16 },
    head: { numClasses: 5 },
  },
  'perceiver-io-imagenet-conv.json': {
    image: { height: 16, width: 16 },
    conv: { numChannels: 8 },
    fourier: { numBands: 2 },
    latents: { numLatents: 4, channels: 16 },
    stack: { layersPerBlock: 1, blocks: 2, heads: 2 },
    query: { channels: 16 },
    head: { numClasses: 5 },
  },
  'perceiver-io-imagenet-learned.json': {
    image: { height: 8, width: 8 },
    conv: { numChannels: 8 },
    positions: { numChannels: 8, projectPosDim: 8 },
    latents: { numLatents: 4, channels: 16 },
    stack: { layersPerBlock: 1, blocks: 2, heads: 2 },
    query: { channels: 16 },
    head: { numClasses: 5 },
  },
  'perceiver-io-mlm.json': {
    text: { maxLength: 16, channels: 8 },
    latents: { numLatents: 4, channels: 16 },
    encoder: { heads: 2, qkChannels: 8, vChannels: 16 },
    stack: { layersPerBlock: 2, heads: 2, qkChannels: 8, vChannels: 16 },
    query: { numQueries: 16, channels: 8 },
    decoder: { heads: 2, qkChannels: 8, vChannels: 8 },
  },
  'perceiver-io-optical-flow.json': {
    frames: { height: 6, width: 8 },
    patches: { linearChannels: 8 },
    fourier: { numBands: 2 },
    latents: { numLatents: 4, channels: 16 },
    stack: { layersPerBlock: 2, heads: 4 },
    decoder: { qkChannels: 16, vChannels: 16, chunkSize: 20 },
    flow: { height: 6, width: 8 },
  },
  'perceiver-io-multimodal-autoencoder.json': {
    video: { height: 8, width: 8, frames: 2 },
    videoFourier: { numBands: 2 },
    audio: { samples: 64 },
    audioFourier: { numBands: 3 },
    label: { numClasses: 5 },
    latents: { numLatents: 4, channels: 16 },
    stack: { layersPerBlock: 1, heads: 2 },
    imageQuery: { indexDims: [2, 8, 8], numBands: 2, numChunks: 2, chunk: 1 },
    audioQuery: { indexDims: [4], numBands: 3, maxResolution: [64] },
    labelQuery: { channels: 12 },
    decoder: { outputChannels: 16, chunkSize: 7 },
    split: { sizes: [4, 64, 1] },
    labelOut: { numClasses: 5 },
  },
};
