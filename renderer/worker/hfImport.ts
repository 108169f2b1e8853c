/**
 * The worker's side of "Import from Hugging Face…": config.json + model.safetensors (or
 * pytorch_model.bin) as File handles → the graph of our kinds (engine/hf/convert.ts) and its
 * weights by tfjs name, kept here under an import id so that a training run can start from them
 * (engine/train/fineTune.ts) and the Try panel can run them.
 *
 * model.safetensors is read from the File tensor by tensor (Blob.slice), header first, so the
 * file is never held whole next to its decoded tensors; pytorch_model.bin goes through the
 * restricted unpickler (engine/hf/torchPickle.ts), which never executes anything from the file.
 */
import { analyse } from '../../engine/graph/analyse';
import { safeJsonParse } from '../../engine/graph/load';
import type { GraphDoc } from '../../engine/graph/schema';
import type { NamedArrays } from '../../engine/export/weights';
import {
  hfConfigJson,
  hfConfigToGraph,
  hfToWeights,
  HfImportError,
  weightsToHf,
  type HfClassName,
} from '../../engine/hf/convert';
import {
  decodeTensor,
  MAX_HEADER_BYTES,
  parseSafetensorsHeader,
  writeSafetensors,
  type HfTensor,
} from '../../engine/hf/safetensors';
import { architectureChanges } from '../export/architecture';
import { BACKEND_MEMORY_LIMITS, formatBytes } from '../../engine/train/memoryGuard';
import { readTorchStateDict } from '../../engine/hf/torchPickle';
import type { HfImportFiles, HfImportSummary } from './protocol';

export interface ImportedModel {
  summary: HfImportSummary;
  doc: GraphDoc;
  weights: NamedArrays;
}

const imports = new Map<string, ImportedModel>();
let counter = 0;

async function bytesOf(blob: Blob): Promise<Uint8Array> {
  return new Uint8Array(await blob.arrayBuffer());
}

/** Stream a safetensors File: the header, then one tensor at a time. */
export async function readSafetensorsBlob(
  file: Blob,
  name: string,
  onProgress?: (done: number, total: number) => void,
): Promise<Map<string, HfTensor>> {
  const size = file.size;
  const len = await bytesOf(file.slice(0, Math.min(8, size)));
  let head = len;
  if (len.length === 8) {
    const n = new DataView(len.buffer, len.byteOffset, 8).getBigUint64(0, true);
    if (n <= BigInt(MAX_HEADER_BYTES) && 8 + Number(n) <= size) head = await bytesOf(file.slice(0, 8 + Number(n)));
  }
  const { entries } = parseSafetensorsHeader(head, size, name);
  const out = new Map<string, HfTensor>();
  const total = entries.reduce((s, e) => s + (e.end - e.begin), 0);
  let done = 0;
  for (const e of entries) {
    out.set(e.key, decodeTensor(e, await bytesOf(file.slice(e.begin, e.end))));
    done += e.end - e.begin;
    onProgress?.(done, total);
  }
  return out;
}

function classNamesOf(config: Record<string, unknown>): string[] {
  const id2label = config.id2label;
  if (!id2label || typeof id2label !== 'object' || Array.isArray(id2label)) return [];
  const entries = Object.entries(id2label as Record<string, unknown>).filter(
    ([k, v]) => /^\d+$/.test(k) && typeof v === 'string',
  );
  const names = new Array<string>(entries.length);
  for (const [k, v] of entries) if (Number(k) < entries.length) names[Number(k)] = v as string;
  return names.every((n) => typeof n === 'string') ? names : [];
}

/** Import the files; the result stays in the worker under summary.importId. */
export async function importHf(
  files: HfImportFiles,
  onProgress?: (done: number, total: number) => void,
): Promise<ImportedModel> {
  const configText = await files.config.text();
  if (configText.length > 50 * 1024 * 1024)
    throw new HfImportError(`${files.folder}/config.json is ${configText.length} bytes; a config.json is a few KB`);
  let config: unknown;
  try {
    config = safeJsonParse(configText, `${files.folder}/config.json`);
  } catch (err) {
    throw new HfImportError((err as Error).message);
  }
  if (!config || typeof config !== 'object' || Array.isArray(config))
    throw new HfImportError(`${files.folder}/config.json is not a JSON object`);
  let built: { doc: GraphDoc; hfClass: HfClassName };
  try {
    built = hfConfigToGraph(config);
  } catch (err) {
    throw new HfImportError(`${files.folder}/config.json: ${(err as Error).message}`);
  }
  const analysis = analyse(built.doc);
  if (!analysis.valid)
    throw new HfImportError(
      `the graph built for ${built.hfClass} is invalid: ${analysis.problems.find((p) => p.severity === 'error')?.message}`,
    );
  // The page holds the decoded state dict, the weights by name and the Try panel's model: about
  // three copies of the parameters, refused with that estimate past what the wasm heap can hold.
  const need = analysis.totals.params * 4 * 3;
  const limit = BACKEND_MEMORY_LIMITS.wasm ?? 4 * 1024 ** 3;
  if (need > limit) {
    throw new HfImportError(
      `${built.hfClass} has ${analysis.totals.params.toLocaleString('en-US')} parameters; importing it in the app needs about ${formatBytes(need)} (three copies of the weights), more than the ${formatBytes(limit)} the page can hold. Import it with the CLI (perceiver-studio import-hf) instead.`,
    );
  }
  const weightsName = files.weights.name;
  const state = /\.safetensors$/i.test(weightsName)
    ? await readSafetensorsBlob(files.weights, weightsName, onProgress)
    : await readTorchStateDict(await bytesOf(files.weights), weightsName);
  let params = 0;
  let buffers = 0;
  for (const [k, t] of state) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (/(^|\.)(running_mean|running_var|num_batches_tracked)$/.test(k)) buffers += n;
    else params += n;
  }
  let weights: NamedArrays;
  try {
    weights = hfToWeights(config, built.doc, state);
  } catch (err) {
    throw new HfImportError(`${files.folder}/${weightsName}: ${(err as Error).message}`);
  }
  const importId = `hf-${++counter}-${Date.now().toString(36)}`;
  const summary: HfImportSummary = {
    importId,
    folder: files.folder,
    hfClass: built.hfClass,
    weightsFile: weightsName,
    weightsBytes: files.weights.size,
    stateDictEntries: state.size,
    parameters: params,
    buffers,
    graphParams: analysis.totals.params,
    classNames: classNamesOf(config as Record<string, unknown>),
  };
  const imported = { summary, doc: built.doc, weights };
  imports.set(importId, imported);
  return imported;
}

/** The weights of an import (re-read from its files when the worker has restarted since). */
export async function importedWeights(ref: { importId: string; files: HfImportFiles }): Promise<ImportedModel> {
  return imports.get(ref.importId) ?? (await importHf(ref.files));
}

/** The stored import whose graph the editor's graph still is (no architecture change), if any. */
export function importFor(doc: GraphDoc): ImportedModel | undefined {
  for (const imp of [...imports.values()].reverse()) if (architectureChanges(doc, imp.doc).length === 0) return imp;
  return undefined;
}

/**
 * The Hugging Face folder of an imported (or fine-tuned imported) graph, for the PyTorch export:
 * huggingface/config.json + huggingface/model.safetensors with the original class's keys,
 * shapes and dtypes. `weights`: a run's (fine-tuned) weights, else the import's own. Class names
 * (a new head) become id2label. Null for graphs that did not come from Hugging Face.
 */
export function hfStyleFiles(
  doc: GraphDoc,
  weights: NamedArrays | undefined,
  classNames: string[] | undefined,
): { files: { path: string; data: Uint8Array }[]; note: string } | null {
  if (!doc.origin) return null;
  const w = weights ?? importFor(doc)?.weights;
  if (!w)
    return {
      files: [],
      note: `No Hugging Face folder: the ${doc.origin.hfClass} weights are not loaded (import the folder again, or train first).`,
    };
  const config: Record<string, unknown> = JSON.parse(JSON.stringify(doc.origin.config));
  if (classNames?.length && 'id2label' in config) {
    config.id2label = Object.fromEntries(classNames.map((n, i) => [String(i), n]));
    config.label2id = Object.fromEntries(classNames.map((n, i) => [n, i]));
  }
  let tensors;
  try {
    tensors = weightsToHf(config, doc, w);
  } catch (err) {
    return { files: [], note: `No Hugging Face folder: ${(err as Error).message}` };
  }
  const enc = new TextEncoder();
  return {
    files: [
      { path: 'huggingface/config.json', data: enc.encode(JSON.stringify(hfConfigJson(config), null, 2) + '\n') },
      { path: 'huggingface/model.safetensors', data: writeSafetensors(tensors, { format: 'pt' }) },
    ],
    note: `huggingface/ holds config.json + model.safetensors for transformers' ${doc.origin.hfClass}.from_pretrained (${tensors.size} state-dict entries).`,
  };
}
