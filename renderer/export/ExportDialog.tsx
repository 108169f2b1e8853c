import { useEffect, useRef, useState } from 'react';
import type { ExportWritten } from '../../electron/ipc-contract';
import { errorMessage, hostApi } from '../api';
import { formatInt } from '../format';
import { activeDoc } from '../state/store';
import { isTraining, useTrainer } from '../training/trainer';
import { buildInWorker, downloadZip, totalBytes, writeThroughHost, type BuiltExport } from './exportClient';
import '../library/library.css';

type Phase =
  | { state: 'idle' }
  | { state: 'busy'; what: string }
  | { state: 'done'; written: ExportWritten | null; built: BuiltExport; zipped: boolean }
  | { state: 'error'; message: string };

const mb = (n: number) => `${(n / 1e6).toFixed(n < 1e6 ? 2 : 1)} MB`;

/**
 * File › Export: the current graph as a PyTorch package (model.py, train.py for torchrun, data,
 * README), as tfjs web files, or as ONNX (the PyTorch package; the host adds model.onnx), with the
 * last run's trained weights when there is a run.
 */
export function ExportDialog({ onClose }: { onClose: () => void }) {
  const trainedParams = useTrainer((s) => s.params);
  const trainedDoc = useTrainer((s) => s.docName);
  const runStatus = useTrainer((s) => s.status);
  const running = useTrainer((s) => isTraining(s));
  const hasRun = trainedParams !== null && runStatus !== 'error';
  const [format, setFormat] = useState<'pytorch' | 'tfjs' | 'onnx'>('pytorch');
  const [withWeights, setWithWeights] = useState(hasRun);
  const [includeData, setIncludeData] = useState(true);
  const [phase, setPhase] = useState<Phase>({ state: 'idle' });
  const [nativeDialogs, setNativeDialogs] = useState<boolean | null>(null);
  const dialog = useRef<HTMLDivElement>(null);
  useEffect(() => dialog.current?.focus(), []);
  useEffect(() => {
    hostApi()
      .appInfo()
      .then(
        (i) => setNativeDialogs(i.nativeDialogs),
        () => setNativeDialogs(false),
      );
  }, []);

  const run = async () => {
    try {
      setPhase({
        state: 'busy',
        what: withWeights ? 'Reading the trained weights and building the files…' : 'Building the files…',
      });
      const built = await buildInWorker({
        format,
        doc: activeDoc(),
        withWeights: withWeights && hasRun,
        includeData: format === 'pytorch' && includeData,
      });
      setPhase({
        state: 'busy',
        what: `Writing ${built.files.length} files (${mb(totalBytes(built))})${format === 'onnx' ? ', then model.onnx with PyTorch' : ''}…`,
      });
      const written = await writeThroughHost(format, built);
      if (written === null) return setPhase({ state: 'idle' }); // folder dialog cancelled
      // The web host cannot reveal a folder on this computer: the files come down as a .zip too.
      const zipped = !nativeDialogs;
      if (zipped) downloadZip(built, written.name);
      setPhase({ state: 'done', written, built, zipped });
    } catch (err) {
      setPhase({ state: 'error', message: errorMessage(err) });
    }
  };

  const busy = phase.state === 'busy';
  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && !busy && onClose()}>
      <div
        className="modal export-dialog"
        role="dialog"
        aria-modal="true"
        aria-label="Export the model"
        tabIndex={-1}
        ref={dialog}
        onKeyDown={(e) => e.key === 'Escape' && !busy && onClose()}
      >
        <div className="modal-head">
          <h2>Export “{activeDoc().name}”</h2>
          <button type="button" className="icon-btn" aria-label="Close" onClick={onClose} disabled={busy}>
            ×
          </button>
        </div>
        <div className="modal-body">
          <fieldset className="export-choice" disabled={busy}>
            <legend>Format</legend>
            <label>
              <input
                type="radio"
                name="export-format"
                checked={format === 'pytorch'}
                onChange={() => setFormat('pytorch')}
              />{' '}
              PyTorch package
              <span className="muted small">
                {' '}
                — model.py, train.py for torchrun (DDP on GPUs or CPUs), data.py, README
              </span>
            </label>
            <label>
              <input type="radio" name="export-format" checked={format === 'tfjs'} onChange={() => setFormat('tfjs')} />{' '}
              TensorFlow.js web files
              <span className="muted small">
                {' '}
                — model.json + weights.bin, the engine's layers, a page that loads and predicts
              </span>
            </label>
            <label>
              <input type="radio" name="export-format" checked={format === 'onnx'} onChange={() => setFormat('onnx')} />{' '}
              ONNX
              <span className="muted small">
                {' '}
                — model.onnx (opset 17, any batch size) beside the model's Python files, made by their export_onnx.py
                with this computer's Python + torch
              </span>
            </label>
          </fieldset>
          <fieldset className="export-choice" disabled={busy}>
            <legend>Contents</legend>
            <label title={hasRun ? undefined : 'Train the graph first (a few steps are enough)'}>
              <input
                type="checkbox"
                checked={withWeights && hasRun}
                disabled={!hasRun}
                onChange={(e) => setWithWeights(e.target.checked)}
              />{' '}
              Include the trained weights of the last run
              <span className="muted small">
                {hasRun
                  ? ` — “${trainedDoc}”, ${formatInt(trainedParams!)} parameters${running ? ' (still training: the weights as they are when you export)' : ''}`
                  : ' — no run yet'}
              </span>
            </label>
            {format === 'pytorch' && (
              <label>
                <input type="checkbox" checked={includeData} onChange={(e) => setIncludeData(e.target.checked)} />{' '}
                Include the MNIST digits as data/mnist.npz
                <span className="muted small"> — when the graph trains on the built-in digits (7.9 MB)</span>
              </label>
            )}
          </fieldset>
          <p className="muted small">
            {nativeDialogs
              ? 'You choose a folder next; the package goes into a new folder inside it.'
              : 'The files are kept in the app’s documents folder (documents/exports) and downloaded as a .zip.'}
          </p>
          {phase.state === 'busy' && (
            <div className="export-status" role="status">
              {phase.what}
            </div>
          )}
          {phase.state === 'error' && (
            <div className="error-text" role="alert">
              {phase.message}
            </div>
          )}
          {phase.state === 'done' && phase.written && (
            <div className="export-result" role="status" data-testid="export-result">
              <strong>
                Exported {phase.written.files} files ({mb(phase.written.bytes)}) to {phase.written.location}
              </strong>
              <div className="muted small">
                {formatInt(phase.built.summary.params)} parameters ·{' '}
                {phase.built.summary.weights
                  ? `trained weights: ${phase.built.summary.weights}`
                  : 'initial weights (no training)'}
                {phase.zipped ? ` · downloaded as ${phase.written.name}.zip` : ''}
              </div>
              {phase.written.onnx && (
                <div className={phase.written.onnx.written ? 'small' : 'error-text small'} data-testid="export-onnx">
                  {phase.written.onnx.message}
                  {!phase.written.onnx.written && phase.zipped
                    ? ' (the .zip holds the package with export_onnx.py)'
                    : ''}
                </div>
              )}
              {phase.built.summary.notes.map((n) => (
                <div className="muted small" key={n}>
                  {n}
                </div>
              ))}
              <ul className="export-files" aria-label="Exported files">
                {phase.built.files.map((f) => (
                  <li key={f.path}>
                    <code>{f.path}</code> <span className="muted small">{mb(f.data.length)}</span>
                  </li>
                ))}
              </ul>
            </div>
          )}
        </div>
        <div className="modal-foot">
          {phase.state === 'done' && phase.zipped && (
            <button type="button" className="btn" onClick={() => downloadZip(phase.built, phase.written?.name)}>
              Download .zip again
            </button>
          )}
          <button type="button" className="btn" onClick={onClose} disabled={busy}>
            {phase.state === 'done' ? 'Close' : 'Cancel'}
          </button>
          <button
            type="button"
            className="btn primary"
            onClick={() => void run()}
            disabled={busy || nativeDialogs === null}
          >
            {busy ? 'Exporting…' : 'Export'}
          </button>
        </div>
      </div>
    </div>
  );
}
