/**
 * The worker's side of the dataset panel: picked files → engine Dataset (same loaders as the
 * CLI), and the preview the panel draws. A parsed table is cached per (file, target, bad-row
 * policy) so changing the split or the normalisation does not parse the file again; an image
 * folder keeps only its file list and decodes images on demand.
 */
import type { Dataset } from '../../engine/data/dataset';
import { DataError } from '../../engine/data/errors';
import { fileFolderDataset, type FileFolderDataset } from '../../engine/data/fileFolder';
import { imageFolderDataset, type ImageFolderDataset } from '../../engine/data/images';
import { folderCodecFor, type InputNodeInfo } from '../../engine/data/sensorFolders';
import { multimodalFolderDataset, type ExampleTarget, type ModalityInput } from '../../engine/data/multimodal';
import { multimodalNpzDataset, type NpzHead } from '../../engine/data/multimodalNpz';
import { parseNpz } from '../../engine/data/npy';
import { detectDelimiter, looksLikeHeader, parseCsvRecords } from '../../engine/data/csv';
import { dataFileKind, parseDataFile } from '../../engine/data/load';
import { decodeMnist, mnistDataset } from '../../engine/data/mnist';
import { decodeUtf8 } from '../../engine/data/platform';
import { previewDataset } from '../../engine/data/preview';
import { arrayDataset, type TabularData, type TargetKind } from '../../engine/data/tabular';
import { textDataset, type TextDataset } from '../../engine/data/text';
import type { DataBinding } from '../../engine/graph/schema';
import { listingFromPaths, videoListingFromPaths } from '../data/folderListing';
import { videoCodec } from '../../engine/data/video';
import { browserImageAccess } from './imageDecode';
import type { DataPreviewInfo, DataSourceRef } from './protocol';

interface CachedTable {
  key: string;
  table: TabularData;
  columns: string[];
}

export class WorkerDataSources {
  private cached: CachedTable | null = null;
  /** Columns in file order, remembered per source so the target list does not reorder. */
  private columnsBySource = new Map<string, string[]>();

  constructor(private readonly loadMnistBytes: () => Promise<Uint8Array>) {}

  private async table(
    source: Extract<DataSourceRef, { kind: 'table' }>,
    target: string | undefined,
    skipBadRows: boolean,
    targetKind: TargetKind,
  ): Promise<CachedTable> {
    const key = `${source.id}\u0000${target ?? ''}\u0000${skipBadRows}\u0000${targetKind}`;
    if (this.cached?.key === key) return this.cached;
    this.cached = null; // free the previous table before reading the next
    if (!dataFileKind(source.name)) {
      throw new DataError(
        'unknown data format; use .csv, .tsv, .json, .npy, .npz, or a folder of images with one subfolder per class',
        { file: source.name },
      );
    }
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await source.file.arrayBuffer());
    } catch (err) {
      throw new DataError(`cannot read the file (${(err as Error).message}); pick it again`, { file: source.name });
    }
    const table = await parseDataFile(source.name, bytes, {
      target: target || undefined,
      badRows: skipBadRows ? 'skip' : 'error',
      targetKind,
    });
    let columns = this.columnsBySource.get(source.id);
    if (!columns) {
      columns =
        fileColumns(source.name, bytes) ??
        (table.featureShape.length === 1 ? [...table.featureNames, table.targetName] : []);
      this.columnsBySource.set(source.id, columns);
    }
    this.cached = { key, table, columns };
    return this.cached;
  }

  /** The dataset for a binding; images are resized to the declared input shape (0 = from data). */
  /** `targetKind` 'values': the graph's head is a regression, so a table's target is read as numbers. */
  async dataset(
    source: DataSourceRef | null,
    binding: DataBinding | undefined,
    declaredShape: number[] | null,
    skipBadRows: boolean,
    targetKind: TargetKind = 'classes',
    input?: InputNodeInfo,
    forPreview = false,
    inputs?: ModalityInput[],
    heads?: NpzHead[],
  ): Promise<Dataset> {
    const split = {
      validationFraction: binding?.validationFraction,
      testFraction: binding?.testFraction,
      seed: binding?.seed,
      normalize: binding?.normalize,
    };
    if (!source) return mnistDataset(decodeMnist(await this.loadMnistBytes()), split);
    // An .npz for a graph with several inputs or heads: an array per input node and per head, by name.
    if (source.kind === 'table' && /\.npz$/i.test(source.name) && inputs && heads) {
      let bytes: Uint8Array;
      try {
        bytes = new Uint8Array(await source.file.arrayBuffer());
      } catch (err) {
        throw new DataError(`cannot read the file (${(err as Error).message}); pick it again`, { file: source.name });
      }
      return multimodalNpzDataset(source.name, await parseNpz(bytes, { file: source.name }), inputs, heads, split);
    }
    if (source.kind === 'table')
      return arrayDataset(
        source.name,
        (await this.table(source, binding?.target, skipBadRows, targetKind)).table,
        split,
      );
    if (source.kind === 'text') {
      // Windows as long as the Text bytes input takes (its maxLength).
      if (!declaredShape || declaredShape.length !== 1 || !(declaredShape[0]! > 0)) {
        throw new DataError(
          `a text file trains a masked-byte model whose input is a Text bytes node, but this graph's input takes examples of shape [${declaredShape?.join(', ') ?? '?'}]; open a text template such as “Tiny byte-level masked language model”`,
          { file: source.name },
        );
      }
      let bytes: Uint8Array;
      try {
        bytes = new Uint8Array(await source.file.arrayBuffer());
      } catch (err) {
        throw new DataError(`cannot read the file (${(err as Error).message}); pick it again`, { file: source.name });
      }
      return textDataset(bytes, { file: source.name, seqLen: declaredShape[0]!, ...split });
    }
    const files = new Map(source.files.map((f) => [f.path, f.file]));
    // An Image input with frames reads video clips, as the CLI does: class/clip/<frames> or class/clip.npy.
    if (input?.kind === 'ImageInput' && Number(input.params.frames) > 0 && !(inputs && inputs.length > 1)) {
      const p = input.params as Record<string, number>;
      const shape = { frames: p.frames!, height: p.height!, width: p.width!, channels: p.channels! };
      const video = videoListingFromPaths(source.files.map((f) => f.path));
      const access = { ...browserImageAccess(files), listFrames: async (clip: string) => video.frames.get(clip) ?? [] };
      return fileFolderDataset(video.listing, access.readFile, videoCodec(shape, access), {
        validationFraction: split.validationFraction,
        testFraction: split.testFraction,
        seed: split.seed,
        badFiles: skipBadRows ? 'skip' : 'error',
      });
    }
    const listing = listingFromPaths(source.files.map((f) => f.path));
    // A graph with several inputs reads example folders: one file per input, by name, + label.txt.
    if (inputs && inputs.length > 1) {
      const folders = { root: listing.root, examples: listing.classes.map((c) => ({ name: c.name, files: c.files })) };
      // Classifier heads train on label.txt; an autoencoder's reconstruction heads on their input.
      const targets = heads?.map((h): ExampleTarget => {
        if (h.loss === 'classification') return { kind: 'classes' };
        if (h.reconstructs === undefined)
          throw new DataError(
            `the regression head "${h.nodeId}" has no targets in example folders: it does not decode one of the inputs through a Multimodal split`,
            { file: listing.root },
          );
        return { kind: 'input', inputIndex: h.reconstructs };
      });
      return multimodalFolderDataset(folders, browserImageAccess(files), inputs, {
        validationFraction: split.validationFraction,
        testFraction: split.testFraction,
        seed: split.seed,
        badFiles: skipBadRows ? 'skip' : 'error',
        heads: targets,
      });
    }
    // Audio clips and point clouds stream through their codec (engine/data/sensorFolders).
    const sensor = folderCodecFor(listing, input, { forPreview });
    if (sensor) {
      const readFile = async (path: string) => {
        const f = files.get(path);
        if (!f) throw new Error('the file is no longer available; pick the folder again');
        return new Uint8Array(await f.arrayBuffer());
      };
      return fileFolderDataset(listing, readFile, sensor.codec, {
        validationFraction: split.validationFraction,
        testFraction: split.testFraction,
        seed: split.seed,
        badFiles: skipBadRows ? 'skip' : 'error',
      });
    }
    const [height, width, channels] = declaredShape?.length === 3 ? declaredShape : [0, 0, 0];
    const access = browserImageAccess(files, height && width ? { height: height!, width: width! } : undefined);
    return imageFolderDataset(listing, access, { ...split, height, width, channels });
  }

  async preview(
    source: DataSourceRef | null,
    binding: DataBinding | undefined,
    declaredShape: number[] | null,
    skipBadRows: boolean,
    targetKind: TargetKind = 'classes',
    input?: InputNodeInfo,
    inputs?: ModalityInput[],
    heads?: NpzHead[],
  ): Promise<DataPreviewInfo> {
    const ds = await this.dataset(source, binding, declaredShape, skipBadRows, targetKind, input, true, inputs, heads);
    const sensor = 'stats' in ds && !ds.moreInputShapes ? (ds as FileFolderDataset) : undefined;
    const p = await previewDataset(ds, {
      samples: source?.kind === 'table' || sensor ? 0 : 12,
      seed: binding?.seed ?? 1,
    });
    const info: DataPreviewInfo = {
      name: ds.name,
      kind: source ? source.kind : 'mnist',
      inputShape: p.inputShape,
      classNames: p.classNames,
      sizes: p.sizes,
      classCounts: p.classCounts,
      classCountsSampled: p.classCountsSampled,
      columns: [],
      targetName: null,
      samples: p.samples.map((s) => ({ x: s.x, label: s.className })),
      rows: [],
      featureNames: [],
      stats: p.stats,
      normalization: (ds as { normalization?: { kind: string } }).normalization?.kind ?? 'none',
      skipped: p.skipped,
      targets: ds.targets,
    };
    if (source?.kind === 'text') {
      const t = ds as TextDataset;
      info.samples = [];
      info.maskRate = t.maskRate;
      info.textSamples = Array.from({ length: Math.min(4, t.train.size) }, (_, i) => t.train.maskedText(i));
    }
    // A multimodal .npz is read by name above, not as one table.
    if (source?.kind === 'table' && !(/\.npz$/i.test(source.name) && inputs && heads)) {
      const t = await this.table(source, binding?.target, skipBadRows, targetKind);
      const labelOf = (r: number) =>
        t.table.values ? String(Number(t.table.values[r]!.toPrecision(6))) : t.table.classNames[t.table.labels[r]!]!;
      const d = t.table.featureShape.reduce((a, b) => a * b, 1);
      info.columns = t.columns;
      info.targetName = t.table.targetName;
      info.featureNames = t.table.featureNames;
      const rows = Math.min(8, t.table.n);
      if (t.table.featureShape.length === 1) {
        // The rows as read from the file (before normalisation), which is what the user knows.
        for (let r = 0; r < rows; r++)
          info.rows.push({ values: Array.from(t.table.features.subarray(r * d, (r + 1) * d)), label: labelOf(r) });
        // Value range of the file's features, over up to 10,000 rows.
        info.stats = rangeOf(t.table.features.subarray(0, Math.min(t.table.n, 10_000) * d));
      } else {
        for (let r = 0; r < Math.min(12, t.table.n); r++)
          info.samples.push({ x: t.table.features.slice(r * d, (r + 1) * d), label: labelOf(r) });
      }
    }
    if (ds.moreInputShapes) info.moreInputShapes = ds.moreInputShapes;
    if (sensor) {
      info.content = folderCodecFor(
        listingFromPaths((source as Extract<DataSourceRef, { kind: 'images' }>).files.map((f) => f.path)),
        input,
        { forPreview: true },
      )?.content;
      info.decoded = sensor.stats.decoded;
    } else if ('stream' in ds) info.decoded = (ds as ImageFolderDataset).stream.decoded;
    return info;
  }
}

function rangeOf(x: Float32Array): { min: number; max: number; mean: number } {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const v of x) {
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  return x.length ? { min, max, mean: sum / x.length } : { min: NaN, max: NaN, mean: NaN };
}

/** A CSV's header (or "column i") in file order, read from its first 64 KiB. */
function fileColumns(name: string, bytes: Uint8Array): string[] | undefined {
  if (dataFileKind(name) !== 'csv') return undefined;
  try {
    let text = decodeUtf8(bytes.subarray(0, 65536), name);
    const cut = text.lastIndexOf('\n');
    if (bytes.length > 65536 && cut > 0) text = text.slice(0, cut);
    const records = parseCsvRecords(text, name.toLowerCase().endsWith('.tsv') ? '\t' : detectDelimiter(text), name);
    const first = records[0];
    if (!first) return undefined;
    return looksLikeHeader(records)
      ? first.fields.map((f, i) => f.trim() || `column ${i + 1}`)
      : first.fields.map((_, i) => `column ${i + 1}`);
  } catch {
    // A 64 KiB cut can land inside a multi-byte character or a quoted field: fall back.
    return undefined;
  }
}
