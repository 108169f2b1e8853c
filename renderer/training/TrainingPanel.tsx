import { useEffect, useState } from 'react';
import { formatDuration, formatInt } from '../format';
import { activeDoc, focusNode, useEditor } from '../state/store';
import { checkpointInfo, type CheckpointInfo } from '../worker/checkpointStore';
import { LossChart } from './LossChart';
import { formatMetric, isPercentMetric, metricLabel, metricShort } from './metricText';
import { ResultsView } from './ResultsView';
import { TrainingSettingsForm } from './TrainingSettingsForm';
import { checkpointKeyFor, isTraining, setPaused, startTraining, stopTraining, useTrainer } from './trainer';
import '../data/data.css';
import { FineTuneOptions } from '../hf/PretrainedDetails';

/** Training settings (saved with the graph, undoable), the live run and its results. */
export function TrainingPanel() {
  const doc = useEditor((s) => activeDoc(s));
  const t = useTrainer((s) => s);
  const running = isTraining(t);
  const last = t.last;
  const done = last ? last.epoch * last.stepsPerEpoch + last.step : 0;
  const fraction = last ? done / last.totalSteps : 0;
  const stored = useStoredCheckpoint(checkpointKeyFor(doc), t.checkpoint?.epoch ?? null, running);
  const bound =
    doc.data && doc.data.source !== 'mnist' ? `${doc.data.path ?? doc.data.source}` : 'the built-in MNIST digits';

  return (
    <div className="training-panel" aria-label="Training">
      <div className="muted small" data-testid="train-data">
        Trains on <b>{bound}</b> (change it in the Dataset tab).
      </div>
      <FineTuneOptions />
      {!running && stored && (
        <div className="checkpoint-line" data-testid="stored-checkpoint">
          <span>
            Checkpoint after epoch {stored.epoch} (step {stored.step}, {stored.optimizer}) from{' '}
            {new Date(stored.savedMs).toLocaleTimeString()}.
          </span>
          <button type="button" className="btn" onClick={() => startTraining(activeDoc(), { resume: true })}>
            Resume from epoch {stored.epoch}
          </button>
          <span className="muted small">continues with the settings above</span>
        </div>
      )}

      {t.status !== 'idle' && (
        <section className="run" aria-label="Training run" aria-live="polite">
          <div className="run-head">
            <span className={`run-status s-${t.status}`} data-testid="train-status">
              {t.paused && running ? 'Paused' : statusText(t.status)}
            </span>
            {t.phase && t.phase !== 'training' && <span className="muted">{t.message}</span>}
          </div>
          {running && (
            <div className="run-controls">
              <button
                type="button"
                className="btn"
                disabled={t.status === 'stopping'}
                onClick={() => setPaused(!t.paused)}
              >
                {t.paused ? 'Resume' : 'Pause'}
              </button>
              <button type="button" className="btn" disabled={t.status === 'stopping'} onClick={stopTraining}>
                Stop run
              </button>
            </div>
          )}
          {t.backend && (
            <div className="backend" data-testid="backend">
              Backend <b>{t.backend.name}</b> — {t.backend.reason}
            </div>
          )}
          {t.dataName && (
            <div className="muted small" data-testid="train-run-data">
              {t.dataName}
              {t.params !== null ? ` · model ${formatInt(t.params)} params` : ''}
            </div>
          )}
          {t.resumedFromEpoch !== null && (
            <div className="muted small">Resumed from the checkpoint after epoch {t.resumedFromEpoch}.</div>
          )}
          {t.filled.length > 0 && <div className="muted small">From data: {t.filled.join(', ')}</div>}
          {t.skipped && t.skipped.count > 0 && (
            <div className="skipped small">
              Skipped {t.skipped.count} item{t.skipped.count === 1 ? '' : 's'} while loading:{' '}
              {t.skipped.reasons.slice(0, 3).join('; ')}
              {t.skipped.count > 3 ? '; …' : ''}
            </div>
          )}
          {t.memoryEstimate && (
            <div className="muted small" data-testid="memory-estimate">
              {t.memoryEstimate}
            </div>
          )}
          {(running || t.steps.length > 0) && (
            <>
              <div
                className="progress"
                role="progressbar"
                aria-label="Training progress"
                aria-valuemin={0}
                aria-valuemax={100}
                aria-valuenow={Math.round(fraction * 100)}
              >
                <div className="progress-fill" style={{ width: `${Math.min(100, fraction * 100)}%` }} />
              </div>
              {last && (
                <div className="run-stats" data-testid="run-stats">
                  <span data-testid="epoch-value">
                    epoch {last.epoch + 1}/{Math.round(last.totalSteps / last.stepsPerEpoch)}
                  </span>
                  <span data-testid="step-value">
                    step {last.step}/{last.stepsPerEpoch}
                  </span>
                  <span data-testid="loss-value">loss {last.loss.toFixed(4)}</span>
                  <span>lr {last.learningRate.toExponential(1)}</span>
                  <span>{last.examplesPerSecond > 0 ? `${last.examplesPerSecond.toFixed(1)} ex/s` : '… ex/s'}</span>
                  <span>ETA {running && !t.paused ? formatDuration(last.etaSeconds) : '–'}</span>
                </div>
              )}
              <LossChart
                steps={t.steps}
                losses={t.losses}
                epochEnds={t.epochs.map((e) => e.epoch * (last?.stepsPerEpoch ?? 0))}
                trainAcc={t.epochs.map((e) => e.accuracy)}
                valAcc={t.epochs.map((e) => e.valAccuracy)}
                metric={metricShort(t.epochs[0]?.metric)}
                percent={isPercentMetric(t.epochs[0]?.metric)}
              />
            </>
          )}
          {t.epochs.length > 0 && (
            <table className="epochs">
              <thead>
                <tr>
                  <th>epoch</th>
                  <th>loss</th>
                  <th title={metricLabel(t.epochs[0]?.metric)}>{metricShort(t.epochs[0]?.metric)}</th>
                  <th>val loss</th>
                  <th>val {metricShort(t.epochs[0]?.metric)}</th>
                </tr>
              </thead>
              <tbody>
                {t.epochs.map((e) => (
                  <tr key={e.epoch}>
                    <td>{e.epoch}</td>
                    <td>{e.loss.toFixed(4)}</td>
                    <td>{formatMetric(e.metric, e.accuracy)}</td>
                    <td>{e.valLoss?.toFixed(4) ?? '–'}</td>
                    <td>{formatMetric(e.metric, e.valAccuracy)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {t.epochs[0]?.heads && (
            // Several heads (e.g. the multimodal autoencoder): each head's own loss, train / validation.
            <table className="epochs" aria-label="Per-head losses" data-testid="head-losses">
              <thead>
                <tr>
                  <th>epoch</th>
                  {t.epochs[0].heads.map((h) => (
                    <th
                      key={h.nodeId}
                      title={`${h.nodeId}: its own loss (train / validation), weight ${h.weight} in the total`}
                    >
                      {h.nodeId}
                      {h.weight !== 1 ? ` ×${h.weight}` : ''}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {t.epochs.map((e) => (
                  <tr key={e.epoch}>
                    <td>{e.epoch}</td>
                    {(e.heads ?? []).map((h) => (
                      <td key={h.nodeId}>
                        {h.loss.toPrecision(3)}
                        {h.valLoss !== null ? ` / ${h.valLoss.toPrecision(3)}` : ''}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {t.checkpoint && (
            <div className="checkpoint-line" data-testid="checkpoint">
              Checkpoint kept after epoch {t.checkpoint.epoch} ({(t.checkpoint.bytes / 1024 ** 2).toFixed(1)} MB, in
              this browser's storage).
            </div>
          )}
          {t.status === 'diverged' ? (
            <div className="diverged" role="alert" data-testid="diverged">
              {t.message}{' '}
              {t.checkpoint
                ? `The last good checkpoint (epoch ${t.checkpoint.epoch}) is kept: lower the learning rate and resume from it.`
                : 'No epoch had finished, so there is no checkpoint to resume from.'}
            </div>
          ) : (
            t.message &&
            !running && (
              <div className="muted" data-testid="run-message">
                {t.message}
              </div>
            )
          )}
          {t.refusal && (
            <div className="refusal" role="alert" data-testid="memory-refusal">
              <b>Not started: the model would not fit in memory.</b> {t.refusal.message}
            </div>
          )}
          {t.test && <ResultsView test={t.test} results={t.results} seconds={t.seconds} />}
          {t.error && (
            <div className="error-text" role="alert" data-testid="train-error">
              {t.error}{' '}
              {t.errorNode && (
                <button type="button" className="link" onClick={() => focusNode(t.errorNode!)}>
                  Show node
                </button>
              )}
            </div>
          )}
        </section>
      )}
      <TrainingSettingsForm disabled={running} />
    </div>
  );
}

/** The stored checkpoint for this graph and dataset (from this or an earlier session). */
function useStoredCheckpoint(key: string, latestEpoch: number | null, running: boolean): CheckpointInfo | null {
  const [info, setInfo] = useState<CheckpointInfo | null>(null);
  useEffect(() => {
    if (running) return;
    let live = true;
    checkpointInfo(key).then(
      (i) => live && setInfo(i),
      () => live && setInfo(null),
    );
    return () => {
      live = false;
    };
  }, [key, latestEpoch, running]);
  return info;
}

function statusText(s: string): string {
  return (
    (
      {
        running: 'Training…',
        stopping: 'Stopping…',
        done: 'Finished',
        stopped: 'Stopped',
        diverged: 'Diverged',
        'early-stopped': 'Stopped early',
        error: 'Failed',
      } as Record<string, string>
    )[s] ?? s
  );
}
