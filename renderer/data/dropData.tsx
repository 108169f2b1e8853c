import { useEffect, useState } from 'react';
import { openUpload } from '../files/fileActions';
import { activeDoc } from '../state/store';
import { pickFile, pickFolder } from './dataStore';
import { importHfFiles, looksLikeHfFolder } from '../hf/hfImportStore';

/** Every file under a dropped folder, with its path from the folder ("shapes/circle/1.png"). */
async function walk(entry: FileSystemEntry, out: { path: string; file: File }[]): Promise<void> {
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    out.push({ path: entry.fullPath.replace(/^\//, ''), file });
    return;
  }
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  // readEntries hands out at most ~100 entries per call: read until it returns none.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) break;
    for (const e of batch) await walk(e, out);
  }
}

/** Route a drop: a graph file opens as a graph, a folder becomes an image dataset, a file a table. */
export async function handleDrop(dt: DataTransfer): Promise<'graph' | 'data' | 'none'> {
  const entries = [...dt.items]
    .map((i) => (i.kind === 'file' ? i.webkitGetAsEntry?.() : null))
    .filter((e): e is FileSystemEntry => !!e);
  const files = [...dt.files];
  if (entries.some((e) => e.isDirectory)) {
    const out: { path: string; file: File }[] = [];
    for (const e of entries) await walk(e, out);
    // A Hugging Face model folder (config.json + weights) is imported as a model, not used as data.
    if (looksLikeHfFolder(out)) {
      importHfFiles(out);
      return 'graph';
    }
    pickFolder(activeDoc(), out);
    return 'data';
  }
  const file = files[0];
  if (!file) return 'none';
  if (/\.perceiver(\.json)?$/i.test(file.name)) {
    await openUpload(file);
    return 'graph';
  }
  pickFile(activeDoc(), file);
  return 'data';
}

/**
 * Drop a data file or an image folder anywhere on the window: shows a hint while files are
 * dragged over, loads them on drop and asks the app to show the Dataset tab.
 */
export function DataDropOverlay({ onData }: { onData: () => void }) {
  const [over, setOver] = useState(false);
  useEffect(() => {
    let depth = 0;
    const hasFiles = (e: DragEvent) => !!e.dataTransfer && [...e.dataTransfer.types].includes('Files');
    const enter = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      depth++;
      setOver(true);
    };
    const leave = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      depth = Math.max(0, depth - 1);
      if (depth === 0) setOver(false);
    };
    const overFn = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      e.dataTransfer!.dropEffect = 'copy';
    };
    const drop = (e: DragEvent) => {
      depth = 0;
      setOver(false);
      if (!hasFiles(e) || e.defaultPrevented) return;
      e.preventDefault();
      void handleDrop(e.dataTransfer!).then((r) => r === 'data' && onData());
    };
    window.addEventListener('dragenter', enter);
    window.addEventListener('dragleave', leave);
    window.addEventListener('dragover', overFn);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragenter', enter);
      window.removeEventListener('dragleave', leave);
      window.removeEventListener('dragover', overFn);
      window.removeEventListener('drop', drop);
    };
  }, [onData]);
  if (!over) return null;
  return (
    <div className="drop-overlay" data-testid="drop-overlay" aria-hidden="true">
      <div>Drop a CSV, JSON, NPY/NPZ file or a folder of images (one subfolder per class) to use it as the dataset</div>
    </div>
  );
}
