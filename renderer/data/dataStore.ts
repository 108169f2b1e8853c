/**
 * The dataset picked in this session (File handles, never their contents) and its preview.
 * The binding itself — source kind, file name, target, split, normalisation — lives in the
 * graph (doc.data) and changes through the `setData` command, so it is saved and undoable.
 * A browser cannot reopen a file from a saved name, so a reopened graph shows its binding and
 * asks for the file again.
 */
import { useSyncExternalStore } from 'react';
import { dataFileKind } from '../../engine/data/load';
import { isTextFileName } from '../../engine/data/text';
import { dataBindingSchema, type DataBinding, type GraphDoc } from '../../engine/graph/schema';
import { declaredInputShape } from '../../engine/train/bindData';
import { modelHeadsInfo, modelInputInfo, modelInputsInfo } from '../../engine/train/inputInfo';
import { headLossTypes } from '../../engine/train/lossPlan';
import { perform } from '../state/store';
import { onWorkerMessage, postToWorker } from '../training/workerClient';
import type { DataPreviewInfo, DataSourceRef } from '../worker/protocol';
import { listingFromPaths } from './folderListing';

export interface DataState {
  /** What the user picked in this session (null: nothing, or the built-in MNIST). */
  source: DataSourceRef | null;
  status: 'empty' | 'loading' | 'ready' | 'error';
  preview: DataPreviewInfo | null;
  error: string | null;
  requestId: number;
  /** Skip and count bad rows instead of stopping at the first (a session choice, not saved). */
  skipBadRows: boolean;
}

let state: DataState = { source: null, status: 'empty', preview: null, error: null, requestId: 0, skipBadRows: false };
const listeners = new Set<() => void>();
let sourceSeq = 0;

function set(p: Partial<DataState>): void {
  state = { ...state, ...p };
  for (const l of listeners) l();
}

export function useData<T>(sel: (s: DataState) => T): T {
  return useSyncExternalStore(
    (l) => (listeners.add(l), () => listeners.delete(l)),
    () => sel(state),
  );
}

export function getDataState(): DataState {
  return state;
}

onWorkerMessage((m) => {
  if (m.type !== 'dataPreview' && m.type !== 'dataError') return;
  if (m.requestId !== state.requestId) return; // an older request answered late
  if (m.type === 'dataPreview') set({ status: 'ready', preview: m.preview, error: null });
  else set({ status: 'error', error: m.message });
});

/** The binding a newly picked source gets: the graph's split and normalisation are kept. */
export function bindingFor(doc: GraphDoc, source: DataBinding['source'], path: string | undefined): DataBinding {
  const prev = doc.data;
  const samePath = prev?.path === path && prev?.source === source;
  return dataBindingSchema.parse({
    source,
    path,
    target: samePath ? prev?.target : undefined,
    validationFraction: prev?.validationFraction,
    testFraction: prev?.testFraction,
    normalize: prev?.normalize,
    seed: prev?.seed,
  });
}

/** True when the graph's binding names this session's picked source. */
export function sourceMatches(doc: GraphDoc, s: DataState = state): boolean {
  const b = doc.data;
  if (!b || b.source === 'mnist') return true;
  return !!s.source && s.source.name === b.path && (s.source.kind === 'images') === (b.source === 'images');
}

/** The picked source a run of this graph trains on (null: MNIST, or not loaded — the worker says so). */
export function sourceForRun(doc: GraphDoc): DataSourceRef | null {
  const b = doc.data;
  if (!b || b.source === 'mnist') return null;
  return sourceMatches(doc) ? state.source : null;
}

export function requestPreview(doc: GraphDoc): void {
  const b = doc.data;
  const builtin = !b || b.source === 'mnist';
  if (!builtin && !sourceMatches(doc)) {
    set({ status: 'empty', preview: null, error: null });
    return;
  }
  const requestId = state.requestId + 1;
  const declared = declaredInputShape(doc);
  set({ requestId, status: 'loading', error: null });
  postToWorker({
    type: 'loadData',
    requestId,
    source: builtin ? null : state.source,
    binding: b,
    // Images resize to a rank-3 input; text windows take a rank-1 input's length.
    declaredShape: declared && (declared.length === 3 || declared.length === 1) ? declared : null,
    skipBadRows: state.skipBadRows,
    // A regression head reads the table's target column as numbers.
    targetKind: headLossTypes(doc)[0]?.type === 'regression' ? 'values' : 'classes',
    // Audio and point-cloud folders are read with the input node's sizes.
    input: modelInputInfo(doc),
    inputs: modelInputsInfo(doc),
    // Several heads (an autoencoder): each head's targets (a class, a reconstructed input, an .npz array).
    heads: modelHeadsInfo(doc),
  });
}

function bind(doc: GraphDoc, binding: DataBinding): void {
  const same = JSON.stringify(doc.data) === JSON.stringify(binding);
  if (!same) perform({ type: 'setData', data: binding });
}

/** A data file (CSV, TSV, JSON, NPY, NPZ, or text for masked-byte models) chosen or dropped by the user. */
export function pickFile(doc: GraphDoc, file: File): void {
  if (isTextFileName(file.name)) {
    set({ source: { id: `src${++sourceSeq}`, kind: 'text', name: file.name, file }, preview: null });
    bind(doc, bindingFor(doc, 'text', file.name));
    return;
  }
  const kind = dataFileKind(file.name);
  if (!kind) {
    set({
      status: 'error',
      preview: null,
      error: `${file.name}: unknown data format; use .csv, .tsv, .json, .npy, .npz, a text file (.txt, .md) for masked-byte models, or a folder of images with one subfolder per class`,
    });
    return;
  }
  set({ source: { id: `src${++sourceSeq}`, kind: 'table', name: file.name, file }, preview: null });
  bind(doc, bindingFor(doc, kind, file.name));
}

/** An image folder: files with their paths relative to the picked folder ("shapes/circle/1.png"). */
export function pickFolder(doc: GraphDoc, files: { path: string; file: File }[]): void {
  if (files.length === 0) {
    set({
      status: 'error',
      preview: null,
      error: 'The folder is empty; pick a folder with one subfolder of PNG or JPEG images per class',
    });
    return;
  }
  const name = listingFromPaths(files.map((f) => f.path)).root;
  set({ source: { id: `src${++sourceSeq}`, kind: 'images', name, files }, preview: null });
  bind(doc, bindingFor(doc, 'images', name));
}

export function chooseBuiltinMnist(doc: GraphDoc): void {
  set({ preview: null });
  bind(doc, bindingFor(doc, 'mnist', undefined));
}

export function setBinding(doc: GraphDoc, patch: Partial<DataBinding>): void {
  if (!doc.data) return;
  bind(doc, dataBindingSchema.parse({ ...doc.data, ...patch }));
}

export function setSkipBadRows(v: boolean): void {
  set({ skipBadRows: v });
}
