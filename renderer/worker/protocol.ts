/**
 * Messages between the UI and the training worker. The worker owns tfjs; the UI only draws what
 * these messages report. New features (datasets, attention maps, checkpoints) add message types
 * here rather than reaching into the worker.
 */
import type { DataBinding, GraphDoc, TrainingSettings } from '../../engine/graph/schema';
import type { EpochEvent, StepEvent } from '../../engine/train/train';
import type { TargetSpec } from '../../engine/data/dataset';
import type { InputNodeInfo } from '../../engine/data/sensorFolders';
import type { ModalityInput } from '../../engine/data/multimodal';
import type { NpzHead } from '../../engine/data/multimodalNpz';
import type { MetricKind } from '../../engine/train/lossPlan';
import type { AttentionMap } from '../../engine/insight/attentionMaps';
import type { EpochDiagnostics } from '../../engine/insight/diagnostics';
import type { Normalization } from '../../engine/data/tabular';

export interface TrainRequestOptions {
  /** Limit steps per epoch for quick runs (null: full epochs). */
  maxStepsPerEpoch: number | null;
  /** Force a backend instead of the automatic choice (diagnostics, tests). */
  backend?: 'webgl' | 'wasm' | 'cpu';
}

export type ToWorker =
  | { type: 'train'; runId: number; doc: GraphDoc; options: TrainRequestOptions & TrainDataOptions }
  | { type: 'stop'; runId: number }
  | ToWorkerData
  | ToWorkerInsight
  | ToWorkerExport
  | ToWorkerTry
  | ToWorkerTryImport
  | ToWorkerHf;

export interface BackendInfo {
  name: 'webgl' | 'wasm' | 'cpu';
  /** Why this backend was chosen, for the screen ("WebGL is software-rendered (SwiftShader) …"). */
  reason: string;
  /** The WebGL renderer string, when one could be read. */
  gpu?: string;
  threads?: number;
}

export interface TestSummary {
  /** The first head's metric: accuracy, masked-token accuracy or MSE (see `metric`). */
  accuracy: number;
  loss: number;
  /** confusion[true][predicted]; empty when the head is not a classifier. */
  confusion: number[][];
  /** Absent: accuracy (runs recorded before other heads trained). */
  metric?: MetricKind;
}

export type FromWorker =
  | {
      type: 'status';
      runId: number;
      phase: 'starting' | 'loading-data' | 'compiling' | 'warming-up' | 'training' | 'evaluating';
      message: string;
    }
  | { type: 'backend'; runId: number; backend: BackendInfo }
  | {
      type: 'ready';
      runId: number;
      params: number;
      trainSize: number;
      validationSize: number;
      testSize: number;
      dataName: string;
    }
  | { type: 'step'; runId: number; step: StepEvent }
  | { type: 'epoch'; runId: number; epoch: EpochEvent }
  | {
      type: 'done';
      runId: number;
      status: 'done' | 'stopped' | 'diverged' | 'early-stopped';
      message?: string;
      test: TestSummary | null;
      seconds: number;
      steps: number;
    }
  | { type: 'error'; runId: number; message: string; nodeId?: string }
  | FromWorkerData
  | FromWorkerInsight
  | FromWorkerExport
  | FromWorkerTry
  | FromWorkerHf;

// ---- Datasets, run control, checkpoints and results (dataset panel and training results) ----

/**
 * A dataset the user picked, as File handles only: the worker reads a table once and reads
 * images lazily per batch, so an image folder is never read whole. Files are cheap to post
 * (structured clone passes a reference), so every run carries its source and survives a
 * restarted worker.
 */
export type DataSourceRef =
  | { id: string; kind: 'table'; name: string; file: File }
  | { id: string; kind: 'images'; name: string; files: { path: string; file: File }[] }
  /** A text file for masked-byte models, cut into windows of the Text bytes node's length. */
  | { id: string; kind: 'text'; name: string; file: File };

/** What the dataset panel shows: sizes, shape, balance, samples (never the whole data). */
export interface DataPreviewInfo {
  name: string;
  kind: 'table' | 'images' | 'mnist' | 'text';
  inputShape: number[];
  /** What the targets are (absent: one class per example); the panel checks the graph against it. */
  targets?: TargetSpec[];
  /** Text: a few windows with the hidden bytes shown as "_", and the fraction hidden. */
  textSamples?: string[];
  maskRate?: number;
  classNames: string[];
  sizes: { train: number; validation: number; test: number };
  classCounts: number[];
  classCountsSampled: boolean;
  /** Columns of a table in file order (for the target choice); empty for images. */
  columns: string[];
  targetName: string | null;
  /** Images: samples as values in [H, W, C]; tables: the first rows as read from the file. */
  samples: { x: Float32Array; label: string; path?: string }[];
  rows: { values: number[]; label: string }[];
  featureNames: string[];
  stats: { min: number; max: number; mean: number };
  normalization: string;
  skipped: { count: number; reasons: string[] };
  /** Multimodal example folders: the shapes of the inputs after the first (model order). */
  moreInputShapes?: number[][];
  /** A folder of audio clips or point clouds (absent: images, or not a folder). */
  content?: 'audio' | 'points';
  /** Images listed (all) vs decoded for this preview (a sample). */
  decoded?: number;
}

export interface MistakeExample {
  label: number;
  predicted: number;
  /** The example's values ([H, W, C] for images, features for tables). */
  x: Float32Array;
  /** The image file it came from. */
  path?: string;
}

export interface RunResults {
  classNames: string[];
  perClassAccuracy: number[];
  mistakes: MistakeExample[];
  /** [H, W, C] when the inputs are images (the gallery draws them), else null. */
  imageShape: number[] | null;
  featureNames: string[];
  testSize: number;
}

export interface MemoryRefusal {
  message: string;
  totalBytes: number;
  limitBytes: number;
  maxBatchSize: number;
  backend: string;
}

export type ToWorkerData =
  /** source null: the built-in MNIST digits. */
  | {
      type: 'loadData';
      requestId: number;
      source: DataSourceRef | null;
      binding: DataBinding | undefined;
      declaredShape: number[] | null;
      skipBadRows: boolean;
      targetKind?: 'classes' | 'values';
      input?: InputNodeInfo;
      inputs?: ModalityInput[];
      heads?: NpzHead[];
    }
  | { type: 'pause'; runId: number; paused: boolean };

export type FromWorkerData =
  | { type: 'dataPreview'; requestId: number; preview: DataPreviewInfo; runId?: undefined }
  | { type: 'dataError'; requestId: number; message: string; runId?: undefined }
  | { type: 'paused'; runId: number; paused: boolean }
  | {
      type: 'bound';
      runId: number;
      filled: string[];
      skipped: { count: number; reasons: string[] };
      resumedFromEpoch: number | null;
      estimate: string;
    }
  | { type: 'checkpoint'; runId: number; key: string; epoch: number; step: number; bytes: number }
  | { type: 'refused'; runId: number; refusal: MemoryRefusal }
  | { type: 'results'; runId: number; results: RunResults };

/** Run options beyond TrainRequestOptions: which data, bad-row policy, resume. */
export interface TrainDataOptions {
  /** The picked dataset when the graph is bound to one (null/absent: built-in MNIST). */
  data?: DataSourceRef | null;
  skipBadRows?: boolean;
  /** Continue from the checkpoint stored under this key. */
  resumeKey?: string | null;
  /** Store a checkpoint each epoch under this key. */
  checkpointKey?: string | null;
  /** Start from the weights of an imported model (fine-tuning) instead of a random initialisation. */
  pretrained?: PretrainedRef | null;
}

// ---- Insight: attention maps of the kept model, per-epoch latent diagnostics, run records ----

export interface AttentionExample {
  split: 'train' | 'validation' | 'test';
  index: number;
  splitSize: number;
  /** The example's values, row-major in `shape` ([H, W, C] for images). */
  x: Float32Array;
  shape: number[];
  label: number;
  predicted: number;
  probabilities: number[];
  classNames: string[];
}

/** The newest model's encoder and decoder attention for one example (self-attention left out). */
export interface AttentionSnapshot {
  runId: number;
  docName: string;
  /** Epochs the model had completed when asked (null: still in its first epoch). */
  epoch: number | null;
  training: boolean;
  maps: AttentionMap[];
  example: AttentionExample;
}

export type ToWorkerInsight =
  | { type: 'attention'; requestId: number; split: 'train' | 'validation' | 'test'; index: number }
  /** The run record's name (Runs view), which Export and Try then use for the run's weights. */
  | { type: 'runName'; runId: number; name: string };

export type FromWorkerInsight =
  /** A run's model is compiled and bound to its data: what a run record needs. */
  | {
      type: 'insightRun';
      runId: number;
      doc: GraphDoc;
      settings: TrainingSettings;
      dataName: string;
      backend: string;
      params: number;
      flops: number;
    }
  | { type: 'attention'; requestId: number; snapshot: AttentionSnapshot | null; error?: string; runId?: undefined }
  | { type: 'diagnostics'; runId: number; diagnostics: EpochDiagnostics };

// ---- Export: the current graph (with the last run's trained weights) as PyTorch or tfjs files ----

export interface ExportRequest {
  /** onnx: the PyTorch package (with export_onnx.py); the host adds model.onnx (writeExport). */
  format: 'pytorch' | 'tfjs' | 'onnx';
  /** The graph in the editor (used as is when no trained weights are asked for). */
  doc: GraphDoc;
  /** Use the newest run's model: its weights, and the graph as it was trained. */
  withWeights: boolean;
  /** PyTorch: add the built-in MNIST digits as data/mnist.npz when the graph trains on them. */
  includeData: boolean;
}

export interface ExportSummary {
  /** Suggested folder name, e.g. "mnist-perceiver-io-pytorch". */
  name: string;
  params: number;
  /** "run 3, 2 epochs" when trained weights are in the package; null without weights. */
  weights: string | null;
  /** Things the user should know (graph changed since the run, data not included, …). */
  notes: string[];
}

export type ToWorkerExport = { type: 'exportModel'; requestId: number; request: ExportRequest };

export type FromWorkerExport =
  | {
      type: 'exportFiles';
      requestId: number;
      files: { path: string; data: Uint8Array }[];
      summary: ExportSummary;
      runId?: undefined;
    }
  | { type: 'exportError'; requestId: number; message: string; runId?: undefined };

// ---- Try: the current weights on input made on the spot (renderer/try, worker/tryModel.ts) ----

/** One input as the Try panel makes it; the worker turns it into model values the way training data is. */
export type TryInput =
  /** The drawing pad's pixels (RGBA at the pad's resolution): resized and normalised like an image file. */
  | { kind: 'pixels'; width: number; height: number; rgba: Uint8ClampedArray }
  /** A dropped, pasted or chosen PNG/JPEG: decoded, resized and normalised as an image folder's files are. */
  | { kind: 'imageFile'; file: File }
  /** Text for a Text bytes input; `masked` are byte positions to fill (a "_" byte is hidden too). */
  | { kind: 'text'; text: string; masked: number[] }
  /** One table row: a value per feature column, as typed (parsed like a CSV cell). */
  | { kind: 'row'; values: string[] }
  /** A file for any other input: through its dataset codec (WAV, PLY/OFF/XYZ, …) when it has one, else a .npy of its shape. */
  | { kind: 'arrayFile'; file: File }
  /** Models with several inputs: one file per model input, in `TryWeightsInfo.inputs` order. */
  | { kind: 'files'; files: (File | null)[] };

/** What the current weights take and give, so the panel draws the right input and output. */
export interface TryWeightsInfo {
  source: 'run' | 'checkpoint' | 'imported';
  /** "run 3, 2 epochs completed", "checkpoint of epoch 4", "imported: deepmind/…". */
  label: string;
  docName: string;
  training: boolean;
  /** The first model input (what the pad, text box or form feed); every input is in `inputs`. */
  input: {
    nodeId: string;
    kind: 'image' | 'text' | 'table' | 'array';
    shape: number[];
    dtype: 'float32' | 'int32';
    /** 'array' inputs read by a dataset codec (audio, point clouds): its formats ("WAV or .npy") and what one file is. */
    file?: { formats: string; what: string };
    /** Text inputs: bytes of text that fit (less than the length for an imported HF model's [CLS] and [SEP]). */
    textBytes?: number;
  };
  inputs: TryWeightsInfo['input'][];
  /** The first head; every head is in `outputs`. */
  output: { nodeId: string; kind: 'classes' | 'tokens' | 'values'; shape: number[] };
  outputs: TryWeightsInfo['output'][];
  classNames: string[];
  /** Table inputs: one name per feature column (from the bound CSV). */
  featureNames: string[];
  /** Normalisation applied to the input, as training applied it ("none", "standardize", …). */
  normalization: string;
  unsupported?: string;
}

export interface TryPrediction {
  /** What the model was given (after resizing and normalisation), for the overlay; token ids for text. */
  seen: { x: Float32Array; shape: number[] };
  output:
    | { kind: 'classes'; top: { index: number; name: string; p: number }[] }
    | { kind: 'values'; values: number[]; shape: number[] }
    | {
        kind: 'tokens';
        filled: string;
        positions: { index: number; top: { byte: number; text: string; p: number }[] }[];
      };
  /** The outputs of the heads after the first (multimodal models). */
  more?: { nodeId: string; output: TryPrediction['output'] }[];
  /** Encoder and decoder attention for this input (self-attention left out; empty when too large). */
  maps: AttentionMap[];
  mapsNote?: string;
  /** Milliseconds the worker spent (preprocessing + forward pass + attention). */
  ms: number;
}

/** A named weight tensor for `trySetWeights`: the tfjs weight names ("encoder/q_kernel"), as engine/export namedWeights reads them. */
export interface NamedArray {
  name: string;
  shape: number[];
  data: Float32Array;
}

export type ToWorkerTry =
  /** What the current weights are, and how the editor's graph differs from the graph they belong to. */
  | { type: 'tryInfo'; requestId: number; doc: GraphDoc }
  | { type: 'tryPredict'; requestId: number; doc: GraphDoc; input: TryInput; topK: number }
  /** Make a stored checkpoint (checkpointStore key) the current weights; `data` fills "from data" sizes. */
  | {
      type: 'tryUseCheckpoint';
      requestId: number;
      key: string;
      doc: GraphDoc;
      data: DataSourceRef | null;
      skipBadRows: boolean;
    }
  /**
   * Make arrays the current weights (an imported or pretrained model, a model folder's weights):
   * `doc` is the full graph they belong to (no "from data" zeros left), `classNames` and
   * `normalization` what its inputs/outputs mean. A later training run replaces them.
   */
  | {
      type: 'trySetWeights';
      requestId: number;
      doc: GraphDoc;
      weights: NamedArray[];
      label: string;
      classNames?: string[];
      featureNames?: string[];
      normalization?: Normalization;
    }
  /**
   * A model folder (engine/node/modelFolder.ts: model.json + weights.bin + graph.json +
   * model-info.json, from `import-hf`, `train --save-model` or an export), picked in the browser;
   * paths relative to the folder. Its weights become current, for its graph.json.
   */
  | { type: 'tryUseModelFolder'; requestId: number; name: string; files: { path: string; file: File }[] }
  /** Forget loaded or imported weights: the last run's model is current again. */
  | { type: 'tryUseLastRun'; requestId: number };

/**
 * "Import trained weights…": a weights.safetensors from an exported PyTorch package's train.py
 * (torch names) becomes the current weights of `doc`: converted by renderer/worker/torchWeights.ts,
 * then set as `trySetWeights` does; answered with a FromWorkerTry `tryInfo`.
 */
export type ToWorkerTryImport = { type: 'tryImportTorchWeights'; requestId: number; doc: GraphDoc; file: File };

// ---- Import from Hugging Face (renderer/hf, worker/hfImport.ts) and fine-tuning from it ----

/** A downloaded HF folder's files, as picked or dropped. */
export interface HfImportFiles {
  folder: string;
  config: File;
  /** model.safetensors or pytorch_model.bin */
  weights: File;
}

export interface HfImportSummary {
  importId: string;
  folder: string;
  hfClass: string;
  weightsFile: string;
  weightsBytes: number;
  stateDictEntries: number;
  /** As HF counts them (BatchNorm statistics apart, in `buffers`). */
  parameters: number;
  buffers: number;
  /** The analyser's count for the graph. */
  graphParams: number;
  classNames: string[];
}

/** What a run starts from: the import (its files too, should the worker have restarted since). */
export interface PretrainedRef {
  importId: string;
  files: HfImportFiles;
  label: string;
  freezeEncoder: boolean;
}

export type ToWorkerHf = { type: 'importHf'; requestId: number; files: HfImportFiles };

export type FromWorkerHf =
  | { type: 'hfImportProgress'; requestId: number; done: number; total: number; runId?: undefined }
  | { type: 'hfImported'; requestId: number; summary: HfImportSummary; doc: GraphDoc; runId?: undefined }
  | { type: 'hfImportError'; requestId: number; message: string; runId?: undefined }
  /** A run started from pretrained weights: what was copied, what starts fresh (a replaced head), what is frozen. */
  | {
      type: 'pretrainedStart';
      runId: number;
      label: string;
      loaded: number;
      replaced: string[];
      frozenNodes: string[];
      trainableParams: number;
    };

export type FromWorkerTry =
  | {
      type: 'tryInfo';
      requestId: number;
      info: TryWeightsInfo | null;
      changes: string[];
      error?: string;
      runId?: undefined;
    }
  | {
      type: 'tryResult';
      requestId: number;
      prediction: TryPrediction | null;
      info: TryWeightsInfo | null;
      changes: string[];
      error?: string;
      runId?: undefined;
    };
