/**
 * A tiny Perceiver IO GraphDoc for training tests: 4×4 grey images, 4 patch tokens, 2 latents
 * of 8 channels. Small enough that 20 epochs run in seconds on wasm or cpu.
 */
import { graphDocSchema, type GraphDoc } from '../graph/schema.js';
import { validateDoc } from '../graph/load.js';

export interface TinyPerceiverOptions {
  height?: number;
  width?: number;
  classes?: number;
  numLatents?: number;
  encoderHeads?: number;
  /** The latent stack's params; null leaves the stack out (encoder straight into the decoder). */
  stack?: Record<string, unknown> | null;
  decoderResidual?: boolean;
  training?: Record<string, unknown>;
}

export function tinyPerceiverDoc(opts: TinyPerceiverOptions = {}): GraphDoc {
  const e = (id: string, s: string, t: string, port: string) => ({
    id,
    source: { node: s, port: 'out' },
    target: { node: t, port },
  });
  const stack = opts.stack === undefined ? { layersPerBlock: 1, blocks: 1, heads: 1 } : opts.stack;
  return graphDocSchema.parse({
    schemaVersion: 1,
    name: 'tiny perceiver',
    nodes: [
      { id: 'image', kind: 'ImageInput', params: { height: opts.height ?? 4, width: opts.width ?? 4, channels: 1 } },
      { id: 'patches', kind: 'ImagePatches', params: { spatialDownsample: 2 } },
      { id: 'fourier', kind: 'FourierPosition', params: { numBands: 1 } },
      { id: 'latents', kind: 'LatentArray', params: { numLatents: opts.numLatents ?? 2, channels: 8 } },
      { id: 'encoder', kind: 'CrossAttention', params: { heads: opts.encoderHeads ?? 1 } },
      ...(stack ? [{ id: 'stack', kind: 'LatentStack', params: stack }] : []),
      { id: 'query', kind: 'TrainableQuery', params: { numQueries: 1, channels: 8 } },
      {
        id: 'decoder',
        kind: 'DecoderCrossAttention',
        params: { heads: 1, useQueryResidual: opts.decoderResidual ?? true },
      },
      { id: 'head', kind: 'ClassificationHead', params: { numClasses: opts.classes ?? 2 } },
    ],
    edges: [
      e('e1', 'image', 'patches', 'in'),
      e('e2', 'patches', 'fourier', 'in'),
      e('e3', 'latents', 'encoder', 'q'),
      e('e4', 'fourier', 'encoder', 'kv'),
      ...(stack ? [e('e5', 'encoder', 'stack', 'in')] : []),
      e('e6', 'query', 'decoder', 'q'),
      stack ? e('e7', 'stack', 'decoder', 'kv') : e('e7', 'encoder', 'decoder', 'kv'),
      e('e8', 'decoder', 'head', 'in'),
    ],
    training: { optimizer: 'adam', learningRate: 0.01, batchSize: 8, epochs: 2, seed: 3, ...opts.training },
  });
}

const wire = (id: string, s: string, sp: string, t: string, tp: string) => ({
  id,
  source: { node: s, port: sp },
  target: { node: t, port: tp },
});

/**
 * bytes-mlm-tiny shrunk further: `seqLen` byte ids embedded to 16 channels, 4 latents, one
 * latent layer, `seqLen` trainable output queries and logits tied to the embedding.
 */
export function tinyMlmDoc(
  opts: { seqLen?: number; vocabSize?: number; numQueries?: number; training?: Record<string, unknown> } = {},
): GraphDoc {
  const L = opts.seqLen ?? 16;
  return graphDocSchema.parse({
    schemaVersion: 1,
    name: 'tiny mlm',
    nodes: [
      { id: 'text', kind: 'TextBytes', params: { maxLength: L, channels: 16, vocabSize: opts.vocabSize ?? 262 } },
      { id: 'latents', kind: 'LatentArray', params: { numLatents: 4, channels: 16 } },
      { id: 'encoder', kind: 'CrossAttention', params: { heads: 1 } },
      { id: 'stack', kind: 'LatentStack', params: { layersPerBlock: 1, blocks: 1, heads: 1 } },
      { id: 'query', kind: 'TrainableQuery', params: { numQueries: opts.numQueries ?? L, channels: 16 } },
      { id: 'decoder', kind: 'DecoderCrossAttention', params: { heads: 1, useQueryResidual: false } },
      { id: 'head', kind: 'TiedEmbeddingDecoder', params: {} },
    ],
    edges: [
      wire('e1', 'latents', 'out', 'encoder', 'q'),
      wire('e2', 'text', 'out', 'encoder', 'kv'),
      wire('e3', 'text', 'mask', 'encoder', 'mask'),
      wire('e4', 'encoder', 'out', 'stack', 'in'),
      wire('e5', 'query', 'out', 'decoder', 'q'),
      wire('e6', 'stack', 'out', 'decoder', 'kv'),
      wire('e8', 'decoder', 'out', 'head', 'in'),
      wire('e9', 'text', 'embedding', 'head', 'embedding'),
    ],
    training: { optimizer: 'adam', learningRate: 0.01, batchSize: 8, epochs: 2, seed: 3, ...opts.training },
    data: { source: 'text' },
  });
}

/**
 * A table row → `outputs` × `channels` real values: columns as tokens, 4 latents, one latent
 * layer, `outputs` trainable queries and a per-position projection (MSE).
 */
export function tinyRegressionDoc(
  opts: { columns?: number; outputs?: number; channels?: number; training?: Record<string, unknown> } = {},
): GraphDoc {
  return graphDocSchema.parse({
    schemaVersion: 1,
    name: 'tiny regression',
    nodes: [
      { id: 'table', kind: 'TabularInput', params: { numColumns: opts.columns ?? 3, channels: 8 } },
      { id: 'latents', kind: 'LatentArray', params: { numLatents: 4, channels: 8 } },
      { id: 'encoder', kind: 'CrossAttention', params: { heads: 1 } },
      { id: 'stack', kind: 'LatentStack', params: { layersPerBlock: 1, blocks: 1, heads: 1 } },
      { id: 'query', kind: 'TrainableQuery', params: { numQueries: opts.outputs ?? 1, channels: 8 } },
      { id: 'decoder', kind: 'DecoderCrossAttention', params: { heads: 1, useQueryResidual: true } },
      { id: 'head', kind: 'PerPositionProjection', params: { outputChannels: opts.channels ?? 1 } },
    ],
    edges: [
      wire('e1', 'latents', 'out', 'encoder', 'q'),
      wire('e2', 'table', 'out', 'encoder', 'kv'),
      wire('e4', 'encoder', 'out', 'stack', 'in'),
      wire('e5', 'query', 'out', 'decoder', 'q'),
      wire('e6', 'stack', 'out', 'decoder', 'kv'),
      wire('e8', 'decoder', 'out', 'head', 'in'),
    ],
    training: { optimizer: 'adam', learningRate: 0.01, batchSize: 8, epochs: 2, seed: 3, ...opts.training },
  });
}

/**
 * A validated GraphDoc written tersely, for tests: nodes as [id, kind, params], edges as
 * "source.port->target.port" (a source without a port means `out`).
 */
export function sketchGraph(
  nodes: readonly (readonly [string, string, Record<string, unknown>])[],
  edges: readonly string[],
  name = 'test',
): GraphDoc {
  return validateDoc({
    schemaVersion: 1,
    name,
    nodes: nodes.map(([id, kind, params]) => ({ id, kind, params })),
    edges: edges.map((e, i) => {
      const [s, t] = e.split('->') as [string, string];
      const [sn, sp = 'out'] = s.split('.');
      const [tn, tp] = t.split('.');
      return { id: `e${i}`, source: { node: sn, port: sp }, target: { node: tn, port: tp } };
    }),
  });
}
