/**
 * The model folder: one directory that holds a runnable model and everything needed to feed it.
 *
 *   model.json       tfjs Layers topology + weights manifest (tf.loadLayersModel reads it)
 *   weights.bin      the float32 weights model.json lists
 *   graph.json       the GraphDoc the model was compiled from (the source of truth for the layers)
 *   model-info.json  {"format": "perceiver-studio-model", "version": 1, …} — see ModelInfo
 *
 * Written by `import-hf`, `train --save-model` and the app; read by `predict`, `export --weights`
 * and the app's Try panel. readModelFolder also opens a checkpoint folder (train --checkpoints),
 * which has the weights but needs graph.json beside it (or the graph passed in).
 *
 * Loading compiles graph.json and writes the stored weights into it by name, so a graph edited
 * after the weights were saved is refused with the weight that no longer fits rather than run
 * with weights from another architecture.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join, parse as parsePath, resolve, sep } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { compile } from '../compile/compile.js';
import type { Normalization } from '../data/tabular.js';
import { tfjsWeightsFromArtifacts } from '../export/archive.js';
import { applyNamedWeights, modelArtifacts } from '../export/tfjsModel.js';
import type { NamedArrays } from '../export/weights.js';
import { loadGraphDoc, safeJsonParse } from '../graph/load.js';
import type { GraphDoc } from '../graph/schema.js';
import { CHECKPOINT_FORMAT } from '../train/checkpoint.js';
import { readCheckpoint } from './checkpointFiles.js';

export const MODEL_FOLDER_FORMAT = 'perceiver-studio-model';
export const MODEL_FOLDER_VERSION = 1;
export const MODEL_FOLDER_FILES = ['model.json', 'weights.bin', 'graph.json', 'model-info.json'] as const;

/** Where the weights came from. */
export type ModelSource =
  | {
      kind: 'huggingface';
      /** HF class, e.g. "PerceiverForMaskedLM" (config.architectures[0]). */
      class: string;
      /** The config.json as read (id2label included). */
      config: Record<string, unknown>;
      /** Weight file it was imported from (file name only), e.g. "model.safetensors". */
      weightsFile?: string;
    }
  | {
      kind: 'trained';
      /** The run: settings summary, epochs/steps, final metrics, start weights. */
      run?: {
        epochs?: number;
        steps?: number;
        testAccuracy?: number | null;
        finishedAt?: string;
        /** Set when training started from pretrained weights (fine-tuning). */
        startedFrom?: { kind: 'huggingface'; class: string } | { kind: 'model-folder'; path: string };
      };
      /** Source of the weights this run started from, when it was a fine-tune. */
      pretrained?: ModelSource;
    };

/** A named model input as the model takes it (batch axis left out of `shape`). */
export interface InputSpecInfo {
  /** Graph node id feeding it. */
  node: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  /** What the user supplies, e.g. "image" (H×W×C image), "text" (bytes), "table", "array". */
  kind?: string;
}

export interface ModelInfo {
  format: typeof MODEL_FOLDER_FORMAT;
  version: typeof MODEL_FOLDER_VERSION;
  /** Model name (the graph's name unless set). */
  name?: string;
  /** Exact number of weight values (trainable and not, e.g. BatchNorm statistics). */
  parameterCount?: number;
  /** Of which trainable (what HF's num_parameters() and the analyser's trainable count say). */
  trainableParameterCount?: number;
  /** Class names of a classifier head, in label order. */
  classNames?: string[];
  /** The normalisation the data binding fitted on the training data (applied before the model). */
  normalisation?: Normalization;
  source?: ModelSource;
  /**
   * How raw input becomes the model's arrays, e.g. {"image": {"resize": true, "height": 28,
   * "width": 28, "channels": 1}} for a studio model, or HF's image processor / tokenizer settings.
   */
  preprocessing?: Record<string, unknown>;
  /** Named inputs (model input order). */
  inputs?: Record<string, InputSpecInfo>;
  createdAt?: string;
}

export class ModelFolderError extends Error {
  constructor(
    message: string,
    /** The file at fault, when one is. */
    readonly file?: string,
  ) {
    super(message);
    this.name = 'ModelFolderError';
  }
}

export interface LoadedModel {
  model: tf.LayersModel;
  doc: GraphDoc;
  info: ModelInfo;
  /** 'model': a model folder; 'checkpoint': a checkpoint folder (train --checkpoints). */
  from: 'model' | 'checkpoint';
  dir: string;
  /** Graph node of each model input / output, in the model's order. */
  inputNodes: string[];
  outputNodes: string[];
}

function readText(path: string, what: string, hint = ''): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ModelFolderError(
      `Cannot read ${what} ${path}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}${hint}`,
      path,
    );
  }
}

function parseJson(text: string, path: string): unknown {
  try {
    return safeJsonParse(text, path);
  } catch (err) {
    throw new ModelFolderError((err as Error).message, path);
  }
}

/** Check model-info.json's content; unknown extra fields are kept (newer writers may add some). */
export function validateModelInfo(raw: unknown, where = 'model-info.json'): ModelInfo {
  const m = raw as Partial<ModelInfo> | null;
  if (!m || typeof m !== 'object' || Array.isArray(m))
    throw new ModelFolderError(`${where} is not a JSON object`, where);
  if (m.format !== MODEL_FOLDER_FORMAT)
    throw new ModelFolderError(
      `${where} has format ${JSON.stringify(m.format)}; a model folder's model-info.json has "format": "${MODEL_FOLDER_FORMAT}"`,
      where,
    );
  if (m.version !== MODEL_FOLDER_VERSION)
    throw new ModelFolderError(
      `${where} is version ${String(m.version)}; this build reads version ${MODEL_FOLDER_VERSION}`,
      where,
    );
  if (m.classNames !== undefined && (!Array.isArray(m.classNames) || m.classNames.some((c) => typeof c !== 'string')))
    throw new ModelFolderError(`${where}: "classNames" must be a list of strings`, where);
  if (m.normalisation !== undefined) {
    const n = m.normalisation as Partial<Normalization> | null;
    const nums = (a: unknown) => Array.isArray(a) && a.every((v) => typeof v === 'number' && Number.isFinite(v));
    if (
      !n ||
      !['none', 'minmax', 'standardize'].includes(n.kind as string) ||
      !nums(n.offset) ||
      !nums(n.scale) ||
      n.offset!.length !== n.scale!.length
    ) {
      throw new ModelFolderError(
        `${where}: "normalisation" must be {kind: none|minmax|standardize, offset: number[], scale: number[]} with equal lengths`,
        where,
      );
    }
  }
  if (m.source !== undefined) {
    const s = m.source as Partial<ModelSource> | null;
    if (!s || (s.kind !== 'huggingface' && s.kind !== 'trained'))
      throw new ModelFolderError(`${where}: "source.kind" must be "huggingface" or "trained"`, where);
    if (s.kind === 'huggingface') {
      const h = s as Partial<Extract<ModelSource, { kind: 'huggingface' }>>;
      if (typeof h.class !== 'string' || !h.config || typeof h.config !== 'object' || Array.isArray(h.config))
        throw new ModelFolderError(
          `${where}: a "huggingface" source needs "class" (string) and "config" (object)`,
          where,
        );
    }
  }
  for (const key of ['preprocessing', 'inputs'] as const) {
    const v = m[key];
    if (v !== undefined && (!v || typeof v !== 'object' || Array.isArray(v)))
      throw new ModelFolderError(`${where}: "${key}" must be an object`, where);
  }
  if (m.inputs) {
    for (const [name, spec] of Object.entries(m.inputs)) {
      const s = spec as Partial<InputSpecInfo> | null;
      if (
        !s ||
        typeof s.node !== 'string' ||
        !Array.isArray(s.shape) ||
        !s.shape.every((d) => Number.isInteger(d) && d >= 0) ||
        (s.dtype !== 'float32' && s.dtype !== 'int32')
      ) {
        throw new ModelFolderError(
          `${where}: input "${name}" needs node (string), shape (list of sizes) and dtype (float32|int32)`,
          where,
        );
      }
    }
  }
  return m as ModelInfo;
}

/** Model inputs as named specs (the graph's input nodes, in model order). */
export function inputSpecsOf(
  model: tf.LayersModel,
  doc: GraphDoc,
  inputNodes?: string[],
): Record<string, InputSpecInfo> {
  const out: Record<string, InputSpecInfo> = {};
  model.inputs.forEach((sym, i) => {
    const node = inputNodes?.[i] ?? sym.name.replace(/__input$/, '').replace(/:\d+$/, '');
    const kind = doc.nodes.find((n) => n.id === node)?.kind;
    out[node] = {
      node,
      shape: sym.shape.slice(1).map((d) => d ?? 0),
      dtype: sym.dtype === 'int32' ? 'int32' : 'float32',
      ...(kind ? { kind } : {}),
    };
  });
  return out;
}

function countParams(model: tf.LayersModel, trainableOnly = false): number {
  return (trainableOnly ? model.trainableWeights : model.weights).reduce(
    (n, w) => n + w.shape.reduce((a: number, b) => a * (b ?? 1), 1),
    0,
  );
}

/** Folders that `force` must never wipe, whatever the caller asked. */
function refuseDangerousTarget(root: string): void {
  const parsed = parsePath(root);
  if (root === parsed.root || root === resolve(homedir()) || root === resolve(process.cwd())) {
    throw new ModelFolderError(
      `refusing to replace ${root} (a filesystem root, the home folder or the current folder); choose a dedicated output folder`,
    );
  }
  if (existsSync(join(root, '.git')))
    throw new ModelFolderError(
      `refusing to replace ${root}: it holds a git repository; choose a dedicated output folder`,
    );
}

/** Whether `dir` exists and has anything in it. */
function nonEmpty(dir: string): boolean {
  try {
    return readdirSync(dir).length > 0;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    if ((err as NodeJS.ErrnoException).code === 'ENOTDIR') throw new ModelFolderError(`${dir} is a file, not a folder`);
    throw err;
  }
}

/**
 * Put a folder in place from files: written into a sibling temporary folder, then renamed over
 * `dir` (the previous content, with --force, is moved aside and deleted only after), so a crash
 * never leaves a half-written model and a replaced folder keeps no stale files.
 */
export function replaceFolder(
  dir: string,
  files: Map<string, string | Uint8Array>,
  options: { force?: boolean; what?: string } = {},
): string[] {
  const root = resolve(dir);
  if (nonEmpty(root)) {
    if (!options.force)
      throw new ModelFolderError(
        `${root} is not empty; give --force to replace it (its current content is removed), or choose another folder`,
      );
    refuseDangerousTarget(root);
  }
  const parent = dirname(root);
  mkdirSync(parent, { recursive: true });
  const tmp = join(parent, `.${basename(root)}.tmp-${process.pid}-${Date.now()}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  const written: string[] = [];
  try {
    for (const [rel, content] of files) {
      const full = resolve(tmp, rel);
      if (!full.startsWith(tmp + sep)) throw new ModelFolderError(`refusing to write "${rel}" outside ${root}`);
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, content);
      written.push(join(root, full.slice(tmp.length + 1)));
    }
    let old: string | undefined;
    if (existsSync(root)) {
      old = join(parent, `.${basename(root)}.old-${process.pid}-${Date.now()}`);
      renameSync(root, old);
    }
    try {
      renameSync(tmp, root);
    } catch (err) {
      if (old) renameSync(old, root);
      throw err;
    }
    if (old) rmSync(old, { recursive: true, force: true });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return written;
}

export interface ModelFolderContent {
  /** A live model compiled from `doc`; or give `weights` (tfjs names) and it is compiled here. */
  model?: tf.LayersModel;
  weights?: NamedArrays;
  doc: GraphDoc;
  /** The graph node of each model input, in model order (compile's inputNodes), for info.inputs. */
  inputNodes?: string[];
  /** format/version are filled in; parameterCount, inputs, name and createdAt default from the model. */
  info?: Partial<ModelInfo>;
}

/** Write a model folder. Refuses a non-empty `dir` unless `force`, which replaces it cleanly. */
export async function writeModelFolder(
  dir: string,
  content: ModelFolderContent,
  options: { force?: boolean } = {},
): Promise<{ dir: string; files: string[]; info: ModelInfo }> {
  const root = resolve(dir);
  // Refuse before the (possibly long) serialisation.
  if (nonEmpty(root) && !options.force)
    throw new ModelFolderError(
      `${root} is not empty; give --force to replace it (its current content is removed), or choose another folder`,
    );
  let model = content.model;
  let inputNodes = content.inputNodes;
  let owned = false;
  if (!model) {
    if (!content.weights) throw new ModelFolderError('writeModelFolder needs a model or its weights');
    const compiled = compile(content.doc);
    model = compiled.model;
    inputNodes = compiled.inputNodes;
    owned = true;
    applyNamedWeights(model, content.weights, 'the weights to save');
  }
  try {
    const { modelJson, weightsBin } = await modelArtifacts(model);
    const info = validateModelInfo({
      name: content.doc.name,
      parameterCount: countParams(model),
      trainableParameterCount: countParams(model, true),
      inputs: inputSpecsOf(model, content.doc, inputNodes),
      createdAt: new Date().toISOString(),
      ...content.info,
      format: MODEL_FOLDER_FORMAT,
      version: MODEL_FOLDER_VERSION,
    });
    const files = new Map<string, string | Uint8Array>([
      ['model.json', JSON.stringify(modelJson)],
      ['weights.bin', weightsBin],
      ['graph.json', JSON.stringify(content.doc, null, 2)],
      ['model-info.json', JSON.stringify(info, null, 2)],
    ]);
    return { dir: root, files: replaceFolder(root, files, options), info };
  } finally {
    if (owned) model.dispose();
  }
}

/** A model folder has model-info.json (or at least model.json + weights.bin). */
export function isModelFolder(dir: string): boolean {
  return (
    existsSync(join(dir, 'model-info.json')) ||
    (existsSync(join(dir, 'model.json')) && existsSync(join(dir, 'weights.bin')))
  );
}

/** A checkpoint folder (train --checkpoints DIR) or one of its epoch folders. */
export function isCheckpointFolder(dir: string): boolean {
  if (existsSync(join(dir, 'latest.json'))) return true;
  const manifest = join(dir, 'checkpoint.json');
  if (!existsSync(manifest)) return false;
  try {
    return (JSON.parse(readFileSync(manifest, 'utf8')) as { format?: unknown }).format === CHECKPOINT_FORMAT;
  } catch {
    return false;
  }
}

function loadGraph(path: string): GraphDoc {
  try {
    return loadGraphDoc(
      readText(path, 'the graph', '; a model folder keeps the graph it was trained with in graph.json'),
      path,
    );
  } catch (err) {
    if (err instanceof ModelFolderError) throw err;
    throw new ModelFolderError(`${path}: ${(err as Error).message}`, path);
  }
}

/** Compile `doc` and write `weights` into it, refusing any weight the graph no longer has or sizes differently. */
function buildWith(
  doc: GraphDoc,
  weights: NamedArrays,
  graphPath: string,
  weightsPath: string,
): { model: tf.LayersModel; inputNodes: string[]; outputNodes: string[] } {
  let compiled;
  try {
    compiled = compile(doc);
  } catch (err) {
    throw new ModelFolderError(`${graphPath} does not compile: ${(err as Error).message}`, graphPath);
  }
  const model = compiled.model;
  const changed = `; ${graphPath} was changed after ${weightsPath} was saved — restore the graph, or retrain and save again`;
  try {
    const expected = new Set<string>();
    for (const w of model.weights) {
      expected.add(w.originalName);
      const a = weights.get(w.originalName);
      if (!a)
        throw new ModelFolderError(
          `the graph has weight "${w.originalName}" [${w.shape.join(', ')}] that ${weightsPath} lacks${changed}`,
          graphPath,
        );
      if (a.shape.join('x') !== w.shape.join('x'))
        throw new ModelFolderError(
          `weight "${w.originalName}" is [${a.shape.join(', ')}] in ${weightsPath} but the graph needs [${w.shape.join(', ')}]${changed}`,
          graphPath,
        );
    }
    const extra = [...weights.keys()].filter((k) => !expected.has(k));
    if (extra.length)
      throw new ModelFolderError(
        `${weightsPath} holds weight${extra.length > 1 ? 's' : ''} the graph does not have: ${extra
          .slice(0, 5)
          .map((k) => `"${k}"`)
          .join(', ')}${extra.length > 5 ? ` and ${extra.length - 5} more` : ''}${changed}`,
        graphPath,
      );
    applyNamedWeights(model, weights, weightsPath);
  } catch (err) {
    model.dispose();
    throw err;
  }
  return { model, inputNodes: compiled.inputNodes, outputNodes: compiled.outputNodes };
}

/**
 * Open a model folder or a checkpoint folder. A checkpoint needs the graph: graph.json in the
 * folder (or its parent, for an epoch folder), or `options.doc`.
 */
export async function readModelFolder(dir: string, options: { doc?: GraphDoc } = {}): Promise<LoadedModel> {
  const root = resolve(dir);
  let st;
  try {
    st = statSync(root);
  } catch {
    throw new ModelFolderError(`${root}: no such folder`, root);
  }
  if (!st.isDirectory())
    throw new ModelFolderError(
      `${root} is a file; give the model folder (model.json, weights.bin, graph.json, model-info.json) or a checkpoint folder`,
      root,
    );
  if (isCheckpointFolder(root)) return readCheckpointFolder(root, options);
  if (!existsSync(join(root, 'model.json')) && !existsSync(join(root, 'model-info.json'))) {
    throw new ModelFolderError(
      `${root} is neither a model folder (model.json, weights.bin, graph.json, model-info.json) nor a checkpoint folder (latest.json or checkpoint.json)`,
      root,
    );
  }
  const infoPath = join(root, 'model-info.json');
  const info: ModelInfo = existsSync(infoPath)
    ? validateModelInfo(parseJson(readText(infoPath, 'the model info'), infoPath), infoPath)
    : { format: MODEL_FOLDER_FORMAT, version: MODEL_FOLDER_VERSION }; // a folder from an older build (model.json + weights.bin + graph.json)
  const jsonPath = join(root, 'model.json');
  const modelJson = parseJson(readText(jsonPath, 'the model'), jsonPath);
  const weightsPath = join(root, 'weights.bin');
  let weights: NamedArrays;
  try {
    weights = tfjsWeightsFromArtifacts(
      modelJson,
      (p) => {
        const full = resolve(root, p);
        if (!full.startsWith(root + sep))
          throw new ModelFolderError(`${jsonPath} lists a weight file outside its folder: ${p}`, jsonPath);
        const bytes = readFileSyncOr(full);
        return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      },
      jsonPath,
    );
  } catch (err) {
    if (err instanceof ModelFolderError) throw err;
    throw new ModelFolderError((err as Error).message, weightsPath);
  }
  const doc = options.doc ?? loadGraph(join(root, 'graph.json'));
  const built = buildWith(doc, weights, join(root, 'graph.json'), weightsPath);
  if (info.parameterCount === undefined) info.parameterCount = countParams(built.model);
  return { ...built, doc, info, from: 'model', dir: root };
}

function readFileSyncOr(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ModelFolderError(
      `Cannot read the weight file ${path}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`,
      path,
    );
  }
}

function readCheckpointFolder(root: string, options: { doc?: GraphDoc }): LoadedModel {
  let ckpt;
  try {
    ckpt = readCheckpoint(root);
  } catch (err) {
    throw new ModelFolderError((err as Error).message, root);
  }
  let doc = options.doc;
  let graphPath = join(root, 'graph.json');
  if (!doc) {
    const candidates = [join(root, 'graph.json'), join(dirname(root), 'graph.json')];
    const found = candidates.find((p) => existsSync(p));
    if (!found)
      throw new ModelFolderError(
        `${root} is a checkpoint folder without graph.json; give the graph it was trained with (e.g. --graph template.json)`,
        root,
      );
    graphPath = found;
    doc = loadGraph(found);
  }
  const weights: NamedArrays = new Map();
  for (const e of ckpt.manifest.weights)
    weights.set(e.name, { shape: e.shape, data: ckpt.data.subarray(e.offset, e.offset + e.length) });
  const built = buildWith(doc, weights, graphPath, join(root, 'checkpoint.json'));
  const model = built.model;
  const info: ModelInfo = {
    format: MODEL_FOLDER_FORMAT,
    version: MODEL_FOLDER_VERSION,
    name: doc.name,
    parameterCount: countParams(model),
    source: {
      kind: 'trained',
      run: { epochs: ckpt.manifest.epoch, steps: ckpt.manifest.step, finishedAt: ckpt.manifest.createdAt },
    },
  };
  // A checkpoint folder may carry the model-info (class names, normalisation) beside it.
  const infoPath = [join(root, 'model-info.json'), join(dirname(root), 'model-info.json')].find((p) => existsSync(p));
  if (infoPath)
    Object.assign(info, validateModelInfo(parseJson(readText(infoPath, 'the model info'), infoPath), infoPath), {
      parameterCount: info.parameterCount,
    });
  return { ...built, doc, info, from: 'checkpoint', dir: root };
}
