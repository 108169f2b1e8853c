/**
 * The Try tab: the active graph's current weights (the last run's, a stored checkpoint, or an
 * imported model) on input made on the spot — a drawing pad or an image file for image inputs,
 * text with positions to fill for masked-byte models, a form for table rows, a .npy array for
 * any other input — with the prediction beside the encoder attention over this input and, for a
 * decoder, its query × latent map. Predictions run in the training worker, so the canvas stays
 * fluid; while drawing they are throttled (one in flight, the newest stroke next).
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { useData } from '../data/dataStore';
import { activeDoc, useEditor } from '../state/store';
import { checkpointKeyFor, useTrainer } from '../training/trainer';
import { checkpointInfo, type CheckpointInfo } from '../worker/checkpointStore';
import type { GraphDoc } from '../../engine/graph/schema';
import type { TryInput, TryWeightsInfo } from '../worker/protocol';
import { DrawingPad, type PadPixels } from './DrawingPad';
import { TryOutput } from './TryOutput';
import { LiveScheduler, padGeometry, tryStateOf } from './tryLogic';
import {
  backToLastRun,
  clearPrediction,
  importTrainedWeights,
  loadStoredCheckpoint,
  openModelFolder,
  predict,
  refreshInfo,
  showError,
  useTry,
} from './tryStore';
import '../insight/insight.css';
import './try.css';

export function TryPanel() {
  const doc = useEditor((s) => activeDoc(s));
  const answer = useTry((s) => s.answer);
  const loadingWeights = useTry((s) => s.loadingWeights);
  const error = useTry((s) => s.error);
  const trainStatus = useTrainer((s) => s.status);
  const trainRun = useTrainer((s) => s.runId);
  const epochs = useTrainer((s) => s.epochs.length);
  const running = trainStatus === 'running' || trainStatus === 'stopping';
  const stored = useCheckpointInfo(checkpointKeyFor(doc), trainStatus);

  // Ask again whenever the graph or the weights may have changed (an edit, an epoch, a run's end).
  useEffect(() => {
    void refreshInfo(doc);
  }, [doc, trainStatus, trainRun, epochs]);

  const state = tryStateOf(answer);
  const info = answer?.info ?? null;
  return (
    <div className="try-panel" aria-label="Try the model">
      <div className="try-weights" data-testid="try-weights">
        {info ? (
          <span>
            Weights: <b>{info.label}</b> ·{' '}
            {info.source === 'run' ? 'the last run' : info.source === 'checkpoint' ? 'a stored checkpoint' : 'imported'}{' '}
            of <i>{info.docName}</i>
          </span>
        ) : (
          <span className="muted">No weights in the worker yet.</span>
        )}
        <span className="try-weight-actions">
          <ModelFolderButton disabled={loadingWeights || running} />
          <TrainedWeightsButton doc={doc} disabled={loadingWeights || running} />
          {stored && !running && (
            <button
              type="button"
              className="btn"
              disabled={loadingWeights}
              onClick={() => void loadStoredCheckpoint(doc)}
              title={`Checkpoint after epoch ${stored.epoch} (step ${stored.step})`}
            >
              Use checkpoint (epoch {stored.epoch})
            </button>
          )}
          {info && info.source !== 'run' && (
            <button type="button" className="btn" disabled={loadingWeights} onClick={() => void backToLastRun(doc)}>
              Use the last run
            </button>
          )}
        </span>
      </div>
      {loadingWeights && <div className="muted small">Loading the weights…</div>}
      {state.kind === 'waiting' && <div className="insight-empty">Asking the training worker…</div>}
      {state.kind === 'no-weights' && (
        <div className="insight-empty" data-testid="try-state">
          {state.message}
        </div>
      )}
      {(state.kind === 'changed' || state.kind === 'unsupported') && (
        <div className="try-refused" role="alert" data-testid="try-state">
          {state.message}
        </div>
      )}
      {error && (
        <div className="error-text" role="alert" data-testid="try-error">
          {error}
        </div>
      )}
      {state.kind === 'ready' && (
        <TryInputs
          key={`${state.info.docName}|${state.info.input.shape.join('x')}|${state.info.input.kind}`}
          info={state.info}
        />
      )}
    </div>
  );
}

/** "Import trained weights…": the weights.safetensors of an exported PyTorch package's train.py, for the open graph. */
function TrainedWeightsButton({ doc, disabled }: { doc: GraphDoc; disabled: boolean }) {
  const input = useRef<HTMLInputElement>(null);
  return (
    <>
      <button
        type="button"
        className="btn"
        disabled={disabled}
        onClick={() => input.current?.click()}
        title="checkpoints/weights.safetensors written by train.py of this graph's PyTorch export (File › Export…)"
      >
        Import trained weights…
      </button>
      <input
        ref={input}
        type="file"
        hidden
        accept=".safetensors"
        aria-label="Trained weights"
        data-testid="try-trained-weights"
        onChange={(ev) => {
          const file = ev.target.files?.[0];
          ev.target.value = '';
          if (file) void importTrainedWeights(doc, file);
        }}
      />
    </>
  );
}

/** "Open a model folder…": a folder chooser (webkitdirectory); its graph opens in a tab, its weights become current. */
function ModelFolderButton({ disabled }: { disabled: boolean }) {
  const input = useRef<HTMLInputElement>(null);
  // webkitdirectory is not in React's typings; set it on the element.
  useEffect(() => input.current?.setAttribute('webkitdirectory', ''), []);
  return (
    <>
      <button
        type="button"
        className="btn"
        disabled={disabled}
        onClick={() => input.current?.click()}
        title="A model folder from import-hf, train --save-model or an export (model.json, weights.bin, graph.json, model-info.json)"
      >
        Open a model folder…
      </button>
      <input
        ref={input}
        type="file"
        hidden
        aria-label="Model folder"
        data-testid="try-model-folder"
        onChange={(ev) => {
          const files = [...(ev.target.files ?? [])];
          ev.target.value = '';
          if (files.length) void openModelFolder(files);
        }}
      />
    </>
  );
}

function useCheckpointInfo(key: string, status: string): CheckpointInfo | null {
  const [info, setInfo] = useState<CheckpointInfo | null>(null);
  useEffect(() => {
    let live = true;
    checkpointInfo(key).then(
      (i) => live && setInfo(i),
      () => live && setInfo(null),
    );
    return () => {
      live = false;
    };
  }, [key, status]);
  return info;
}

function TryInputs({ info }: { info: TryWeightsInfo }) {
  const prediction = useTry((s) => s.prediction);
  const busy = useTry((s) => s.busy);
  const [topK, setTopK] = useState(5);
  const last = useRef<TryInput | null>(null);
  const live = useMemo(() => new LiveScheduler<TryInput>((input) => predict(activeDoc(), input, topK), 120), [topK]);
  useEffect(() => () => live.cancel(), [live]);
  const run = (input: TryInput) => {
    last.current = input;
    live.push(input);
  };
  // A new epoch or another top-k: predict the last input again.
  const epochs = useTrainer((s) => s.epochs.length);
  useEffect(() => {
    if (last.current) live.push(last.current);
  }, [epochs, live]);

  const kind = info.inputs.length > 1 ? 'several' : info.input.kind;
  return (
    <div className="try-body">
      <div className="try-input" aria-label="Input">
        <h4>
          {kind === 'several' ? (
            <>Inputs {info.inputs.map((i) => i.nodeId).join(', ')}</>
          ) : (
            <>
              Input <code>{info.input.nodeId}</code>{' '}
              <span className="muted small">
                [{info.input.shape.join(' × ')}]
                {info.normalization !== 'none' ? ` · ${info.normalization} as in training` : ''}
              </span>
            </>
          )}
        </h4>
        {kind === 'image' && <ImageInput info={info} onInput={run} />}
        {kind === 'text' && <TextInput info={info} onInput={run} />}
        {kind === 'table' && <RowInput info={info} onInput={run} />}
        {kind === 'array' && <ArrayInput info={info} onInput={run} />}
        {kind === 'several' && <SeveralInputs info={info} onInput={run} />}
        <label className="small try-topk">
          Top
          <select aria-label="Top k" value={topK} onChange={(ev) => setTopK(Number(ev.target.value))}>
            {[1, 3, 5, 10].map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
          {busy && <span className="muted"> · predicting…</span>}
          {prediction && !busy && (
            <span className="muted" data-testid="try-ms">
              {' '}
              · {prediction.ms.toFixed(0)} ms in the worker
            </span>
          )}
        </label>
      </div>
      {prediction && <TryOutput info={info} prediction={prediction} />}
    </div>
  );
}

function pickFile(accept: string, onFile: (f: File) => void) {
  const input = document.createElement('input');
  input.type = 'file';
  input.accept = accept;
  input.onchange = () => input.files?.[0] && onFile(input.files[0]);
  input.click();
}

/** Drop a file anywhere on `children` (image inputs also take a paste anywhere in the tab). */
function DropZone({
  accept,
  onFile,
  label,
  children,
}: {
  accept: RegExp;
  onFile: (f: File) => void;
  label: string;
  children: React.ReactNode;
}) {
  const [over, setOver] = useState(false);
  const take = (files: FileList | null | undefined) => {
    const f = files?.[0];
    if (!f) return false;
    if (!accept.test(f.name) && !accept.test(f.type)) {
      showError(`${f.name}: ${label}`);
      return true;
    }
    onFile(f);
    return true;
  };
  return (
    <div
      className={`try-drop${over ? ' over' : ''}`}
      data-testid="try-drop"
      tabIndex={0}
      onDragOver={(ev) => {
        ev.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(ev) => {
        ev.preventDefault();
        setOver(false);
        take(ev.dataTransfer.files);
      }}
    >
      {children}
    </div>
  );
}

const IMAGE_FILE = /\.(png|jpe?g)$|^image\/(png|jpeg)$/i;

function ImageInput({ info, onInput }: { info: TryWeightsInfo; onInput: (i: TryInput) => void }) {
  const g = useMemo(() => padGeometry(info.input.shape), [info.input.shape]);
  const [file, setFile] = useState<string | null>(null);
  const fromFile = (f: File) => {
    setFile(f.name);
    onInput({ kind: 'imageFile', file: f });
  };
  // Paste an image anywhere while this tab is open (not into a text field).
  useEffect(() => {
    const onPaste = (ev: ClipboardEvent) => {
      const t = ev.target as HTMLElement | null;
      if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.isContentEditable)) return;
      const f = ev.clipboardData?.files[0];
      if (!f) return;
      ev.preventDefault();
      if (IMAGE_FILE.test(f.type) || IMAGE_FILE.test(f.name)) fromFile(f);
      else showError(`${f.name || 'the pasted file'}: not a PNG or JPEG image; paste an image`);
    };
    window.addEventListener('paste', onPaste);
    return () => window.removeEventListener('paste', onPaste);
  });
  const [h, w, c] = info.input.shape;
  return (
    <DropZone accept={IMAGE_FILE} onFile={fromFile} label="not a PNG or JPEG image; drop a .png or .jpg">
      <DrawingPad
        geometry={g}
        inputLabel={`${h}×${w}${c === 3 ? ' RGB' : c === 1 ? ' grey' : ''}`}
        onChange={(p: PadPixels) => {
          setFile(null);
          onInput({ kind: 'pixels', ...p });
        }}
        onClear={clearPrediction}
      />
      <div className="small muted try-file-line">
        Draw, or drop / paste an image here, or{' '}
        <button
          type="button"
          className="link"
          onClick={() => pickFile('.png,.jpg,.jpeg,image/png,image/jpeg', fromFile)}
        >
          choose an image file…
        </button>
        {file && (
          <span data-testid="try-file">
            {' '}
            · <b>{file}</b>
          </span>
        )}
      </div>
    </DropZone>
  );
}

function TextInput({ info, onInput }: { info: TryWeightsInfo; onInput: (i: TryInput) => void }) {
  const [text, setText] = useState('');
  const [marked, setMarked] = useState<number[]>([]);
  const chars = useMemo(() => Array.from(text), [text]);
  const send = (t: string, m: number[]) => t.length > 0 && onInput({ kind: 'text', text: t, masked: m });
  const max = info.input.textBytes ?? info.input.shape[0] ?? 0;
  return (
    <div className="try-text">
      <textarea
        aria-label="Text to fill"
        rows={3}
        value={text}
        placeholder="Type text; write _ where a byte should be filled in, or click characters below to hide them"
        onChange={(ev) => {
          const t = ev.target.value;
          const n = Array.from(t).length;
          const m = marked.filter((i) => i < n);
          setText(t);
          setMarked(m);
          send(t, m);
        }}
      />
      <div className="small muted">
        {new TextEncoder().encode(text).length} of {max} bytes ·{' '}
        {chars.filter((ch, i) => ch === '_' || marked.includes(i)).length} to fill
      </div>
      {chars.length > 0 && (
        <div className="try-chars" aria-label="Click characters to hide them" data-testid="try-chars">
          {chars.map((ch, i) => {
            const hidden = ch === '_' || marked.includes(i);
            return (
              <button
                key={i}
                type="button"
                className={hidden ? 'hidden' : ''}
                aria-pressed={hidden}
                title={hidden ? `position ${i + 1}: to fill` : `hide position ${i + 1}`}
                onClick={() => {
                  if (ch === '_') return;
                  const m = marked.includes(i) ? marked.filter((k) => k !== i) : [...marked, i];
                  setMarked(m);
                  send(text, m);
                }}
              >
                {ch === ' ' ? '·' : ch === '\n' ? '↵' : ch}
              </button>
            );
          })}
        </div>
      )}
    </div>
  );
}

function RowInput({ info, onInput }: { info: TryWeightsInfo; onInput: (i: TryInput) => void }) {
  const n = info.input.shape.reduce((a, b) => a * b, 1);
  const names = Array.from({ length: n }, (_, i) => info.featureNames[i] ?? `feature ${i + 1}`);
  // Start from the first row of the bound file when the Dataset tab has read it (values as in the file).
  const firstRow = useData((s) => (s.preview?.featureNames.length === n ? s.preview.rows[0]?.values : undefined));
  const [values, setValues] = useState<string[]>(() =>
    Array.from({ length: n }, (_, i) => (firstRow?.[i] !== undefined ? String(firstRow[i]) : '')),
  );
  return (
    <form
      className="try-row"
      aria-label="Table row"
      onSubmit={(ev) => {
        ev.preventDefault();
        onInput({ kind: 'row', values });
      }}
    >
      <div className="try-fields">
        {names.map((name, i) => (
          <label key={i}>
            <span>{name}</span>
            <input
              aria-label={name}
              value={values[i] ?? ''}
              inputMode="decimal"
              onChange={(ev) => setValues(values.map((v, k) => (k === i ? ev.target.value : v)))}
            />
          </label>
        ))}
      </div>
      <button type="submit" className="btn primary">
        Predict
      </button>
      {!info.featureNames.length && (
        <div className="small muted">Column names come from the bound CSV; these weights have none.</div>
      )}
    </form>
  );
}

function ArrayInput({ info, onInput }: { info: TryWeightsInfo; onInput: (i: TryInput) => void }) {
  const [file, setFile] = useState<string | null>(null);
  const fromFile = (f: File) => {
    setFile(f.name);
    onInput({ kind: 'arrayFile', file: f });
  };
  const codec = info.input.file;
  // With a dataset codec the worker checks the format (and names the file); else only .npy.
  return (
    <DropZone
      accept={codec ? /./ : /\.npy$/i}
      onFile={fromFile}
      label={`not a .npy file; this input takes a NumPy array of shape [${info.input.shape.join(', ')}]`}
    >
      <div className="try-array">
        <p className="small">
          This input (<code>{info.input.nodeId}</code>, [{info.input.shape.join(', ')}]) takes{' '}
          {codec
            ? `a ${codec.what} (${codec.formats}, read as the dataset loader reads it)`
            : 'a .npy array of that shape'}
          : drop a file here or{' '}
          <button type="button" className="link" onClick={() => pickFile(codec ? '' : '.npy', fromFile)}>
            choose one…
          </button>
        </p>
        {file && (
          <div className="small" data-testid="try-file">
            <b>{file}</b>
          </div>
        )}
      </div>
    </DropZone>
  );
}

/** Models with several inputs (multimodal): one file per input, predicted once every input has one. */
function SeveralInputs({ info, onInput }: { info: TryWeightsInfo; onInput: (i: TryInput) => void }) {
  const [files, setFiles] = useState<(File | null)[]>(() => info.inputs.map(() => null));
  const put = (k: number, f: File) => {
    const next = files.map((g, i) => (i === k ? f : g));
    setFiles(next);
    if (next.every((g) => g)) onInput({ kind: 'files', files: next });
  };
  return (
    <div className="try-several">
      {info.inputs.map((inp, k) => {
        const what = inp.file
          ? `a ${inp.file.what} (${inp.file.formats})`
          : inp.kind === 'image'
            ? 'a PNG/JPEG image (or .npy)'
            : 'a .npy array';
        return (
          <DropZone key={inp.nodeId} accept={/./} onFile={(f) => put(k, f)} label="">
            <div className="small">
              <code>{inp.nodeId}</code> [{inp.shape.join(', ')}]: {what} —{' '}
              <button
                type="button"
                className="link"
                aria-label={`Choose a file for ${inp.nodeId}`}
                onClick={() => pickFile('', (f) => put(k, f))}
              >
                choose…
              </button>{' '}
              {files[k] ? <b data-testid="try-file">{files[k]!.name}</b> : <span className="muted">no file yet</span>}
            </div>
          </DropZone>
        );
      })}
      <div className="small muted">
        The prediction runs once every input has a file; each is read as its dataset loader reads it.
      </div>
    </div>
  );
}
