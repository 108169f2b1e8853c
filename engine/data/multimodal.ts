/**
 * Multimodal examples: a folder per example holding one file per model input, bound by name
 * (the file `image.png` feeds the input node `image`, `audio.wav` the node `audio`), and a
 * `label.txt` with the example's class. Each file is decoded as its input node's kind reads it
 * (Image input: PNG/JPEG resized; Audio input: WAV/.npy resampled and cropped; Point cloud
 * input: meshes/clouds sampled; anything else: a .npy of the input's shape). Files are decoded
 * per batch; only the small label files are read when the folder is indexed. An example missing
 * a modality (or its label) is refused with the folder and file named, or skipped and counted.
 *
 * A One-hot label input (the multimodal autoencoder's label modality) reads no file: it is fed
 * the example's class from label.txt as a one-hot vector. Heads train against the class
 * (classifiers) or, with `heads` (engine/train/headTargets.ts), against the values fed to the
 * input they reconstruct (an autoencoder's per-modality reconstruction losses).
 */
import { decodeAudioFile, waveformToInput } from './audio.js';
import type { Batch, DataSplit, Dataset, TargetSpec } from './dataset.js';
import { splitIndices } from './dataset.js';
import { DataError, newSkipped, skip, type BadRowPolicy, type Skipped } from './errors.js';
import type { ImageAccess } from './images.js';
import { parseNpy } from './npy.js';
import { decodeUtf8 } from './platform.js';
import { decodePointFile, pointsToInput } from './pointcloud.js';
import { mulberry32, permutation } from './random.js';
import { imageToInput } from './resize.js';
import { pointShapeOf } from './sensorFolders.js';

/** One model input as the loader needs it: node id, kind, defaulted params, fed shape. */
export interface ModalityInput {
  id: string;
  kind: string;
  params: Record<string, unknown>;
  shape: number[];
}

/** What one head trains against: the example's class, or the values fed to input `inputIndex`. */
export type ExampleTarget = { kind: 'classes' } | { kind: 'input'; inputIndex: number };

/** Inputs fed from the example's label (no file of their own). */
const fromLabel = (input: ModalityInput): boolean => input.kind === 'OneHotLabel';

function oneHot(input: ModalityInput, label: number, className: string, folder: string): Float32Array {
  const k = input.shape[input.shape.length - 1]!;
  if (label >= k)
    throw new DataError(
      `the class "${className}" is class ${label + 1} of the data but the input node "${input.id}" holds ${k} classes; raise its numClasses to the data's class count`,
      { file: folder },
    );
  const x = new Float32Array(k);
  x[label] = 1;
  return x;
}

export interface ExampleFolders {
  root: string;
  /** One entry per example folder, with the paths of its files. */
  examples: { name: string; files: string[] }[];
}

const base = (path: string) => path.slice(path.lastIndexOf('/') + 1);
const stem = (path: string) =>
  base(path)
    .replace(/\.[^.]*$/, '')
    .toLowerCase();

function extensionsFor(kind: string): string {
  if (kind === 'ImageInput') return '.png or .jpg';
  if (kind === 'AudioInput') return '.wav or .npy';
  if (kind === 'PointCloudInput') return '.ply, .off, .xyz, .csv or .npy';
  return '.npy';
}

/** Decode one modality file to its input's example. */
export async function decodeModality(
  input: ModalityInput,
  path: string,
  bytes: Uint8Array,
  images: Pick<ImageAccess, 'decode'>,
  rand?: () => number,
): Promise<Float32Array> {
  const p = input.params;
  if (input.kind === 'ImageInput' && !(Number(p.frames) > 0)) {
    const img = await images.decode(bytes, path);
    return imageToInput(img, p.height as number, p.width as number, p.channels as number);
  }
  if (input.kind === 'AudioInput')
    return waveformToInput(
      decodeAudioFile(bytes, path, p.sampleRate as number),
      { samples: p.samples as number, channels: p.channels as number, sampleRate: p.sampleRate as number },
      path,
      rand,
    ).x;
  if (input.kind === 'PointCloudInput') return pointsToInput(decodePointFile(bytes, path), pointShapeOf(p), path, rand);
  const a = parseNpy(bytes, path);
  if (a.shape.join('x') !== input.shape.join('x'))
    throw new DataError(
      `the array is [${a.shape.join(', ')}] but the input node "${input.id}" takes [${input.shape.join(', ')}]`,
      { file: path },
    );
  return a.data;
}

interface Index {
  classNames: string[];
  rows: { folder: string; files: string[]; label: number }[];
  skipped: Skipped;
}

/** Match every example's files to the inputs and read its label (refusing or skipping incomplete examples). */
export async function indexExamples(
  folders: ExampleFolders,
  inputs: ModalityInput[],
  readFile: (path: string) => Promise<Uint8Array>,
  badFiles: BadRowPolicy,
): Promise<Index> {
  const skipped = newSkipped();
  const found: { folder: string; files: string[]; label: string }[] = [];
  for (const ex of [...folders.examples].sort((a, b) => a.name.localeCompare(b.name))) {
    const folder = `${folders.root}/${ex.name}`;
    try {
      const files = inputs.map((inp) => {
        if (fromLabel(inp)) return '';
        const f = ex.files.find((p) => stem(p) === inp.id.toLowerCase());
        if (!f)
          throw new DataError(
            `the example has no file for the input "${inp.id}" (a file named ${inp.id} with ${extensionsFor(inp.kind)}); add it, or remove the example folder`,
            { file: folder },
          );
        return f;
      });
      const labelFile = ex.files.find((p) => base(p).toLowerCase() === 'label.txt');
      if (!labelFile)
        throw new DataError(
          'the example has no label.txt (one line: its class); add it, or remove the example folder',
          { file: folder },
        );
      let label: string;
      try {
        label = decodeUtf8(await readFile(labelFile)).trim();
      } catch (err) {
        throw new DataError(`cannot read label.txt (${(err as Error).message})`, { file: folder });
      }
      if (!label || label.includes('\n'))
        throw new DataError(
          `label.txt must hold one class name on one line (it has ${label ? 'several lines' : 'nothing'})`,
          { file: folder },
        );
      found.push({ folder, files, label });
    } catch (err) {
      if (badFiles !== 'skip' || !(err instanceof DataError)) throw err;
      skip(skipped, err.message);
    }
  }
  if (found.length === 0)
    throw new DataError(
      `no complete example folders (each needs ${inputs
        .filter((i) => !fromLabel(i))
        .map((i) => `${i.id}.*`)
        .join(', ')} and label.txt)`,
      { file: folders.root },
    );
  const classNames = [...new Set(found.map((f) => f.label))].sort();
  if (classNames.length < 2)
    throw new DataError(`every example has the label "${classNames[0]}"; a classifier needs at least two classes`, {
      file: folders.root,
    });
  return {
    classNames,
    rows: found.map((f) => ({ folder: f.folder, files: f.files, label: classNames.indexOf(f.label) })),
    skipped,
  };
}

function rowSeed(seed: number, epoch: number, row: number): number {
  let h = (seed * 0x9e3779b1) ^ (epoch * 0x85ebca6b) ^ (row * 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  return (h ^ (h >>> 15)) >>> 0;
}

class ExampleSplit implements DataSplit {
  constructor(
    private readonly index: Index,
    private readonly rows: Uint32Array,
    private readonly inputs: ModalityInput[],
    private readonly access: ImageAccess,
    private readonly stats: { decoded: number },
    private readonly augment: boolean,
    private readonly seed: number,
    private readonly targets: ExampleTarget[],
  ) {}
  get size(): number {
    return this.rows.length;
  }
  private async load(row: number, epoch: number | undefined): Promise<Float32Array[]> {
    const ex = this.index.rows[row]!;
    return Promise.all(
      this.inputs.map(async (inp, k) => {
        if (fromLabel(inp)) return oneHot(inp, ex.label, this.index.classNames[ex.label]!, ex.folder);
        const path = ex.files[k]!;
        let bytes: Uint8Array;
        try {
          bytes = await this.access.readFile(path);
        } catch (err) {
          throw new DataError(`cannot read the file for the input "${inp.id}" (${(err as Error).message})`, {
            file: path,
          });
        }
        const rand = epoch !== undefined ? mulberry32(rowSeed(this.seed, epoch, row * 8 + k)) : undefined;
        try {
          const x = await decodeModality(inp, path, bytes, this.access, rand);
          this.stats.decoded++;
          return x;
        } catch (err) {
          if (err instanceof DataError) throw err;
          throw new DataError(`cannot decode it for the input "${inp.id}": ${(err as Error).message}`, { file: path });
        }
      }),
    );
  }
  async *batches(
    batchSize: number,
    opts: { shuffle?: boolean; seed?: number; epoch?: number } = {},
  ): AsyncIterable<Batch> {
    const n = this.rows.length;
    const order = opts.shuffle ? permutation(n, ((opts.seed ?? 0) * 1000003 + (opts.epoch ?? 0)) >>> 0) : undefined;
    const epoch = this.augment ? (opts.epoch ?? 0) : undefined;
    const sizes = this.inputs.map((i) => i.shape.reduce((a, b) => a * b, 1));
    const make = async (s: number): Promise<Batch> => {
      const m = Math.min(batchSize, n - s);
      const rows = Array.from({ length: m }, (_, r) => this.rows[order ? order[s + r]! : s + r]!);
      const loaded = await Promise.all(rows.map((row) => this.load(row, epoch)));
      const xs = sizes.map((e, k) => {
        const x = new Float32Array(m * e);
        loaded.forEach((l, r) => x.set(l[k]!, r * e));
        return x;
      });
      const labels = Int32Array.from(rows, (row) => this.index.rows[row]!.label);
      const ys = this.targets.map((t) => (t.kind === 'classes' ? labels : xs[t.inputIndex]!));
      return {
        x: xs[0]!,
        moreInputs: xs.length > 1 ? xs.slice(1) : undefined,
        y: ys[0]!,
        n: m,
        moreTargets: ys.length > 1 ? ys.slice(1).map((y) => ({ y })) : undefined,
      };
    };
    let next = n > 0 ? make(0) : undefined;
    next?.catch(() => undefined);
    for (let s = 0; s < n; s += batchSize) {
      const current = await next!;
      next = s + batchSize < n ? make(s + batchSize) : undefined;
      next?.catch(() => undefined);
      yield current;
    }
  }
  async example(i: number): Promise<{ x: Float32Array; y: number }> {
    const xs = await this.load(this.rows[i]!, undefined);
    return { x: xs[0]!, y: this.index.rows[this.rows[i]!]!.label };
  }
}

export interface MultimodalDataset extends Dataset {
  stats: { decoded: number };
  /** Examples per class in the training split. */
  classCounts: number[];
}

/** Example folders → a dataset feeding every input (model input order) and one class per example. */
export async function multimodalFolderDataset(
  folders: ExampleFolders,
  access: ImageAccess,
  inputs: ModalityInput[],
  opts: {
    validationFraction?: number;
    testFraction?: number;
    seed?: number;
    badFiles?: BadRowPolicy;
    heads?: ExampleTarget[];
  } = {},
): Promise<MultimodalDataset> {
  const heads = opts.heads && opts.heads.length > 0 ? opts.heads : [{ kind: 'classes' as const }];
  for (const h of heads)
    if (h.kind === 'input' && !inputs[h.inputIndex])
      throw new DataError(`a head reconstructs input ${h.inputIndex + 1} but the graph has ${inputs.length} inputs`, {
        file: folders.root,
      });
  const index = await indexExamples(folders, inputs, (p) => access.readFile(p), opts.badFiles ?? 'error');
  const seed = opts.seed ?? 1;
  const s = splitIndices(index.rows.length, opts.validationFraction ?? 0.1, opts.testFraction ?? 0.2, seed);
  if (s.train.length === 0)
    throw new DataError(
      `${index.rows.length} examples leave nothing to train on after the validation and test fractions`,
      { file: folders.root },
    );
  const stats = { decoded: 0 };
  const mk = (rows: Uint32Array, augment: boolean) =>
    new ExampleSplit(index, rows, inputs, access, stats, augment, seed, heads);
  // The class balance of the training split (what the Dataset tab says it shows).
  const classCounts = new Array<number>(index.classNames.length).fill(0);
  for (const i of s.train) classCounts[index.rows[i]!.label]!++;
  return {
    name: folders.root,
    inputShape: inputs[0]!.shape,
    moreInputShapes: inputs.length > 1 ? inputs.slice(1).map((i) => i.shape) : undefined,
    numClasses: index.classNames.length,
    classNames: index.classNames,
    train: mk(s.train, true),
    validation: mk(s.validation, false),
    test: mk(s.test, false),
    skipped: index.skipped,
    ...(heads.some((h) => h.kind !== 'classes')
      ? {
          targets: heads.map((h): TargetSpec =>
            h.kind === 'classes' ? { kind: 'classes' } : { kind: 'values', shape: [...inputs[h.inputIndex]!.shape] },
          ),
        }
      : {}),
    stats,
    classCounts,
  };
}
