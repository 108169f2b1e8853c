/**
 * Image folders (one subfolder per class) as a streaming dataset: the file list is read first,
 * images are read and decoded per batch, and the next batch is prefetched while the current one
 * trains, so at most two batches of pixels are alive however large the folder is. Statistics and
 * previews sample a few images instead of decoding them all.
 * File access and decoding are injected: Node passes fs + pngjs/jpeg-js, a worker passes Files
 * and createImageBitmap.
 */
import type { Batch, DataSplit, Dataset } from './dataset.js';
import { splitIndices } from './dataset.js';
import { DataError, newSkipped, skip, type Skipped } from './errors.js';
import { permutation } from './random.js';
import { imageToInput, type DecodedImage } from './resize.js';
import type { Normalization, NormalizeKind } from './tabular.js';

export type { DecodedImage } from './resize.js';

export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg'];

/** What a folder listing found: class subfolders with their files, and anything else at the top. */
export interface ImageFolderListing {
  root: string;
  classes: { name: string; files: string[] }[];
  /** Files directly in the root (not in a class folder): skipped, and said so. */
  looseFiles: string[];
}

export interface ImageAccess {
  /** Read a file given by its path as listed. */
  readFile(path: string): Promise<Uint8Array>;
  /** Decode PNG or JPEG bytes; throw with the reason when it cannot. */
  decode(bytes: Uint8Array, path: string): DecodedImage | Promise<DecodedImage>;
}

export interface ImageIndex {
  classNames: string[];
  files: string[];
  labels: Int32Array;
  skipped: Skipped;
}

function isImageName(name: string): boolean {
  const lower = name.toLowerCase();
  return IMAGE_EXTENSIONS.some((e) => lower.endsWith(e));
}

/** Validate the listing: every class has images, non-image files are counted as skipped. */
export function indexImageFolder(listing: ImageFolderListing): ImageIndex {
  const skipped = newSkipped();
  for (const f of listing.looseFiles)
    skip(skipped, `${f}: not inside a class folder (put each image in a subfolder named after its class)`);
  const classes = [...listing.classes].sort((a, b) => a.name.localeCompare(b.name));
  if (classes.length === 0)
    throw new DataError(
      'the folder has no class subfolders; put the images of each class in a subfolder named after the class',
      { file: listing.root },
    );
  const files: string[] = [];
  const labels: number[] = [];
  classes.forEach((c, k) => {
    const images = c.files.filter(isImageName).sort();
    for (const f of c.files) if (!isImageName(f)) skip(skipped, `${f}: not a PNG or JPEG file`);
    if (images.length === 0) {
      throw new DataError(`the class folder "${c.name}" has no PNG or JPEG images; add some or remove the folder`, {
        file: listing.root,
      });
    }
    for (const f of images) {
      files.push(f);
      labels.push(k);
    }
  });
  if (classes.length < 2)
    throw new DataError(`only one class folder ("${classes[0]!.name}"); a classifier needs at least two`, {
      file: listing.root,
    });
  return { classNames: classes.map((c) => c.name), files, labels: Int32Array.from(labels), skipped };
}

export interface ImageShape {
  height: number;
  width: number;
  channels: number;
}

/** Read, decode and resize one image, naming the file in any failure. */
export async function loadImage(
  access: ImageAccess,
  path: string,
  shape: ImageShape,
  opts: { resize?: boolean } = {},
): Promise<Float32Array> {
  let bytes: Uint8Array;
  try {
    bytes = await access.readFile(path);
  } catch (err) {
    throw new DataError(`cannot read the image (${(err as Error).message})`, { file: path });
  }
  let img: DecodedImage;
  try {
    img = await access.decode(bytes, path);
  } catch (err) {
    throw new DataError(`cannot decode the image: ${(err as Error).message}. Remove or re-save it as PNG or JPEG`, {
      file: path,
    });
  }
  if (img.width < 1 || img.height < 1 || img.data.length < img.width * img.height * img.channels) {
    throw new DataError(
      `the decoded image is malformed (${img.width}×${img.height}×${img.channels}, ${img.data.length} bytes)`,
      { file: path },
    );
  }
  if (opts.resize === false && (img.width !== shape.width || img.height !== shape.height)) {
    throw new DataError(
      `the image is ${img.width}×${img.height} but the input node expects ${shape.width}×${shape.height}; resize the images or allow resizing`,
      { file: path },
    );
  }
  return imageToInput(img, shape.height, shape.width, shape.channels);
}

/** Transforms decoded pixels with the normalisation fitted on a train sample (also the app's Try panel). */
export function normalizeInPlace(x: Float32Array, norm: Normalization): void {
  if (norm.kind === 'none') return;
  const c = norm.offset.length;
  for (let i = 0; i < x.length; i++) x[i] = (x[i]! - norm.offset[i % c]!) * norm.scale[i % c]!;
}

export interface StreamStats {
  /** Images read and decoded so far (tests check decoding is lazy). */
  decoded: number;
  /** Most images decoded but not yet handed to the trainer at any moment. */
  maxAhead: number;
}

export class ImageFolderSplit implements DataSplit {
  private ahead = 0;
  constructor(
    private readonly index: ImageIndex,
    private readonly rows: Uint32Array,
    private readonly shape: ImageShape,
    private readonly access: ImageAccess,
    private readonly stats: StreamStats,
    private readonly getNorm: () => Normalization,
    private readonly resize: boolean,
  ) {}
  get size(): number {
    return this.rows.length;
  }
  /** Path and class of the i-th example (galleries name the file). */
  file(i: number): { path: string; label: number } {
    const r = this.rows[i]!;
    return { path: this.index.files[r]!, label: this.index.labels[r]! };
  }
  private async load(row: number): Promise<Float32Array> {
    const x = await loadImage(this.access, this.index.files[row]!, this.shape, { resize: this.resize });
    this.stats.decoded++;
    this.ahead++;
    this.stats.maxAhead = Math.max(this.stats.maxAhead, this.ahead);
    normalizeInPlace(x, this.getNorm());
    return x;
  }
  private async loadBatch(order: Uint32Array | undefined, start: number, m: number): Promise<Batch> {
    const e = this.shape.height * this.shape.width * this.shape.channels;
    const rows = Array.from({ length: m }, (_, r) => this.rows[order ? order[start + r]! : start + r]!);
    const images = await Promise.all(rows.map((row) => this.load(row)));
    const x = new Float32Array(m * e);
    images.forEach((img, r) => x.set(img, r * e));
    const y = Int32Array.from(rows, (row) => this.index.labels[row]!);
    return { x, y, n: m };
  }
  async *batches(
    batchSize: number,
    opts: { shuffle?: boolean; seed?: number; epoch?: number } = {},
  ): AsyncIterable<Batch> {
    const n = this.rows.length;
    const order = opts.shuffle ? permutation(n, ((opts.seed ?? 0) * 1000003 + (opts.epoch ?? 0)) >>> 0) : undefined;
    const start = (s: number) => {
      const p = this.loadBatch(order, s, Math.min(batchSize, n - s));
      // A consumer may stop early (stop button, max steps): a prefetch nobody awaits must not
      // surface as an unhandled rejection.
      p.catch(() => undefined);
      return p;
    };
    let next = n > 0 ? start(0) : undefined;
    for (let s = 0; s < n; s += batchSize) {
      const current = await next!;
      next = s + batchSize < n ? start(s + batchSize) : undefined;
      this.ahead -= current.n;
      yield current;
    }
  }
  async example(i: number): Promise<{ x: Float32Array; y: number }> {
    if (i < 0 || i >= this.rows.length) throw new RangeError(`example ${i} is outside 0…${this.rows.length - 1}`);
    const x = await this.load(this.rows[i]!);
    this.ahead--;
    return { x, y: this.index.labels[this.rows[i]!]! };
  }
}

export interface ImageFolderOptions extends Partial<ImageShape> {
  validationFraction?: number;
  testFraction?: number;
  seed?: number;
  normalize?: NormalizeKind;
  /** Images sampled from the train split to fit normalisation (default 256). */
  statsSample?: number;
  /** false: refuse images whose size differs from height×width instead of resizing. */
  resize?: boolean;
}

export interface ImageFolderDataset extends Dataset {
  index: ImageIndex;
  shape: ImageShape;
  normalization: Normalization;
  /** Examples per class in the training split. */
  classCounts: number[];
  stream: StreamStats;
  train: ImageFolderSplit;
  validation: ImageFolderSplit;
  test: ImageFolderSplit;
}

/**
 * Build the streaming dataset. Height/width/channels left out (or 0) come from the first image
 * ("from data"). Normalisation statistics come from a sample of the train split only.
 */
export async function imageFolderDataset(
  listing: ImageFolderListing,
  access: ImageAccess,
  opts: ImageFolderOptions = {},
): Promise<ImageFolderDataset> {
  const index = indexImageFolder(listing);
  const s = splitIndices(index.files.length, opts.validationFraction ?? 0.1, opts.testFraction ?? 0.2, opts.seed ?? 1);
  if (s.train.length === 0)
    throw new DataError(
      `${index.files.length} images leave nothing to train on after the validation and test fractions`,
      { file: listing.root },
    );
  let shape: ImageShape;
  if (opts.height && opts.width && opts.channels)
    shape = { height: opts.height, width: opts.width, channels: opts.channels };
  else {
    const first = index.files[s.train[0]!]!;
    let img: DecodedImage;
    try {
      img = await access.decode(await access.readFile(first), first);
    } catch (err) {
      throw new DataError(`cannot decode the image: ${(err as Error).message}`, { file: first });
    }
    shape = {
      height: opts.height || img.height,
      width: opts.width || img.width,
      channels: opts.channels || (isGrey(img) ? 1 : 3),
    };
  }
  const stream: StreamStats = { decoded: 0, maxAhead: 0 };
  let norm: Normalization = {
    kind: 'none',
    offset: new Array<number>(shape.channels).fill(0),
    scale: new Array<number>(shape.channels).fill(1),
  };
  const mk = (rows: Uint32Array) =>
    new ImageFolderSplit(index, rows, shape, access, stream, () => norm, opts.resize ?? true);
  const train = mk(s.train);
  if ((opts.normalize ?? 'none') !== 'none')
    norm = await sampleNormalization(train, shape.channels, opts.normalize!, opts.statsSample ?? 256, opts.seed ?? 1);
  // The class balance of the training split (what the Dataset tab says it shows), from the listing.
  const classCounts = new Array<number>(index.classNames.length).fill(0);
  for (const r of s.train) classCounts[index.labels[r]!]!++;
  return {
    name: listing.root,
    inputShape: [shape.height, shape.width, shape.channels],
    numClasses: index.classNames.length,
    classNames: index.classNames,
    train,
    validation: mk(s.validation),
    test: mk(s.test),
    skipped: index.skipped,
    index,
    shape,
    normalization: norm,
    classCounts,
    stream,
  };
}

/** Decoders often expand grey to RGBA; an image whose R, G and B agree everywhere is grey. */
function isGrey(img: DecodedImage): boolean {
  if (img.channels < 3) return true;
  for (let p = 0; p < img.width * img.height; p++) {
    const s = p * img.channels;
    if (img.data[s] !== img.data[s + 1] || img.data[s] !== img.data[s + 2]) return false;
  }
  return true;
}

/** Per-channel statistics from a seeded sample of the split (decoded with no normalisation). */
async function sampleNormalization(
  split: ImageFolderSplit,
  channels: number,
  kind: NormalizeKind,
  sample: number,
  seed: number,
): Promise<Normalization> {
  const order = permutation(split.size, seed ^ 0x5eed);
  const k = Math.min(sample, split.size);
  const min = new Array<number>(channels).fill(Infinity);
  const max = new Array<number>(channels).fill(-Infinity);
  const sum = new Array<number>(channels).fill(0);
  const sumSq = new Array<number>(channels).fill(0);
  let count = 0;
  for (let i = 0; i < k; i++) {
    const { x } = await split.example(order[i]!);
    for (let j = 0; j < x.length; j++) {
      const c = j % channels;
      const v = x[j]!;
      if (v < min[c]!) min[c] = v;
      if (v > max[c]!) max[c] = v;
      sum[c]! += v;
      sumSq[c]! += v * v;
    }
    count += x.length / channels;
  }
  if (kind === 'minmax')
    return { kind, offset: min, scale: min.map((lo, c) => (max[c]! - lo > 0 ? 1 / (max[c]! - lo) : 1)) };
  const mean = sum.map((v) => v / count);
  return {
    kind,
    offset: mean,
    scale: mean.map((m, c) => {
      const std = Math.sqrt(Math.max(0, sumSq[c]! / count - m * m));
      return std > 1e-12 ? 1 / std : 1;
    }),
  };
}
