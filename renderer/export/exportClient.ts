/**
 * Export from the app: the training worker builds the package (it holds the trained model),
 * the host writes it (writeExport: a folder the user picks in Electron, documents/exports in the
 * web host), and in the web host the same files also come down as one .zip.
 */
import { zip } from '../../engine/export/archive';
import type { ExportWritten } from '../../electron/ipc-contract';
import { hostApi } from '../api';
import { onWorkerCrash, onWorkerMessage, postToWorker } from '../training/workerClient';
import type { ExportRequest, ExportSummary, FromWorker } from '../worker/protocol';

export interface BuiltExport {
  files: { path: string; data: Uint8Array }[];
  summary: ExportSummary;
}

let nextRequest = 1;

/** Ask the worker to build the package; rejects with the worker's reason. */
export function buildInWorker(request: ExportRequest): Promise<BuiltExport> {
  const requestId = nextRequest++;
  return new Promise((resolve, reject) => {
    const stop = () => (offMessage(), offCrash());
    const offMessage = onWorkerMessage((m: FromWorker) => {
      if (m.type === 'exportFiles' && m.requestId === requestId) {
        stop();
        resolve({ files: m.files, summary: m.summary });
      } else if (m.type === 'exportError' && m.requestId === requestId) {
        stop();
        reject(new Error(m.message));
      }
    });
    const offCrash = onWorkerCrash((message) => {
      stop();
      reject(new Error(message));
    });
    postToWorker({ type: 'exportModel', requestId, request });
  });
}

/** Base64 without blowing the call stack on megabytes (String.fromCharCode in chunks). */
export function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export function totalBytes(b: BuiltExport): number {
  return b.files.reduce((n, f) => n + f.data.length, 0);
}

/** Hand the files to the host; null when the user cancelled the folder dialog. */
export async function writeThroughHost(
  format: ExportRequest['format'],
  built: BuiltExport,
): Promise<ExportWritten | null> {
  return hostApi().writeExport({
    format,
    name: built.summary.name,
    files: built.files.map((f) => ({ path: f.path, base64: toBase64(f.data) })),
  });
}

/** The package as a .zip the browser downloads (files inside a folder named like the export). */
export function downloadZip(built: BuiltExport, folder = built.summary.name): void {
  const bytes = zip(built.files.map((f) => ({ name: `${folder}/${f.path}`, data: f.data })));
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([bytes as BlobPart], { type: 'application/zip' }));
  a.download = `${folder}.zip`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 5000);
}
