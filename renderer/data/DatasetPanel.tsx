import { useEffect, useMemo, useRef } from 'react';
import type { Dataset } from '../../engine/data/dataset';
import { analyse } from '../../engine/graph/analyse';
import type { GraphDoc } from '../../engine/graph/schema';
import { planTraining } from '../../engine/train/lossPlan';
import { dataBindingSchema } from '../../engine/graph/schema';
import { BindError, bindToData, declaredInputShape } from '../../engine/train/bindData';
import { formatInt, formatSplitSizes } from '../format';
import { activeDoc, focusNode, notify, openInTab, perform, useEditor } from '../state/store';
import { NumberField, SelectField } from '../training/fields';
import { isTraining, useTrainer } from '../training/trainer';
import {
  chooseBuiltinMnist,
  pickFile,
  pickFolder,
  requestPreview,
  setBinding,
  setSkipBadRows,
  sourceMatches,
  useData,
} from './dataStore';
import { planFit } from './fitGraph';
import { suggestTemplate, type TemplateSuggestion } from './dataFit';
import { DATA_FILE_ACCEPT } from './folderListing';
import { ClassBalance, SampleImage } from './SampleImage';
import './data.css';

const SOURCE_LABEL: Record<string, string> = {
  mnist: 'built-in MNIST',
  csv: 'CSV',
  json: 'JSON',
  npy: 'NumPy .npy',
  npz: 'NumPy .npz',
  images: 'image folder',
  text: 'text',
};

/** The dataset tab: pick, preview, bind, split and normalise the data a graph trains on. */
export function DatasetPanel() {
  const doc = useEditor((s) => activeDoc(s));
  const data = useData((s) => s);
  const training = useTrainer((s) => isTraining(s));
  const fileInput = useRef<HTMLInputElement>(null);
  const folderInput = useRef<HTMLInputElement>(null);
  const binding = doc.data;
  const matches = sourceMatches(doc, data);
  const declared = declaredInputShape(doc);
  const declaredKey = declared?.join('x') ?? '';

  // webkitdirectory is not in React's typings; set it on the element.
  useEffect(() => folderInput.current?.setAttribute('webkitdirectory', ''), []);

  // Re-read the preview when the binding, the source or the input size changes (debounced:
  // typing a fraction should not re-split a large file per keystroke).
  useEffect(() => {
    if (training) return;
    const t = setTimeout(() => requestPreview(activeDoc()), 200);
    return () => clearTimeout(t);
  }, [binding, data.source, data.skipBadRows, declaredKey, matches, training]);

  return (
    <div className="dataset-panel" aria-label="Dataset">
      <fieldset className="data-source" disabled={training}>
        <legend>Data source</legend>
        <div className="data-buttons">
          <button type="button" className="btn" onClick={() => fileInput.current?.click()}>
            Choose a data file…
          </button>
          <button type="button" className="btn" onClick={() => folderInput.current?.click()}>
            Choose an image folder…
          </button>
          <button
            type="button"
            className="btn"
            onClick={() => chooseBuiltinMnist(activeDoc())}
            aria-pressed={!binding || binding.source === 'mnist'}
          >
            Built-in MNIST
          </button>
        </div>
        <div className="muted small">
          CSV/TSV, JSON, .npy/.npz, a text file (.txt, .md) for masked-byte models, or a folder with one subfolder of
          PNG/JPEG images per class. You can also drop a file or folder anywhere on the window.
        </div>
        <input
          ref={fileInput}
          type="file"
          hidden
          accept={DATA_FILE_ACCEPT}
          aria-label="Data file"
          data-testid="data-file-input"
          onChange={(e) => {
            const f = e.target.files?.[0];
            e.target.value = '';
            if (f) pickFile(activeDoc(), f);
          }}
        />
        <input
          ref={folderInput}
          type="file"
          hidden
          multiple
          aria-label="Image folder"
          data-testid="data-folder-input"
          onChange={(e) => {
            const files = [...(e.target.files ?? [])].map((file) => ({
              path: file.webkitRelativePath || file.name,
              file,
            }));
            e.target.value = '';
            if (files.length) pickFolder(activeDoc(), files);
          }}
        />
      </fieldset>

      <div className="data-binding-line" data-testid="data-bound-to">
        {!binding || binding.source === 'mnist' ? (
          <span>
            This graph trains on the <b>built-in MNIST digits</b> (10,000 28×28 images).
          </span>
        ) : (
          <span>
            Bound to <b>{binding.path ?? '(no file name)'}</b> ({SOURCE_LABEL[binding.source]}) — saved with the graph.
          </span>
        )}
      </div>
      {binding && binding.source !== 'mnist' && !matches && (
        <div className="data-repick" role="note" data-testid="data-repick">
          A browser cannot reopen a file from the name saved in the graph: choose <b>{binding.path}</b> again (
          {binding.source === 'images' ? 'Choose an image folder…' : 'Choose a data file…'}) to preview and train on it.
        </div>
      )}
      {data.status === 'loading' && !data.preview && <div className="muted">Reading the data…</div>}
      {data.status === 'error' && data.error && (
        <div className="error-text" role="alert" data-testid="data-error">
          {data.error}
        </div>
      )}
      {data.preview && matches && <PreviewView doc={doc} />}
    </div>
  );
}

function PreviewView({ doc }: { doc: GraphDoc }) {
  const p = useData((s) => s.preview)!;
  const status = useData((s) => s.status);
  const loading = status !== 'ready';
  const skipBadRows = useData((s) => s.skipBadRows);
  const training = useTrainer((s) => isTraining(s));
  const binding = doc.data ?? dataBindingSchema.parse({ source: 'mnist' });
  const total = p.sizes.train + p.sizes.validation + p.sizes.test;
  const isImage = p.inputShape.length >= 2;
  const bind = useMemo(() => {
    try {
      const bound = bindToData(doc, {
        inputShape: p.inputShape,
        numClasses: p.classNames.length,
        targets: p.targets,
        moreInputShapes: p.moreInputShapes,
      });
      const a = analyse(bound.doc);
      // Each head's loss must fit the targets (a classifier cannot learn masked bytes).
      if (a.valid)
        planTraining(a, {
          name: p.name,
          inputShape: p.inputShape,
          numClasses: p.classNames.length,
          targets: p.targets,
          moreInputShapes: p.moreInputShapes,
        } as Dataset);
      return { ok: true as const, filled: bound.filled };
    } catch (err) {
      if (!(err instanceof BindError)) throw err;
      const fit = planFit(doc, {
        inputShape: p.inputShape,
        numClasses: p.classNames.length,
        moreInputShapes: p.moreInputShapes,
      });
      // Where param edits cannot make this graph fit, the template for this kind of data can.
      return {
        ok: false as const,
        message: err.message,
        nodeId: err.nodeId,
        fit,
        suggestion: fit.command ? null : suggestTemplate(doc, p),
      };
    }
  }, [doc, p]);
  const frac = (v: number | null) => (v !== null && v >= 0 && v <= 0.9 ? null : 'a fraction between 0 and 0.9');

  return (
    <section className={`data-preview${loading ? ' stale' : ''}`} aria-label="Dataset preview" aria-busy={loading}>
      <div className="data-summary" data-testid="data-summary">
        <b>{p.name}</b>:{' '}
        {p.kind === 'text'
          ? `${formatInt(total)} windows of ${p.inputShape[0]} bytes · masked-byte targets (${Math.round((p.maskRate ?? 0) * 100)}% of the bytes hidden)`
          : `${formatInt(total)} examples · ${p.targets?.[0]?.kind === 'values' ? 'real-valued targets' : `${p.classNames.length} classes`} · ${p.moreInputShapes ? `inputs ${[p.inputShape, ...p.moreInputShapes].map((sh) => `[${sh.join(', ')}]`).join(' + ')}` : `input [${p.inputShape.join(', ')}]`}`}
      </div>
      <div className="data-sizes muted small" data-testid="data-sizes">
        {formatSplitSizes(p.sizes)}
        {p.kind === 'images' &&
          p.decoded !== undefined &&
          ` · ${p.decoded} ${p.content === 'audio' ? 'clips' : p.content === 'points' ? 'point clouds' : 'images'} decoded for this preview (the rest stream during training)`}
        {p.sizes.validation > 0 && p.sizes.validation < 30 && ' · a small validation split: its figures are noisy'}
      </div>

      {loading ? null : bind.ok ? (
        <div className="data-fit ok" data-testid="data-binding">
          Fits the graph{bind.filled.length ? `; from data: ${bind.filled.join(', ')}` : ''}.
        </div>
      ) : (
        <div className="data-fit bad" role="alert" data-testid="data-binding">
          {bind.message}{' '}
          {bind.nodeId && (
            <button type="button" className="link" onClick={() => focusNode(bind.nodeId!)}>
              Show node
            </button>
          )}
          {bind.fit.command ? (
            <div>
              <button
                type="button"
                className="btn primary"
                disabled={training}
                onClick={() => perform(bind.fit.command!)}
              >
                Fit the graph to the data
              </button>{' '}
              <span className="muted small">{bind.fit.changes.join(', ')}</span>
            </div>
          ) : bind.suggestion ? (
            <div data-testid="data-suggestion">
              <button
                type="button"
                className="btn primary"
                disabled={training}
                onClick={() => openSuggestion(bind.suggestion!)}
              >
                {bind.suggestion.text}
              </button>{' '}
              <span className="muted small">
                (a new tab{bind.suggestion.changes.length ? `; ${bind.suggestion.changes.join(', ')}` : ''})
              </span>
            </div>
          ) : (
            bind.fit.problem && <div className="muted small">Cannot fit automatically: {bind.fit.problem}.</div>
          )}
        </div>
      )}

      <fieldset className="data-options" disabled={training || !doc.data}>
        <legend>Binding</legend>
        {p.kind === 'table' && p.columns.length > 0 && (
          <SelectField
            label="Target column"
            help="The class column; every other column is a numeric feature"
            value={doc.data?.target ?? p.targetName ?? p.columns[p.columns.length - 1]!}
            options={p.columns.map((c) => ({ value: c, label: c }))}
            onChange={(v) => setBinding(doc, { target: v })}
          />
        )}
        <div className="field-row">
          <NumberField
            label="Validation fraction"
            value={binding.validationFraction}
            validate={frac}
            onCommit={(v) => setBinding(doc, { validationFraction: v! })}
          />
          <NumberField
            label="Test fraction"
            value={binding.testFraction}
            validate={frac}
            onCommit={(v) => setBinding(doc, { testFraction: v! })}
          />
        </div>
        <div className="field-row">
          <NumberField
            label="Split seed"
            value={binding.seed}
            validate={(v) => (v !== null && Number.isInteger(v) && v >= 0 ? null : 'a whole number ≥ 0')}
            onCommit={(v) => setBinding(doc, { seed: v! })}
          />
          <SelectField
            label="Normalisation"
            value={binding.normalize}
            options={[
              { value: 'none', label: 'none (as read)' },
              { value: 'minmax', label: 'min–max to 0…1' },
              { value: 'standardize', label: 'standardise (mean 0, sd 1)' },
            ]}
            onChange={(v) => setBinding(doc, { normalize: v })}
          />
        </div>
        <div className="field-help">
          Split is shuffled with the seed; normalisation statistics come from the training split only
          {isImage && p.kind === 'images' ? ' (a sample of it)' : ''}.{' '}
          {!doc.data && 'Choose a source to change the built-in split.'}
        </div>
        {p.kind === 'table' && (
          <label className="check">
            <input type="checkbox" checked={skipBadRows} onChange={(e) => setSkipBadRows(e.target.checked)} /> Skip bad
            rows (counted and listed) instead of stopping at the first
          </label>
        )}
      </fieldset>

      {p.classNames.length > 0 && (
        <>
          <h4>Class balance</h4>
          <ClassBalance names={p.classNames} counts={p.classCounts} sampled={p.classCountsSampled} />
        </>
      )}
      {p.textSamples && p.textSamples.length > 0 && (
        <>
          <h4>Training windows (hidden bytes shown as _)</h4>
          <div className="text-samples" aria-label="Text samples" data-testid="text-samples">
            {p.textSamples.map((s, i) => (
              <pre key={i} className="text-sample">
                {s}
              </pre>
            ))}
          </div>
        </>
      )}
      <div className="muted small" data-testid="data-stats">
        {p.kind === 'table' ? 'values in the file' : 'values after normalisation'}: min {fmt(p.stats.min)}, max{' '}
        {fmt(p.stats.max)}, mean {fmt(p.stats.mean)} · normalisation {p.normalization}
      </div>

      {p.rows.length > 0 && (
        <>
          <h4>First rows</h4>
          <div className="data-rows-wrap">
            <table className="data-rows" aria-label="First rows">
              <thead>
                <tr>
                  {p.featureNames.map((f) => (
                    <th key={f}>{f}</th>
                  ))}
                  <th className="target">{p.targetName}</th>
                </tr>
              </thead>
              <tbody>
                {p.rows.map((r, i) => (
                  <tr key={i}>
                    {r.values.map((v, j) => (
                      <td key={j}>{fmt(v)}</td>
                    ))}
                    <td className="target">{r.label}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
      {p.samples.length > 0 && isImage && (
        <>
          <h4>Samples</h4>
          <div className="sample-grid" aria-label="Sample images">
            {p.samples.map((s, i) => (
              <figure key={i} className="sample">
                <SampleImage x={s.x} shape={p.inputShape} title={`class ${s.label}`} />
                <figcaption>{s.label}</figcaption>
              </figure>
            ))}
          </div>
        </>
      )}
      {p.skipped.count > 0 && (
        <details className="skipped" open data-testid="data-skipped">
          <summary>
            Skipped {p.skipped.count} item{p.skipped.count === 1 ? '' : 's'}
          </summary>
          <ul>
            {p.skipped.reasons.slice(0, 20).map((r, i) => (
              <li key={i}>{r}</li>
            ))}
            {p.skipped.count > 20 && <li>… and {p.skipped.count - 20} more</li>}
          </ul>
        </details>
      )}
    </section>
  );
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a >= 1e5 || a < 1e-3) ? v.toExponential(2) : String(Number(v.toFixed(4)));
}

/** Opens the fitted template in a new tab, bound to the data already loaded. */
function openSuggestion(s: TemplateSuggestion): void {
  openInTab(s.doc, { fileName: null });
  notify('info', `Opened “${s.title}” fitted to the data`);
}
