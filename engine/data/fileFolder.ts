/**
 * A folder of class subfolders holding one example per file (audio clips, point clouds, …) as a
 * streaming dataset, the way image folders stream: the listing is indexed first, files are read
 * and decoded per batch with the next batch prefetched, so nothing decodes the whole folder up
 * front. What a file means is a codec: it turns bytes into one example of the input's shape, with
 * seeded augmentation on the training split only. With badFiles 'skip', a file that fails to
 * decode is left out of its batch and counted (once) in the dataset's skipped record.
 */
import type { Batch, DataSplit, Dataset } from './dataset.js';
import { splitIndices } from './dataset.js';
import { DataError, newSkipped, skip, type BadRowPolicy, type Skipped } from './errors.js';
import type { ImageFolderListing } from './images.js';
import { mulberry32, permutation } from './random.js';

export interface ExampleCodec {
  /** What one file is, for messages: "audio clip", "point cloud". */
  what: string;
  /** File name test (by extension). */
  accepts(name: string): boolean;
  /** The accepted formats, for messages: "WAV or .npy". */
  formats: string;
  /** Shape of one example without the batch axis. */
  shape: number[];
  /** One example; `rand` is given on the training split only (seeded augmentation). Throw DataError naming the file. */
  decode(bytes: Uint8Array, path: string, rand?: () => number): Float32Array;
  /**
   * Optional split of decode into a deterministic, cacheable part (parse, resample) and the
   * per-draw part (crop, augmentation): decoded files are then kept (up to a memory budget)
   * so later epochs skip the parsing.
   */
  prepare?(bytes: Uint8Array, path: string): { value: unknown; bytes: number };
  finish?(prepared: unknown, path: string, rand?: () => number): Float32Array;
  /** Examples that are more than one file (a video clip's frame folder): read them here instead. */
  load?(path: string, readFile: (path: string) => Promise<Uint8Array>, rand?: () => number): Promise<Float32Array>;
}

/** Memory the prepared-file cache may hold (later files are decoded again each epoch). */
export const FOLDER_CACHE_BYTES = 512 * 1024 * 1024;

export interface FolderIndex {
  classNames: string[];
  files: string[];
  labels: Int32Array;
  skipped: Skipped;
}

/** Validate the listing: every class has files the codec reads; anything else is counted as skipped. */
export function indexFileFolder(
  listing: ImageFolderListing,
  codec: Pick<ExampleCodec, 'accepts' | 'formats' | 'what'>,
): FolderIndex {
  const skipped = newSkipped();
  for (const f of listing.looseFiles)
    skip(skipped, `${f}: not inside a class folder (put each ${codec.what} in a subfolder named after its class)`);
  const classes = [...listing.classes].sort((a, b) => a.name.localeCompare(b.name));
  if (classes.length === 0)
    throw new DataError(
      `the folder has no class subfolders; put the ${codec.what}s of each class in a subfolder named after the class`,
      { file: listing.root },
    );
  const files: string[] = [];
  const labels: number[] = [];
  classes.forEach((c, k) => {
    const ok = c.files.filter((f) => codec.accepts(f)).sort();
    for (const f of c.files) if (!codec.accepts(f)) skip(skipped, `${f}: not a ${codec.formats} file`);
    if (ok.length === 0)
      throw new DataError(`the class folder "${c.name}" has no ${codec.formats} files; add some or remove the folder`, {
        file: listing.root,
      });
    for (const f of ok) {
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

export interface FolderStats {
  /** Files read and decoded so far (tests check decoding is lazy). */
  decoded: number;
}

interface Shared {
  index: FolderIndex;
  codec: ExampleCodec;
  readFile: (path: string) => Promise<Uint8Array>;
  stats: FolderStats;
  badFiles: BadRowPolicy;
  skipped: Skipped;
  failed: Set<number>;
  seed: number;
  cache: Map<number, unknown>;
  cacheBytes: number;
}

/** Mixes (seed, epoch, row) into one 32-bit seed for the row's augmentation. */
function rowSeed(seed: number, epoch: number, row: number): number {
  let h = (seed * 0x9e3779b1) ^ (epoch * 0x85ebca6b) ^ (row * 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  return (h ^ (h >>> 15)) >>> 0;
}

export class FileFolderSplit implements DataSplit {
  constructor(
    private readonly s: Shared,
    private readonly rows: Uint32Array,
    /** Training split: decode with seeded augmentation. */
    private readonly augment: boolean,
  ) {}
  get size(): number {
    return this.rows.length;
  }
  file(i: number): { path: string; label: number } {
    const r = this.rows[i]!;
    return { path: this.s.index.files[r]!, label: this.s.index.labels[r]! };
  }
  private async load(row: number, epoch: number | undefined): Promise<Float32Array> {
    const path = this.s.index.files[row]!;
    const { codec } = this.s;
    const rand = epoch !== undefined ? mulberry32(rowSeed(this.s.seed, epoch, row)) : undefined;
    if (codec.prepare && codec.finish && this.s.cache.has(row)) return codec.finish(this.s.cache.get(row), path, rand);
    if (codec.load) {
      let x: Float32Array;
      try {
        x = await codec.load(path, this.s.readFile, rand);
      } catch (err) {
        if (err instanceof DataError) throw err;
        throw new DataError(`cannot read the ${codec.what}: ${(err as Error).message}`, { file: path });
      }
      this.s.stats.decoded++;
      return x;
    }
    let bytes: Uint8Array;
    try {
      bytes = await this.s.readFile(path);
    } catch (err) {
      throw new DataError(`cannot read the ${this.s.codec.what} (${(err as Error).message})`, { file: path });
    }
    let x: Float32Array;
    try {
      if (codec.prepare && codec.finish) {
        const p = codec.prepare(bytes, path);
        if (this.s.cacheBytes + p.bytes <= FOLDER_CACHE_BYTES) {
          this.s.cache.set(row, p.value);
          this.s.cacheBytes += p.bytes;
        }
        x = codec.finish(p.value, path, rand);
      } else x = codec.decode(bytes, path, rand);
    } catch (err) {
      if (err instanceof DataError) throw err;
      throw new DataError(`cannot decode the ${this.s.codec.what}: ${(err as Error).message}`, { file: path });
    }
    this.s.stats.decoded++;
    return x;
  }
  private async loadBatch(
    order: Uint32Array | undefined,
    start: number,
    m: number,
    epoch: number | undefined,
  ): Promise<Batch> {
    const e = this.s.codec.shape.reduce((a, b) => a * b, 1);
    const rows = Array.from({ length: m }, (_, r) => this.rows[order ? order[start + r]! : start + r]!);
    const loaded = await Promise.all(
      rows.map((row) =>
        this.load(row, epoch).catch((err: unknown) => {
          if (this.s.badFiles !== 'skip' || !(err instanceof DataError)) throw err;
          if (!this.s.failed.has(row)) {
            this.s.failed.add(row);
            skip(this.s.skipped, err.message);
          }
          return undefined;
        }),
      ),
    );
    const keep = rows.filter((_, r) => loaded[r] !== undefined);
    const x = new Float32Array(keep.length * e);
    let k = 0;
    for (const ex of loaded) if (ex) x.set(ex, e * k++);
    return { x, y: Int32Array.from(keep, (row) => this.s.index.labels[row]!), n: keep.length };
  }
  async *batches(
    batchSize: number,
    opts: { shuffle?: boolean; seed?: number; epoch?: number } = {},
  ): AsyncIterable<Batch> {
    const n = this.rows.length;
    const order = opts.shuffle ? permutation(n, ((opts.seed ?? 0) * 1000003 + (opts.epoch ?? 0)) >>> 0) : undefined;
    const epoch = this.augment ? (opts.epoch ?? 0) : undefined;
    const start = (s: number) => {
      const p = this.loadBatch(order, s, Math.min(batchSize, n - s), epoch);
      p.catch(() => undefined);
      return p;
    };
    let next = n > 0 ? start(0) : undefined;
    for (let s = 0; s < n; s += batchSize) {
      const current = await next!;
      next = s + batchSize < n ? start(s + batchSize) : undefined;
      if (current.n > 0) yield current;
    }
  }
  async example(i: number): Promise<{ x: Float32Array; y: number }> {
    if (i < 0 || i >= this.rows.length) throw new RangeError(`example ${i} is outside 0…${this.rows.length - 1}`);
    return { x: await this.load(this.rows[i]!, undefined), y: this.s.index.labels[this.rows[i]!]! };
  }
}

export interface FileFolderOptions {
  validationFraction?: number;
  testFraction?: number;
  seed?: number;
  badFiles?: BadRowPolicy;
}

export interface FileFolderDataset extends Dataset {
  index: FolderIndex;
  stats: FolderStats;
  /** Examples per class in the training split. */
  classCounts: number[];
  train: FileFolderSplit;
  validation: FileFolderSplit;
  test: FileFolderSplit;
}

export function fileFolderDataset(
  listing: ImageFolderListing,
  readFile: (path: string) => Promise<Uint8Array>,
  codec: ExampleCodec,
  opts: FileFolderOptions = {},
): FileFolderDataset {
  const index = indexFileFolder(listing, codec);
  const seed = opts.seed ?? 1;
  const s = splitIndices(index.files.length, opts.validationFraction ?? 0.1, opts.testFraction ?? 0.2, seed);
  if (s.train.length === 0)
    throw new DataError(
      `${index.files.length} files leave nothing to train on after the validation and test fractions`,
      { file: listing.root },
    );
  const shared: Shared = {
    index,
    codec,
    readFile,
    stats: { decoded: 0 },
    badFiles: opts.badFiles ?? 'error',
    skipped: index.skipped,
    failed: new Set(),
    seed,
    cache: new Map(),
    cacheBytes: 0,
  };
  // The class balance of the training split (what the Dataset tab says it shows), from the listing.
  const classCounts = new Array<number>(index.classNames.length).fill(0);
  for (const r of s.train) classCounts[index.labels[r]!]!++;
  return {
    name: listing.root,
    inputShape: [...codec.shape],
    numClasses: index.classNames.length,
    classNames: index.classNames,
    train: new FileFolderSplit(shared, s.train, true),
    validation: new FileFolderSplit(shared, s.validation, false),
    test: new FileFolderSplit(shared, s.test, false),
    // The same record the splits add to while streaming: the CLI and app show it after the run too.
    skipped: index.skipped,
    index,
    stats: shared.stats,
    classCounts,
  };
}

/** What a class folder mostly holds, by extension (the loader is still picked by the graph's input). */
export function folderContentKind(listing: ImageFolderListing): 'images' | 'audio' | 'points' | 'arrays' | 'unknown' {
  const counts = { images: 0, audio: 0, points: 0, arrays: 0 };
  for (const c of listing.classes) {
    for (const f of c.files) {
      if (/\.(png|jpe?g)$/i.test(f)) counts.images++;
      else if (/\.(wav|wave)$/i.test(f)) counts.audio++;
      else if (/\.(off|ply|xyz|pts)$/i.test(f)) counts.points++;
      else if (/\.npy$/i.test(f)) counts.arrays++;
    }
  }
  const best = (Object.entries(counts) as [keyof typeof counts, number][]).sort((a, b) => b[1] - a[1])[0]!;
  return best[1] > 0 ? best[0] : 'unknown';
}
