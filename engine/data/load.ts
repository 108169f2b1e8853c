/**
 * One entry point for data files given as bytes (what a browser File, a worker message or the
 * CLI's fs read yields): the extension picks the parser.
 */
import { parseCsv } from './csv.js';
import { DataError, type BadRowPolicy } from './errors.js';
import { parseJsonData } from './json.js';
import { parseNpy, parseNpz } from './npy.js';
import { examplesFromNpz, tableFromNpy } from './arrays.js';
import { decodeUtf8, type InflateRaw } from './platform.js';
import type { TabularData, TargetKind } from './tabular.js';

export type DataFileKind = 'csv' | 'json' | 'npy' | 'npz';

export function dataFileKind(name: string): DataFileKind | undefined {
  const ext = /\.([A-Za-z0-9]+)$/.exec(name)?.[1]?.toLowerCase();
  switch (ext) {
    case 'csv':
    case 'tsv':
      return 'csv';
    case 'json':
      return 'json';
    case 'npy':
      return 'npy';
    case 'npz':
      return 'npz';
    default:
      return undefined;
  }
}

export interface DataFileOptions {
  target?: string;
  badRows?: BadRowPolicy;
  inflateRaw?: InflateRaw;
  /** 'values' reads real-valued targets for regression heads (CSV, .npy, .npz). */
  targetKind?: TargetKind;
}

export async function parseDataFile(name: string, bytes: Uint8Array, opts: DataFileOptions = {}): Promise<TabularData> {
  const kind = dataFileKind(name);
  switch (kind) {
    case 'csv':
      return parseCsv(decodeUtf8(bytes, name), {
        file: name,
        target: opts.target,
        badRows: opts.badRows,
        targetKind: opts.targetKind,
        delimiter: name.toLowerCase().endsWith('.tsv') ? '\t' : undefined,
      });
    case 'json':
      if (opts.targetKind === 'values')
        throw new DataError(
          'real-valued (regression) targets are read from .csv, .tsv, .npy or .npz files; save the data in one of those',
          { file: name },
        );
      return parseJsonData(decodeUtf8(bytes, name), { file: name, target: opts.target, badRows: opts.badRows });
    case 'npy':
      return tableFromNpy(parseNpy(bytes, name), { file: name, target: opts.target, targetKind: opts.targetKind });
    case 'npz':
      return examplesFromNpz(await parseNpz(bytes, { file: name, inflateRaw: opts.inflateRaw }), {
        file: name,
        target: opts.target,
        targetKind: opts.targetKind,
      });
    default:
      throw new DataError(
        'unknown data format; use .csv, .tsv, .json, .npy, .npz, or a folder of images with one subfolder per class',
        { file: name },
      );
  }
}
