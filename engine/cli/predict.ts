/**
 * `perceiver-studio predict <model-dir|checkpoint-dir> [files…] [--input NAME=FILE.npy …]
 *                           [--out OUT.npz] [--top-k K] [--json] [--graph TEMPLATE.json]`
 *
 * Studio models: images / text / CSV rows / .npy arrays prepared as the training data was
 * (engine/node/predict.ts), top-k classes printed with the class names from model-info.json.
 * Models imported from Hugging Face: the arrays HF's forward takes, under HF's names
 * (`inputs`, `attention_mask`, or `image`, `audio`, `label` and
 * `subsampled_output_points_image` / `_audio`), and HF's outputs written (`logits`, or one array
 * per modality for the multimodal autoencoder).
 *
 * Exit codes: 0 done; 1 a model/input problem (the file, input or shape named); 2 usage.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { compile } from '../compile/compile.js';
import { parseNpy } from '../data/npy.js';
import { npz } from '../export/archive.js';
import { applyNamedWeights, namedWeights } from '../export/tfjsModel.js';
import { loadGraphDoc } from '../graph/load.js';
import type { GraphDoc } from '../graph/schema.js';
import { hfConfigToGraph, type HfClassName } from '../hf/convert.js';
import { hfGraphOptionsForInputs, hfInputsToModel, modelOutputsToHf, type HfArray } from '../hf/io.js';
import { analyse } from '../graph/analyse.js';
import { useNodeBackend } from '../node/backend.js';
import { deflateRaw } from '../node/export.js';
import { readModelFolder, type LoadedModel } from '../node/modelFolder.js';
import {
  IMAGE_FILE,
  PredictError,
  prepareStudioInputs,
  runModel,
  TEXT_FILE,
  tokensToText,
  topK,
} from '../node/predict.js';
import { readFileSync } from 'node:fs';
import { imageToInput } from '../data/resize.js';
import { flowPatches, perceiverImageProcessor } from '../hf/imageProcessor.js';
import { decodePerceiver, encodePerceiver } from '../hf/tokenizer.js';
import { decodeImageBytes } from '../node/imageFolder.js';
import { UsageError } from './main.js';

type Out = { log: (s: string) => void; err: (s: string) => void };

export const PREDICT_HELP = `perceiver-studio predict <model-dir|checkpoint-dir> [files…] [--input NAME=FILE.npy …]
                         [--out OUT.npz] [--top-k K] [--json] [--graph TEMPLATE.json]
    Run a model folder (import-hf, train --save-model) or a checkpoint folder (train
    --checkpoints; its graph.json beside it or --graph) on new input. Studio models take
    PNG/JPEG images (resized, channels and normalisation as in training), text files (bytes;
    "_" marks a byte to fill), CSV rows, WAV clips (Audio input: resampled, cropped/padded as in
    training), PLY/OFF/XYZ/.npy point clouds (Point cloud input: sampled, centred, scaled) or
    .npy arrays ([N, …] or one example); several files
    make a batch. Models imported from Hugging Face take HF's forward arrays by name:
    --input inputs=ids.npy --input attention_mask=mask.npy (MaskedLM), inputs=pixels.npy
    (NCHW), inputs=patches.npy ([B, 2, 27, H, W], optical flow), or image=, audio=, label=,
    subsampled_output_points_image=, subsampled_output_points_audio= (multimodal).
    They also take ordinary files, preprocessed as HF does: PNG/JPEG images for the image
    classifiers (PerceiverImageProcessor: centre crop of size/crop_size = 224/256 of the short
    side, bicubic resize to the model's input size, ImageNet mean/std, using the folder's
    preprocessor_config.json when it came with one), text files for the MaskedLM
    (byte tokenizer, [CLS] … [SEP], padded; "_" marks a byte to fill), two frames for the flow
    model (resized to train_size, scaled to [-1, 1], 3×3 patches).
    Prints top-k classes (--top-k, default 5; class names from model-info.json), or the
    filled-in text of a byte model; --out writes every output as a named array (.npz):
    HF models write "logits" (or audio/image/label), studio models one array per output node.`;

function readNpyFile(path: string): HfArray & { integral: boolean } {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new PredictError(`Cannot read ${path}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  try {
    const a = parseNpy(bytes, path);
    return { shape: a.shape, data: a.data, integral: a.integral };
  } catch (err) {
    throw new PredictError(`${path}: ${(err as Error).message}`);
  }
}

/** Run an HF-imported model on HF-named arrays; returns HF's outputs. */
export function predictHf(loaded: LoadedModel, arrays: Map<string, HfArray>): Map<string, HfArray> {
  const origin =
    loaded.info.source?.kind === 'huggingface'
      ? { hfClass: loaded.info.source.class, config: loaded.info.source.config }
      : loaded.doc.origin;
  if (!origin) throw new PredictError(`${loaded.dir} was not imported from Hugging Face`);
  const hfClass = origin.hfClass as HfClassName;
  const config = origin.config;
  // Inputs of another image size, or a subsampled decoder, need the graph built for them; the
  // weights are the same.
  let target = loaded;
  const opts = hfGraphOptionsForInputs(config, arrays);
  let rebuilt: LoadedModel | undefined;
  if (Object.keys(opts).length) {
    const { doc } = hfConfigToGraph(config, opts);
    if (JSON.stringify(doc.nodes) !== JSON.stringify(loaded.doc.nodes)) {
      const c = compile(doc);
      applyNamedWeights(c.model, namedWeights(loaded.model), `the weights of ${loaded.dir}`);
      rebuilt = { ...loaded, model: c.model, doc, inputNodes: c.inputNodes, outputNodes: c.outputNodes };
      target = rebuilt;
    }
  }
  try {
    const inputs = hfInputsToModel(hfClass, config, target.doc, arrays);
    const ordered = target.inputNodes.map((id) => {
      const a = inputs.get(id);
      if (!a) throw new PredictError(`no array for model input "${id}"`);
      return a;
    });
    return modelOutputsToHf(hfClass, runModel(target, ordered));
  } finally {
    rebuilt?.model.dispose();
  }
}

function hfOrigin(loaded: LoadedModel): { hfClass: HfClassName; config: Record<string, unknown> } {
  const o =
    loaded.info.source?.kind === 'huggingface'
      ? { hfClass: loaded.info.source.class, config: loaded.info.source.config }
      : loaded.doc.origin;
  if (!o) throw new PredictError(`${loaded.dir} was not imported from Hugging Face`);
  return { hfClass: o.hfClass as HfClassName, config: o.config };
}

function rgbOf(file: string): { shape: number[]; data: Uint8Array } {
  let img;
  try {
    img = decodeImageBytes(new Uint8Array(readFileSync(file)));
  } catch (err) {
    throw new PredictError(`${file}: cannot read the image (${(err as Error).message})`);
  }
  const data = new Uint8Array(img.width * img.height * 3);
  for (let i = 0; i < img.width * img.height; i++)
    for (let c = 0; c < 3; c++) data[i * 3 + c] = img.data[i * img.channels + Math.min(c, img.channels - 1)]!;
  return { shape: [img.height, img.width, 3], data };
}

/**
 * HF forward arrays from ordinary files, preprocessed as HF does: images through
 * PerceiverImageProcessor (the folder's preprocessor_config.json when it had one), text through
 * the byte tokenizer ("_" = [MASK]), two frames through the flow model's 3×3 patch extraction.
 */
export function hfArraysFromFiles(
  loaded: LoadedModel,
  files: string[],
): { arrays: Map<string, HfArray>; examples: string[]; tokens?: number[][] } {
  const { hfClass, config } = hfOrigin(loaded);
  const names = files.map((f) => f.split('/').pop()!);
  const node = (id: string) => loaded.doc.nodes.find((n) => n.id === id)?.params ?? {};
  if (hfClass.startsWith('PerceiverForImageClassification')) {
    const bad = files.find((f) => !IMAGE_FILE.test(f));
    if (bad) throw new PredictError(`${bad}: a ${hfClass} takes PNG/JPEG images (or --input inputs=PIXELS.npy, NCHW)`);
    const pp = (loaded.info.preprocessing?.preprocessor_config ?? {}) as Record<string, unknown>;
    // The processor's size/crop_size set the crop fraction; the model's input sets the resize target
    // (they differ for a model built with another image_size than the processor's 224).
    const size = (node('image').height as number) ?? 224;
    const width = (node('image').width as number) ?? size;
    const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
    const sizeOf = (v: unknown) =>
      typeof v === 'number' ? v : v && typeof v === 'object' ? num((v as Record<string, unknown>).height) : undefined;
    const list = (v: unknown) =>
      Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === 'number') ? (v as number[]) : undefined;
    const chunks = files.map((f) => {
      const img = rgbOf(f);
      try {
        return perceiverImageProcessor(img, {
          size: sizeOf(pp.size),
          cropSize: sizeOf(pp.crop_size),
          outputSize: [size, width],
          mean: list(pp.image_mean),
          std: list(pp.image_std),
          rescaleFactor: num(pp.rescale_factor),
        }).data;
      } catch (err) {
        throw new PredictError(`${f}: ${(err as Error).message}`);
      }
    });
    const data = new Float32Array(chunks.length * 3 * size * width);
    chunks.forEach((c, i) => data.set(c, i * c.length));
    return { arrays: new Map([['inputs', { shape: [files.length, 3, size, width], data }]]), examples: names };
  }
  if (hfClass === 'PerceiverForMaskedLM') {
    const bad = files.find((f) => !TEXT_FILE.test(f));
    if (bad)
      throw new PredictError(
        `${bad}: PerceiverForMaskedLM takes text files (.txt; "_" marks a byte to fill) or --input inputs=IDS.npy`,
      );
    const max = config.max_position_embeddings as number;
    const enc = files.map((f) => {
      const e = encodePerceiver(readFileSync(f, 'utf8'), { maxLength: max, padToMaxLength: true });
      return { ids: e.inputIds.map((id) => (id === 0x5f + 6 ? 3 : id)), mask: e.attentionMask };
    });
    return {
      arrays: new Map([
        ['inputs', { shape: [files.length, max], data: Float32Array.from(enc.flatMap((e) => e.ids)) }],
        ['attention_mask', { shape: [files.length, max], data: Float32Array.from(enc.flatMap((e) => e.mask)) }],
      ]),
      examples: names,
      tokens: enc.map((e) => e.ids),
    };
  }
  if (hfClass === 'PerceiverForOpticalFlow') {
    if (files.length !== 2 || !files.every((f) => IMAGE_FILE.test(f)))
      throw new PredictError(
        'PerceiverForOpticalFlow takes two frames (PNG/JPEG), or --input inputs=PATCHES.npy [B, 2, 27, H, W]',
      );
    const { height: h, width: w } = node('frames') as { height: number; width: number };
    const frames = new Float32Array(2 * h * w * 3);
    files.forEach((f, t) => {
      const img = decodeImageBytes(new Uint8Array(readFileSync(f)));
      // Resized to the model's train_size, scaled to [-1, 1] as in the Perceiver flow demo.
      const x = imageToInput(img, h, w, 3);
      for (let i = 0; i < x.length; i++) frames[t * h * w * 3 + i] = x[i]! * 2 - 1;
    });
    return {
      arrays: new Map([['inputs', flowPatches({ shape: [2, h, w, 3], data: frames })]]),
      examples: [`${names[0]} → ${names[1]}`],
    };
  }
  throw new PredictError(
    `${hfClass} takes its arrays by name: --input image=… --input audio=… --input label=… (see --help)`,
  );
}

/** The text with every [MASK] replaced by the model's top byte (other tokens as given). */
function fillMasked(tokens: number[][], logits: HfArray): string[] {
  const [, L, V] = logits.shape as [number, number, number];
  return tokens.map((ids, b) => {
    const out = ids.map((id, j) => {
      if (id !== 3 || j >= L) return id;
      const row = logits.data.subarray((b * L + j) * V, (b * L + j + 1) * V);
      let best = 0;
      for (let v = 1; v < V; v++) if (row[v]! > row[best]!) best = v;
      return best;
    });
    return decodePerceiver(out);
  });
}

export async function predictCommand(argv: string[], out: Out): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        input: { type: 'string', multiple: true },
        out: { type: 'string' },
        'top-k': { type: 'string' },
        json: { type: 'boolean' },
        graph: { type: 'string' },
        backend: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    out.log(PREDICT_HELP);
    return 0;
  }
  const [dir, ...files] = positionals;
  if (!dir)
    throw new UsageError(
      'predict needs a model folder (or checkpoint folder) and input files or --input NAME=FILE.npy',
    );
  const k = values['top-k'] === undefined ? 5 : Number(values['top-k']);
  if (!Number.isInteger(k) || k < 1)
    throw new UsageError(`--top-k must be a positive integer (got ${values['top-k']})`);
  const named = new Map<string, string>();
  for (const spec of values.input ?? []) {
    const eq = spec.indexOf('=');
    if (eq <= 0 || eq === spec.length - 1) throw new UsageError(`--input takes NAME=FILE (got "${spec}")`);
    named.set(spec.slice(0, eq), spec.slice(eq + 1));
  }
  if (!files.length && !named.size) throw new UsageError('predict needs input: files, or --input NAME=FILE.npy');
  const backend = values.backend ?? 'cpu';
  if (backend !== 'cpu' && backend !== 'wasm') throw new UsageError(`--backend must be wasm or cpu (got ${backend})`);
  await useNodeBackend(backend);
  let graph: GraphDoc | undefined;
  if (values.graph) graph = loadGraphDoc(readFileSync(resolve(values.graph), 'utf8'), values.graph);
  const loaded = await readModelFolder(dir, { doc: graph });
  try {
    // HF's arrays and preprocessing for a model as imported; a model trained (fine-tuned) in the
    // studio takes its input as its training data was made.
    const hf = loaded.info.source?.kind === 'huggingface' || (!loaded.info.source && !!loaded.doc.origin);
    if (hf) {
      const arrays = new Map<string, HfArray>();
      for (const [name, file] of named) arrays.set(name, readNpyFile(file));
      // Ordinary files, preprocessed as HF does (image processor, byte tokenizer, 3×3 flow patches).
      const fromFiles = files.length ? hfArraysFromFiles(loaded, files) : undefined;
      if (fromFiles) for (const [n, a] of fromFiles.arrays) if (!arrays.has(n)) arrays.set(n, a);
      const outputs = predictHf(loaded, arrays);
      if (values.out)
        writeFileSync(
          resolve(values.out),
          npz(Object.fromEntries([...outputs].map(([n, a]) => [n, { shape: a.shape, data: a.data }])), { deflateRaw }),
        );
      const classNames = loaded.info.classNames;
      const logits = outputs.get('logits');
      const isClassifier =
        !!logits &&
        logits.shape.length === 2 &&
        analyse(loaded.doc).heads.some((h) => h.loss.type === 'classification');
      const filled = fromFiles?.tokens && logits ? fillMasked(fromFiles.tokens, logits) : undefined;
      const result = {
        outputs: Object.fromEntries([...outputs].map(([n, a]) => [n, a.shape])),
        ...(isClassifier ? { topK: topK(logits!, k, classNames) } : {}),
        ...(filled ? { text: filled } : {}),
        ...(values.out ? { written: resolve(values.out) } : {}),
      };
      if (values.json) out.log(JSON.stringify(result));
      else {
        for (const [n, a] of outputs) out.log(`${n}: [${a.shape.join(', ')}]`);
        const names = fromFiles?.examples;
        if (result.topK)
          result.topK.forEach((row, i) =>
            out.log(
              `${names?.[i] ?? `example ${i}`}: ${row.map((t) => `${t.label} ${(100 * t.probability).toFixed(1)}%`).join(', ')}`,
            ),
          );
        if (filled) filled.forEach((t, i) => out.log(`${names?.[i] ?? `example ${i}`}: ${JSON.stringify(t)}`));
        if (values.out) out.log(`wrote ${resolve(values.out)}`);
      }
      return 0;
    }
    const inputs = prepareStudioInputs(loaded, files, named);
    const outputs = runModel(loaded, inputs);
    if (values.out)
      writeFileSync(
        resolve(values.out),
        npz(Object.fromEntries([...outputs].map(([n, a]) => [n, { shape: a.shape, data: a.data }])), { deflateRaw }),
      );
    const heads = analyse(loaded.doc).heads;
    const examples = inputs[0]!.examples;
    const report: Record<string, unknown>[] = examples.map((e) => ({ example: e }));
    for (const [node, a] of outputs) {
      const head = heads.find((h) => h.nodeId === node);
      const per = a.data.length / a.shape[0]!;
      if (head?.loss.type === 'classification') {
        topK(a, k, loaded.info.classNames).forEach((row, i) => (report[i]![node] = row));
      } else if (head?.loss.type === 'tokenClassification') {
        const c = a.shape[a.shape.length - 1]!;
        const textInput = inputs.find((x) => x.dtype === 'int32');
        for (let i = 0; i < a.shape[0]!; i++) {
          const rows = topK({ shape: [per / c, c], data: a.data.subarray(i * per, (i + 1) * per) }, k);
          const best = rows.map((r) => r[0]!.index);
          const given = textInput ? Array.from(textInput.data.subarray(i * (per / c), (i + 1) * (per / c))) : undefined;
          // Masked (3) positions get the prediction; the rest keep the input.
          const filled = given ? given.map((id, j) => (id === 3 ? best[j]! : id)) : best;
          const masked = given ? given.flatMap((id, j) => (id === 3 ? [j] : [])) : [];
          report[i]![node] = {
            text: tokensToText(filled.filter((id) => id !== 0)),
            masked: masked.map((j) => ({
              position: j,
              top: rows[j]!.map((t) => ({
                byte: t.index >= 6 ? String.fromCharCode(t.index - 6) : `<${t.index}>`,
                probability: t.probability,
              })),
            })),
          };
        }
      } else {
        for (let i = 0; i < a.shape[0]!; i++)
          report[i]![node] =
            per <= 16 ? Array.from(a.data.subarray(i * per, (i + 1) * per)) : { shape: a.shape.slice(1) };
      }
    }
    if (values.json)
      out.log(JSON.stringify({ results: report, ...(values.out ? { written: resolve(values.out) } : {}) }));
    else {
      for (const r of report) {
        const parts: string[] = [];
        for (const [key, v] of Object.entries(r)) {
          if (key === 'example') continue;
          if (Array.isArray(v) && v.length && typeof v[0] === 'object')
            parts.push(
              (v as { label: string; probability: number }[])
                .map((t) => `${t.label} ${(100 * t.probability).toFixed(1)}%`)
                .join(', '),
            );
          else if (v && typeof v === 'object' && 'text' in v) parts.push(JSON.stringify((v as { text: string }).text));
          else parts.push(JSON.stringify(v));
        }
        out.log(`${r.example}: ${parts.join(' | ')}`);
      }
      if (values.out) out.log(`wrote ${resolve(values.out)}`);
    }
    return 0;
  } finally {
    loaded.model.dispose();
  }
}
