/**
 * Read a downloaded Hugging Face Perceiver folder (config.json + model.safetensors or
 * pytorch_model.bin) in Node and turn it into a graph with weights, ready for writeModelFolder.
 *
 * model.safetensors is streamed tensor by tensor from a file descriptor: the header is read and
 * checked first, then each tensor's bytes are read into one reused scratch buffer and decoded,
 * so the file is never held in memory next to its decoded tensors. pytorch_model.bin (a zip) is
 * read whole; its float32 tensors are views on that one buffer, so it too is held once.
 *
 * Before any weight is read, the graph built from config.json is sized and the import refused
 * (MemoryGuardError, with the estimate) when it will not fit the memory given.
 */
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { totalmem } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { analyse } from '../graph/analyse.js';
import type { GraphDoc } from '../graph/schema.js';
import { hfConfigToGraph, hfToWeights, HfImportError, type HfClassName } from '../hf/convert.js';
import {
  decodeTensor,
  MAX_HEADER_BYTES,
  parseSafetensorsHeader,
  SafetensorsError,
  type HfTensor,
} from '../hf/safetensors.js';
import { readTorchStateDict } from '../hf/torchPickle.js';
import { safeJsonParse } from '../graph/load.js';
import type { NamedArrays } from '../export/weights.js';
import { formatBytes, MemoryGuardError, type MemoryEstimate } from '../train/memoryGuard.js';
import type { ModelInfo } from './modelFolder.js';

/** Files at or above this size report progress while they are read. */
export const PROGRESS_BYTES = 64 * 1024 * 1024;

export type Progress = (done: number, total: number, what: string) => void;

/** State-dict entries HF does not count as parameters (BatchNorm statistics). */
const BUFFER_KEY = /(^|\.)(running_mean|running_var|num_batches_tracked)$/;

/** Count a state dict the way HF's num_parameters() does (buffers apart). */
export function countStateDict(state: Map<string, HfTensor> | Map<string, { shape: number[] }>): {
  entries: number;
  parameters: number;
  buffers: number;
} {
  let parameters = 0;
  let buffers = 0;
  for (const [k, t] of state) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (BUFFER_KEY.test(k)) buffers += n;
    else parameters += n;
  }
  return { entries: state.size, parameters, buffers };
}

function readAll(fd: number, buf: Uint8Array, position: number, file: string): void {
  let off = 0;
  while (off < buf.length) {
    const n = readSync(fd, buf, off, buf.length - off, position + off);
    if (n === 0) throw new SafetensorsError(`${file} ended early at byte ${position + off}; it is truncated`);
    off += n;
  }
}

/** Stream a safetensors file from disk, tensor by tensor, in file order (keys in header order). */
export function readSafetensorsFile(path: string, options: { onProgress?: Progress } = {}): Map<string, HfTensor> {
  const file = basename(path);
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const len8 = new Uint8Array(Math.min(8, size));
    readAll(fd, len8, 0, file);
    let head = len8;
    if (size >= 8) {
      const n = new DataView(len8.buffer).getBigUint64(0, true);
      // Only a plausible header is read; parseSafetensorsHeader words the refusal otherwise.
      if (n <= BigInt(MAX_HEADER_BYTES) && 8 + Number(n) <= size) {
        head = new Uint8Array(8 + Number(n));
        readAll(fd, head, 0, file);
      }
    }
    const { entries } = parseSafetensorsHeader(head, size, file);
    const byOffset = [...entries].sort((a, b) => a.begin - b.begin);
    const largest = byOffset.reduce((m, e) => Math.max(m, e.end - e.begin), 0);
    const scratch = new Uint8Array(largest);
    const decoded = new Map<string, HfTensor>();
    const total = byOffset.reduce((s, e) => s + (e.end - e.begin), 0);
    let done = 0;
    let reported = -1;
    for (const e of byOffset) {
      const bytes = scratch.subarray(0, e.end - e.begin);
      readAll(fd, bytes, e.begin, file);
      decoded.set(e.key, decodeTensor(e, bytes));
      done += e.end - e.begin;
      const pct = Math.floor((100 * done) / Math.max(1, total));
      if (options.onProgress && size >= PROGRESS_BYTES && pct >= reported + 5) {
        reported = pct;
        options.onProgress(done, total, file);
      }
    }
    // Header order (the state-dict order HF wrote), not file order.
    return new Map(entries.map((e) => [e.key, decoded.get(e.key)!]));
  } finally {
    closeSync(fd);
  }
}

export class HfFolderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HfFolderError';
  }
}

export interface HfFolderFiles {
  dir: string;
  config: Record<string, unknown>;
  configPath: string;
  weightsPath: string;
  weightsFormat: 'safetensors' | 'pytorch';
  weightsBytes: number;
}

/** Find config.json and the weight file; prefers model.safetensors over pytorch_model.bin. */
export function locateHfFolder(dir: string): HfFolderFiles {
  const root = resolve(dir);
  if (!existsSync(root) || !statSync(root).isDirectory())
    throw new HfFolderError(
      `${root}: no such folder; give the folder holding config.json and model.safetensors (or pytorch_model.bin)`,
    );
  const configPath = join(root, 'config.json');
  if (!existsSync(configPath))
    throw new HfFolderError(
      `${root} has no config.json; a Hugging Face model folder holds config.json and model.safetensors (or pytorch_model.bin)`,
    );
  const text = readFileSync(configPath, 'utf8');
  if (text.length > 50 * 1024 * 1024)
    throw new HfFolderError(`${configPath} is ${formatBytes(text.length)}; a config.json is a few KB`);
  let config: unknown;
  try {
    config = safeJsonParse(text, configPath);
  } catch (err) {
    throw new HfFolderError((err as Error).message);
  }
  if (!config || typeof config !== 'object' || Array.isArray(config))
    throw new HfFolderError(`${configPath} is not a JSON object`);
  const st = join(root, 'model.safetensors');
  const bin = join(root, 'pytorch_model.bin');
  const weightsPath = existsSync(st) ? st : existsSync(bin) ? bin : undefined;
  if (!weightsPath) {
    const sharded =
      existsSync(join(root, 'model.safetensors.index.json')) || existsSync(join(root, 'pytorch_model.bin.index.json'));
    throw new HfFolderError(
      `${root} has no model.safetensors or pytorch_model.bin${sharded ? ' (sharded checkpoints are not supported: save the model unsharded, e.g. save_pretrained(max_shard_size="10GB"))' : ''}`,
    );
  }
  return {
    dir: root,
    config: config as Record<string, unknown>,
    configPath,
    weightsPath,
    weightsFormat: weightsPath === st ? 'safetensors' : 'pytorch',
    weightsBytes: statSync(weightsPath).size,
  };
}

/**
 * Memory an import needs: the decoded state dict, the compiled model's variables and the
 * serialised weights.bin, each params × 4 bytes (plus the largest tensor as a read buffer).
 */
export function estimateImportMemory(params: number, limitBytes: number): MemoryEstimate {
  const parameterBytes = params * 4 * 3;
  const fits = parameterBytes <= limitBytes;
  const base = `Importing needs about ${formatBytes(parameterBytes)} (${params.toLocaleString('en-US')} parameters × 4 bytes, held three times: the decoded state dict, the model's weights and the saved weights.bin); the limit is ${formatBytes(limitBytes)}.`;
  return {
    totalBytes: parameterBytes,
    activationBytes: 0,
    parameterBytes,
    limitBytes,
    backend: 'import',
    fits,
    maxBatchSize: 0,
    message: fits
      ? base
      : `The model is too large to import here. ${base} Raise --memory-limit if the machine has the memory, or import on a larger machine.`,
  };
}

/** Without --memory-limit: three quarters of the machine's memory. */
export function defaultImportLimit(): number {
  return Math.floor(totalmem() * 0.75);
}

export interface HfImport {
  doc: GraphDoc;
  hfClass: HfClassName;
  config: Record<string, unknown>;
  weights: NamedArrays;
  /** The state dict as HF counts it. */
  counts: { entries: number; parameters: number; buffers: number };
  /** Parameters of the graph (analyser's count). */
  graphParams: number;
  files: HfFolderFiles;
  memory: MemoryEstimate;
}

/** The model-info.json fields of an imported model. */
export function hfModelInfo(imp: Pick<HfImport, 'hfClass' | 'config' | 'files'>): Partial<ModelInfo> {
  const info: Partial<ModelInfo> = {
    name: `${imp.hfClass} (${basename(imp.files.dir)})`,
    source: {
      kind: 'huggingface',
      class: imp.hfClass,
      config: imp.config,
      weightsFile: basename(imp.files.weightsPath),
    },
  };
  const id2label = imp.config.id2label;
  if (id2label && typeof id2label === 'object' && !Array.isArray(id2label)) {
    const entries = Object.entries(id2label as Record<string, unknown>).filter(
      ([k, v]) => /^\d+$/.test(k) && typeof v === 'string',
    );
    const n = entries.length;
    const names = new Array<string>(n);
    for (const [k, v] of entries) if (Number(k) < n) names[Number(k)] = v as string;
    if (n > 0 && names.every((x) => typeof x === 'string')) info.classNames = names;
  }
  // Processor / tokenizer settings shipped with the checkpoint, kept with the model.
  const preprocessing: Record<string, unknown> = {};
  for (const f of ['preprocessor_config.json', 'tokenizer_config.json', 'special_tokens_map.json']) {
    const p = join(imp.files.dir, f);
    if (!existsSync(p) || statSync(p).size > 1024 * 1024) continue;
    try {
      preprocessing[f.replace(/\.json$/, '')] = safeJsonParse(readFileSync(p, 'utf8'), p);
    } catch {
      // A damaged side file is not needed to run the model.
    }
  }
  if (Object.keys(preprocessing).length) info.preprocessing = preprocessing;
  return info;
}

/**
 * config.json → graph → memory check → weights (streamed) → tfjs-named weights of the graph.
 * Every mapping error (unknown class, missing / unexpected key, wrong shape) comes from
 * hfToWeights before anything is written.
 */
export async function importHfFolder(
  dir: string,
  options: { memoryLimitBytes?: number; onProgress?: Progress } = {},
): Promise<HfImport> {
  const files = locateHfFolder(dir);
  let built;
  try {
    built = hfConfigToGraph(files.config);
  } catch (err) {
    throw err instanceof HfImportError ? new HfImportError(`${files.configPath}: ${err.message}`) : err;
  }
  const { doc, hfClass } = built;
  const analysis = analyse(doc);
  if (!analysis.valid) {
    const first = analysis.problems.find((p) => p.severity === 'error');
    throw new HfImportError(
      `${files.configPath}: the graph built for ${hfClass} is invalid: ${first?.message ?? 'unknown problem'}`,
    );
  }
  const graphParams = analysis.totals.params;
  const memory = estimateImportMemory(graphParams, options.memoryLimitBytes ?? defaultImportLimit());
  if (!memory.fits) throw new MemoryGuardError(memory);
  const state =
    files.weightsFormat === 'safetensors'
      ? readSafetensorsFile(files.weightsPath, { onProgress: options.onProgress })
      : await readTorchStateDict(new Uint8Array(readFileSync(files.weightsPath)), basename(files.weightsPath));
  const counts = countStateDict(state);
  let weights: NamedArrays;
  try {
    weights = hfToWeights(files.config, doc, state);
  } catch (err) {
    throw err instanceof HfImportError ? new HfImportError(`${files.weightsPath}: ${err.message}`) : err;
  }
  state.clear();
  return { doc, hfClass, config: files.config, weights, counts, graphParams, files, memory };
}
