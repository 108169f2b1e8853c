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
import { PredictError, prepareStudioInputs, runModel, tokensToText, topK } from '../node/predict.js';
import { readFileSync } from 'node:fs';
import { UsageError } from './main.js';

type Out = { log: (s: string) => void; err: (s: string) => void };

export const PREDICT_HELP = `perceiver-studio predict <model-dir|checkpoint-dir> [files…] [--input NAME=FILE.npy …]
                         [--out OUT.npz] [--top-k K] [--json] [--graph TEMPLATE.json]
    Run a model folder (import-hf, train --save-model) or a checkpoint folder (train
    --checkpoints; its graph.json beside it or --graph) on new input. Studio models take
    PNG/JPEG images (resized, channels and normalisation as in training), text files (bytes;
    "_" marks a byte to fill), CSV rows or .npy arrays ([N, …] or one example); several files
    make a batch. Models imported from Hugging Face take HF's forward arrays by name:
    --input inputs=ids.npy --input attention_mask=mask.npy (MaskedLM), inputs=pixels.npy
    (NCHW), inputs=patches.npy ([B, 2, 27, H, W], optical flow), or image=, audio=, label=,
    subsampled_output_points_image=, subsampled_output_points_audio= (multimodal).
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
  const origin = loaded.info.source?.kind === 'huggingface' ? { hfClass: loaded.info.source.class, config: loaded.info.source.config } : loaded.doc.origin;
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
  if (!dir) throw new UsageError('predict needs a model folder (or checkpoint folder) and input files or --input NAME=FILE.npy');
  const k = values['top-k'] === undefined ? 5 : Number(values['top-k']);
  if (!Number.isInteger(k) || k < 1) throw new UsageError(`--top-k must be a positive integer (got ${values['top-k']})`);
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
    const hf = loaded.info.source?.kind === 'huggingface' || !!loaded.doc.origin;
    if (hf) {
      if (files.length) throw new PredictError(`${dir} is a Hugging Face ${loaded.info.source?.kind === 'huggingface' ? loaded.info.source.class : loaded.doc.origin?.hfClass} model: give its forward arrays by name, e.g. --input inputs=FILE.npy (see --help)`);
      const arrays = new Map<string, HfArray>();
      for (const [name, file] of named) arrays.set(name, readNpyFile(file));
      const outputs = predictHf(loaded, arrays);
      if (values.out) writeFileSync(resolve(values.out), npz(Object.fromEntries([...outputs].map(([n, a]) => [n, { shape: a.shape, data: a.data }])), { deflateRaw }));
      const classNames = loaded.info.classNames;
      const logits = outputs.get('logits');
      const isClassifier = !!logits && logits.shape.length === 2 && analyse(loaded.doc).heads.some((h) => h.loss.type === 'classification');
      const result = {
        outputs: Object.fromEntries([...outputs].map(([n, a]) => [n, a.shape])),
        ...(isClassifier ? { topK: topK(logits!, k, classNames) } : {}),
        ...(values.out ? { written: resolve(values.out) } : {}),
      };
      if (values.json) out.log(JSON.stringify(result));
      else {
        for (const [n, a] of outputs) out.log(`${n}: [${a.shape.join(', ')}]`);
        if (result.topK) result.topK.forEach((row, i) => out.log(`example ${i}: ${row.map((t) => `${t.label} ${(100 * t.probability).toFixed(1)}%`).join(', ')}`));
        if (values.out) out.log(`wrote ${resolve(values.out)}`);
      }
      return 0;
    }
    const inputs = prepareStudioInputs(loaded, files, named);
    const outputs = runModel(loaded, inputs);
    if (values.out) writeFileSync(resolve(values.out), npz(Object.fromEntries([...outputs].map(([n, a]) => [n, { shape: a.shape, data: a.data }])), { deflateRaw }));
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
            masked: masked.map((j) => ({ position: j, top: rows[j]!.map((t) => ({ byte: t.index >= 6 ? String.fromCharCode(t.index - 6) : `<${t.index}>`, probability: t.probability })) })),
          };
        }
      } else {
        for (let i = 0; i < a.shape[0]!; i++) report[i]![node] = per <= 16 ? Array.from(a.data.subarray(i * per, (i + 1) * per)) : { shape: a.shape.slice(1) };
      }
    }
    if (values.json) out.log(JSON.stringify({ results: report, ...(values.out ? { written: resolve(values.out) } : {}) }));
    else {
      for (const r of report) {
        const parts: string[] = [];
        for (const [key, v] of Object.entries(r)) {
          if (key === 'example') continue;
          if (Array.isArray(v) && v.length && typeof v[0] === 'object') parts.push((v as { label: string; probability: number }[]).map((t) => `${t.label} ${(100 * t.probability).toFixed(1)}%`).join(', '));
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


