import { useEffect, useState } from 'react';
import type { TrainingSettings } from '../../engine/graph/schema';
import { trainingSettingsSchema } from '../../engine/graph/schema';
import { formatDuration, formatInt } from '../format';
import { activeDoc, focusNode, perform, useEditor } from '../state/store';
import { ConfusionMatrix } from './ConfusionMatrix';
import { LossChart } from './LossChart';
import { getMaxStepsPerEpoch, isTraining, setMaxStepsPerEpoch, useTrainer } from './trainer';

const NUMERIC: { key: keyof TrainingSettings; label: string; help: string }[] = [
  { key: 'epochs', label: 'Epochs', help: 'Passes over the training digits' },
  { key: 'batchSize', label: 'Batch size', help: 'Examples per step' },
  { key: 'learningRate', label: 'Learning rate', help: 'Adam step size (1e-3 is a good start)' },
];

/** Training settings (saved with the graph, undoable) and the live view of the current run. */
export function TrainingPanel() {
  const training = useEditor((s) => activeDoc(s).training);
  const t = useTrainer((s) => s);
  const maxSteps = useTrainer(() => getMaxStepsPerEpoch());
  const running = isTraining(t);
  const last = t.last;
  const done = last ? last.epoch * last.stepsPerEpoch + last.step : 0;
  const fraction = last ? done / last.totalSteps : 0;

  return (
    <div className="training-panel" aria-label="Training">
      <fieldset className="train-settings" disabled={running}>
        <legend>Training settings</legend>
        {NUMERIC.map((f) => (
          <SettingField key={f.key} label={f.label} help={f.help} value={training[f.key] as number} onCommit={(v) => perform({ type: 'setTraining', patch: { [f.key]: v } })} validate={(v) => validateSetting(f.key, v)} />
        ))}
        <label className="field">
          <span className="field-name">Optimizer</span>
          <select aria-label="Optimizer" value={training.optimizer} onChange={(e) => perform({ type: 'setTraining', patch: { optimizer: e.target.value as TrainingSettings['optimizer'] } })}>
            <option value="adam">Adam</option>
            <option value="adamw">AdamW</option>
            <option value="sgd">SGD + momentum</option>
          </select>
        </label>
        <SettingField
          label="Max steps per epoch"
          help="Empty = full epochs; a small number makes a quick trial run"
          value={maxSteps}
          allowEmpty
          validate={(v) => (v === null || (Number.isInteger(v) && v >= 1) ? null : 'a whole number ≥ 1, or empty')}
          onCommit={(v) => setMaxStepsPerEpoch(v)}
        />
      </fieldset>

      {t.status !== 'idle' && (
        <section className="run" aria-label="Training run" aria-live="polite">
          <div className="run-head">
            <span className={`run-status s-${t.status}`} data-testid="train-status">
              {statusText(t.status)}
            </span>
            {t.phase && t.phase !== 'training' && <span className="muted">{t.message}</span>}
          </div>
          {t.backend && (
            <div className="backend" data-testid="backend">
              Backend <b>{t.backend.name}</b> — {t.backend.reason}
            </div>
          )}
          {t.dataName && <div className="muted small">{t.dataName}{t.params !== null ? ` · model ${formatInt(t.params)} params` : ''}</div>}
          <div className="progress" role="progressbar" aria-label="Training progress" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(fraction * 100)}>
            <div className="progress-fill" style={{ width: `${Math.min(100, fraction * 100)}%` }} />
          </div>
          {last && (
            <div className="run-stats" data-testid="run-stats">
              <span>epoch {last.epoch + 1}/{Math.round(last.totalSteps / last.stepsPerEpoch)}</span>
              <span>step {last.step}/{last.stepsPerEpoch}</span>
              <span data-testid="loss-value">loss {last.loss.toFixed(4)}</span>
              <span>{last.examplesPerSecond > 0 ? `${last.examplesPerSecond.toFixed(1)} ex/s` : '… ex/s'}</span>
              <span>ETA {running ? formatDuration(last.etaSeconds) : '–'}</span>
            </div>
          )}
          <LossChart steps={t.steps} losses={t.losses} epochEnds={t.epochs.map((e) => e.epoch * (last?.stepsPerEpoch ?? 0))} trainAcc={t.epochs.map((e) => e.accuracy)} valAcc={t.epochs.map((e) => e.valAccuracy)} />
          {t.epochs.length > 0 && (
            <table className="epochs">
              <thead>
                <tr>
                  <th>epoch</th>
                  <th>loss</th>
                  <th>acc</th>
                  <th>val loss</th>
                  <th>val acc</th>
                </tr>
              </thead>
              <tbody>
                {t.epochs.map((e) => (
                  <tr key={e.epoch}>
                    <td>{e.epoch}</td>
                    <td>{e.loss.toFixed(4)}</td>
                    <td>{(e.accuracy * 100).toFixed(1)}%</td>
                    <td>{e.valLoss?.toFixed(4) ?? '–'}</td>
                    <td>{e.valAccuracy !== null ? `${(e.valAccuracy * 100).toFixed(1)}%` : '–'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {t.message && !running && <div className="muted">{t.message}</div>}
          {t.test && (
            <div className="test-result">
              <div data-testid="test-accuracy" className="big">
                Test accuracy {(t.test.accuracy * 100).toFixed(2)}%
              </div>
              <div className="muted small">on held-back digits, after {formatDuration(t.seconds ?? 0)}</div>
              <ConfusionMatrix confusion={t.test.confusion} />
            </div>
          )}
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
    </div>
  );
}

function statusText(s: string): string {
  return (
    { running: 'Training…', stopping: 'Stopping…', done: 'Finished', stopped: 'Stopped', diverged: 'Diverged', 'early-stopped': 'Stopped early', error: 'Failed' } as Record<string, string>
  )[s] ?? s;
}

function validateSetting(key: keyof TrainingSettings, v: number | null): string | null {
  if (v === null) return 'required';
  const r = trainingSettingsSchema.shape[key].safeParse(v);
  return r.success ? null : r.error.issues[0]!.message;
}

function SettingField({ label, help, value, onCommit, validate, allowEmpty }: { label: string; help: string; value: number | null; onCommit: (v: number | null) => void; validate: (v: number | null) => string | null; allowEmpty?: boolean }) {
  const [text, setText] = useState(value === null ? '' : String(value));
  useEffect(() => setText(value === null ? '' : String(value)), [value]);
  const parsed = text.trim() === '' ? (allowEmpty ? null : NaN) : Number(text);
  const error = parsed !== null && Number.isNaN(parsed) ? 'enter a number' : validate(parsed as number | null);
  const commit = () => {
    if (!error && parsed !== value) onCommit(parsed as number | null);
  };
  return (
    <div className={`field${error ? ' invalid' : ''}`}>
      <label className="field-name">
        {label}
        <input aria-label={label} inputMode="decimal" value={text} placeholder={allowEmpty ? 'full epochs' : ''} aria-invalid={!!error} onChange={(e) => setText(e.target.value)} onBlur={commit} onKeyDown={(e) => e.key === 'Enter' && commit()} />
      </label>
      <div className="field-help">{help}</div>
      {error && <div className="error-text">{error}</div>}
    </div>
  );
}
