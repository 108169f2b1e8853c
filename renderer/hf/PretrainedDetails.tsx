/**
 * The graph details of an imported model: a "pretrained" badge, the source (HF class, folder,
 * weight file, config) and the exact parameter count; and, in the Training tab, the fine-tuning
 * choices (start from the imported weights, freeze the encoder).
 */
import { activeDoc, useEditor } from '../state/store';
import { useTrainer } from '../training/trainer';
import { setFineTuneOptions, useHf } from './hfImportStore';
import './hf.css';

const int = (n: number) => n.toLocaleString('en-US');

/** Shown in the Inspector when no node is selected. */
export function GraphDetails() {
  const doc = useEditor((s) => activeDoc(s));
  const tabId = useEditor((s) => s.activeTabId);
  const imp = useHf((s) => s.byTab[tabId]);
  const origin = doc.origin;
  if (!origin && !imp) return null;
  const cls = imp?.summary.hfClass ?? origin?.hfClass;
  return (
    <section className="graph-details" aria-label="Graph details" data-testid="graph-details">
      <div className="graph-details-head">
        <b>{doc.name}</b>{' '}
        {imp ? (
          <span
            className="badge pretrained"
            data-testid="pretrained-badge"
            title="The imported weights are attached: Train fine-tunes them, Try runs them"
          >
            pretrained
          </span>
        ) : (
          <span
            className="badge"
            title="This graph came from a Hugging Face config; its weights are not loaded in this session (import the folder again to use them)"
          >
            imported graph · weights not loaded
          </span>
        )}
      </div>
      <dl className="graph-details-list">
        <dt>Source</dt>
        <dd data-testid="hf-class">Hugging Face {cls}</dd>
        {imp && (
          <>
            <dt>Folder</dt>
            <dd>
              {imp.summary.folder} ({imp.summary.weightsFile}, {(imp.summary.weightsBytes / 1024 / 1024).toFixed(1)} MB,{' '}
              {imp.summary.stateDictEntries} tensors)
            </dd>
            <dt>Parameters</dt>
            <dd data-testid="hf-params">
              {int(imp.summary.parameters)}
              {imp.summary.buffers ? ` (+ ${int(imp.summary.buffers)} BatchNorm statistics)` : ''}
            </dd>
            {imp.summary.classNames.length > 0 && (
              <>
                <dt>Classes</dt>
                <dd>
                  {imp.summary.classNames.length} ({imp.summary.classNames.slice(0, 3).join(', ')}
                  {imp.summary.classNames.length > 3 ? ', …' : ''})
                </dd>
              </>
            )}
          </>
        )}
      </dl>
      {origin && (
        <details>
          <summary>config.json</summary>
          <pre className="graph-details-config">{JSON.stringify(origin.config, null, 2)}</pre>
        </details>
      )}
    </section>
  );
}

/** Fine-tuning choices above the training controls (only for a tab with an imported model). */
export function FineTuneOptions() {
  const tabId = useEditor((s) => s.activeTabId);
  const imp = useHf((s) => s.byTab[tabId]);
  const started = useTrainer((s) => s.pretrained);
  if (!imp) return null;
  return (
    <section className="fine-tune" aria-label="Fine-tuning" data-testid="fine-tune">
      <div>
        <span className="badge pretrained">pretrained</span> {imp.summary.hfClass} from {imp.summary.folder}
      </div>
      <label>
        <input
          type="checkbox"
          checked={imp.usePretrained}
          onChange={(e) => setFineTuneOptions(tabId, { usePretrained: e.target.checked })}
        />{' '}
        Start from the imported weights (fine-tune)
      </label>
      <label>
        <input
          type="checkbox"
          disabled={!imp.usePretrained}
          checked={imp.freezeEncoder}
          onChange={(e) => setFineTuneOptions(tabId, { freezeEncoder: e.target.checked })}
        />{' '}
        Freeze the encoder (train only the decoder and head)
      </label>
      <div className="muted small">
        For another number of classes, set the head&rsquo;s Classes (or let the dataset set it): the head then starts
        fresh and every other weight is kept.
      </div>
      {started && (
        <div className="small" data-testid="pretrained-start">
          This run started from {started.label}: {started.loaded} weight tensors loaded
          {started.replaced.length ? `, ${started.replaced.length} replaced (${started.replaced.join(', ')})` : ''}
          {started.frozenNodes.length ? `, frozen: ${started.frozenNodes.join(', ')}` : ''};{' '}
          {int(started.trainableParams)} trainable parameters.
        </div>
      )}
    </section>
  );
}
