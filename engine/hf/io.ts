/**
 * HF forward arguments ↔ the imported graph's model inputs and outputs (issue 12, "Run it").
 *
 * Names and layouts are HF's: `inputs` (or `input_ids` / `pixel_values`), `attention_mask`, and for
 * the multimodal autoencoder `image`, `audio`, `label` plus optional `subsampled_output_points`
 * (`subsampled_output_points_image` / `_audio`). Channels-first images become channels-last, the
 * flow model's [B, 2, 27, H, W] patches become [B, 2, H, W, 27], token ids are right-padded to
 * max_position_embeddings with PAD (masked, so the result equals HF's on the shorter sequence).
 * Pure: plain arrays in, plain arrays out.
 */
import type { GraphDoc } from '../graph/schema.js';
import { permute } from '../export/weights.js';
import {
  HfImportError,
  multimodalSizes,
  parseHfConfig,
  type HfClassName,
  type HfGraphOptions,
  type HfPointSet,
} from './convert.js';

export interface HfArray {
  shape: number[];
  data: Float32Array;
}
export interface ModelInputArray extends HfArray {
  dtype: 'float32' | 'int32';
}

const shapeText = (s: readonly number[]) => `[${s.join(', ')}]`;

function pick(arrays: Map<string, HfArray>, names: string[], what: string): HfArray {
  for (const n of names) {
    const a = arrays.get(n);
    if (a) return a;
  }
  throw new HfImportError(`missing input ${names.map((n) => `"${n}"`).join(' or ')} (${what})`);
}

function checkRank(a: HfArray, name: string, shape: (number | null)[]): void {
  const ok = a.shape.length === shape.length && shape.every((d, i) => d === null || d === a.shape[i]);
  if (!ok)
    throw new HfImportError(
      `input "${name}" has shape ${shapeText(a.shape)}; expected [${shape.map((d) => (d === null ? '?' : d)).join(', ')}] (? = any)`,
    );
  if (a.data.length !== a.shape.reduce((x, y) => x * y, 1))
    throw new HfImportError(`input "${name}": ${a.data.length} values do not fill shape ${shapeText(a.shape)}`);
}

/** Move axis `from` of a row-major array to position `to`. */
function moveAxis(a: HfArray, from: number, to: number): HfArray {
  const perm = [...a.shape.keys()];
  perm.splice(from, 1);
  perm.splice(to, 0, from);
  return permute(a, perm);
}

/** The most points a listed (non-contiguous) subsampling may have; ranges have no limit. */
export const MAX_LISTED_POINTS = 65536;

/** Subsampled output points as a range (contiguous) or a list of flat indices, checked. */
function pointSet(a: HfArray | undefined, name: string, total: number): HfPointSet | undefined {
  if (!a) return undefined;
  if (a.shape.length !== 1 || a.shape[0]! < 1)
    throw new HfImportError(
      `"${name}" must be a non-empty 1-D list of point indices (found shape ${shapeText(a.shape)})`,
    );
  let contiguous = true;
  for (let i = 0; i < a.data.length; i++) {
    const v = a.data[i]!;
    if (!Number.isInteger(v) || v < 0 || v >= total)
      throw new HfImportError(`"${name}"[${i}] = ${v} is not one of the ${total} output points (0 … ${total - 1})`);
    if (v !== a.data[0]! + i) contiguous = false;
  }
  if (contiguous) return { start: a.data[0]!, count: a.data.length };
  if (a.data.length > MAX_LISTED_POINTS)
    throw new HfImportError(
      `"${name}" lists ${a.data.length} scattered points; at most ${MAX_LISTED_POINTS} can be listed (contiguous ranges of any length are fine)`,
    );
  return { indices: Array.from(a.data) };
}

/**
 * The graph options the given HF inputs need (input image size of the Fourier / conv classifiers,
 * the multimodal decoder's point ranges). Pass the result to hfConfigToGraph.
 */
export function hfGraphOptionsForInputs(config: unknown, arrays: Map<string, HfArray>): HfGraphOptions {
  const c = parseHfConfig(config);
  if (
    c.hfClass === 'PerceiverForImageClassificationFourier' ||
    c.hfClass === 'PerceiverForImageClassificationConvProcessing'
  ) {
    const a = arrays.get('inputs') ?? arrays.get('pixel_values');
    if (a && a.shape.length === 4) return { imageSize: [a.shape[2]!, a.shape[3]!] };
  }
  if (c.hfClass === 'PerceiverForMultimodalAutoencoding') {
    const m = multimodalSizes(c);
    const image = pointSet(
      arrays.get('subsampled_output_points_image'),
      'subsampled_output_points_image',
      m.imagePoints,
    );
    const audio = pointSet(
      arrays.get('subsampled_output_points_audio'),
      'subsampled_output_points_audio',
      m.audioPatches,
    );
    return image || audio ? { subsample: { ...(image ? { image } : {}), ...(audio ? { audio } : {}) } } : {};
  }
  return {};
}

function inputNode(doc: GraphDoc, id: string): GraphDoc['nodes'][number] {
  const n = doc.nodes.find((x) => x.id === id);
  if (!n)
    throw new HfImportError(`the graph has no input node "${id}"; it was not built by hfConfigToGraph for this class`);
  return n;
}
const num = (n: GraphDoc['nodes'][number], key: string): number => n.params[key] as number;

/**
 * HF forward inputs → the model inputs of the imported graph, keyed by input node id (the order
 * of compile()'s inputNodes). Shapes are checked against the graph.
 */
export function hfInputsToModel(
  hfClass: HfClassName,
  config: unknown,
  doc: GraphDoc,
  arrays: Map<string, HfArray>,
): Map<string, ModelInputArray> {
  const c = parseHfConfig(config);
  if (c.hfClass !== hfClass) throw new HfImportError(`config.json names ${c.hfClass}, not ${hfClass}`);
  const out = new Map<string, ModelInputArray>();
  switch (hfClass) {
    case 'PerceiverForMaskedLM': {
      const ids = pick(arrays, ['inputs', 'input_ids'], 'int token ids [B, S]');
      checkRank(ids, 'inputs', [null, null]);
      const [b, s] = ids.shape as [number, number];
      const L = num(inputNode(doc, 'text'), 'maxLength');
      if (s > L)
        throw new HfImportError(`"inputs" has ${s} tokens but the model takes at most max_position_embeddings = ${L}`);
      const mask = arrays.get('attention_mask');
      if (mask) checkRank(mask, 'attention_mask', [b, s]);
      const data = new Float32Array(b * L);
      for (let i = 0; i < b; i++) {
        for (let j = 0; j < s; j++) {
          const id = ids.data[i * s + j]!;
          if (!Number.isInteger(id) || id < 0 || id >= c.vocabSize)
            throw new HfImportError(`"inputs"[${i}, ${j}] = ${id} is not a token id (0 … ${c.vocabSize - 1})`);
          // The graph masks exactly the PAD (0) tokens. A token HF masks is used nowhere else (input
          // tokens are only the encoder's keys/values), so it becomes PAD; a PAD that HF attends to
          // cannot be expressed.
          const m = mask ? mask.data[i * s + j]! : 1;
          if (m !== 0 && id === 0) {
            throw new HfImportError(
              `attention_mask[${i}, ${j}] = ${m} but the token there is PAD (0): the imported graph never attends to PAD tokens; pass a mask of 0 for PAD`,
            );
          }
          data[i * L + j] = m === 0 ? 0 : id;
        }
      }
      out.set('text', { shape: [b, L], data, dtype: 'int32' });
      break;
    }
    case 'PerceiverForImageClassificationLearned':
    case 'PerceiverForImageClassificationFourier':
    case 'PerceiverForImageClassificationConvProcessing': {
      const x = pick(arrays, ['inputs', 'pixel_values'], 'float pixel values [B, 3, H, W]');
      const n = inputNode(doc, 'image');
      checkRank(x, 'inputs', [null, 3, num(n, 'height'), num(n, 'width')]);
      out.set('image', { ...moveAxis(x, 1, 3), dtype: 'float32' });
      break;
    }
    case 'PerceiverForOpticalFlow': {
      const x = pick(arrays, ['inputs'], 'two frames of 3×3 patches [B, 2, 27, H, W]');
      const n = inputNode(doc, 'frames');
      checkRank(x, 'inputs', [null, 2, 27, num(n, 'height'), num(n, 'width')]);
      out.set('frames', { ...moveAxis(x, 2, 4), dtype: 'float32' });
      break;
    }
    case 'PerceiverForMultimodalAutoencoding': {
      const m = multimodalSizes(c);
      const image = pick(arrays, ['image'], 'video [B, T, 3, H, W]');
      checkRank(image, 'image', [null, m.T, 3, m.H, m.W]);
      const b = image.shape[0]!;
      const audio = pick(arrays, ['audio'], 'audio [B, samples, 1]');
      checkRank(audio, 'audio', [b, m.audioSamples, 1]);
      const label = pick(arrays, ['label'], 'label [B, num_labels]');
      checkRank(label, 'label', [b, c.numLabels]);
      out.set('audio', { shape: [b, m.audioSamples], data: Float32Array.from(audio.data), dtype: 'float32' });
      out.set('video', { ...moveAxis(image, 2, 4), dtype: 'float32' });
      out.set('label', { shape: [b, c.numLabels], data: Float32Array.from(label.data), dtype: 'float32' });
      break;
    }
  }
  return out;
}

/** The imported graph's outputs (keyed by output node id) → what HF's forward returns as logits. */
export function modelOutputsToHf(hfClass: HfClassName, outputs: Map<string, HfArray>): Map<string, HfArray> {
  const get = (id: string): HfArray => {
    const a = outputs.get(id);
    if (!a) throw new HfImportError(`the model produced no output "${id}"`);
    return a;
  };
  const out = new Map<string, HfArray>();
  switch (hfClass) {
    case 'PerceiverForMaskedLM':
    case 'PerceiverForImageClassificationLearned':
    case 'PerceiverForImageClassificationFourier':
    case 'PerceiverForImageClassificationConvProcessing':
      out.set('logits', get('head'));
      break;
    case 'PerceiverForOpticalFlow':
      out.set('logits', get('flow'));
      break;
    case 'PerceiverForMultimodalAutoencoding':
      out.set('audio', get('audioOut'));
      out.set('image', get('imageOut'));
      out.set('label', get('labelOut'));
      break;
  }
  return out;
}
