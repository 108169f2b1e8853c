import type { TrainingSettings } from '../../engine/graph/schema';
import { trainingSettingsSchema } from '../../engine/graph/schema';
import { activeDoc, perform, useEditor } from '../state/store';
import { NumberField, SelectField } from './fields';
import { getMaxStepsPerEpoch, setMaxStepsPerEpoch, useTrainer } from './trainer';

type NumKey = { [K in keyof TrainingSettings]: TrainingSettings[K] extends number ? K : never }[keyof TrainingSettings];

const FIELDS: { key: NumKey; label: string; help: string; when?: (s: TrainingSettings) => boolean }[] = [
  { key: 'epochs', label: 'Epochs', help: 'Passes over the training split' },
  { key: 'batchSize', label: 'Batch size', help: 'Examples per step' },
  { key: 'learningRate', label: 'Learning rate', help: 'Peak step size (Adam: 1e-3 is a good start)' },
  { key: 'momentum', label: 'Momentum', help: 'SGD momentum', when: (s) => s.optimizer === 'sgd' },
  { key: 'weightDecay', label: 'Weight decay', help: 'Decoupled decay of kernels (AdamW, SGD); 0 = off' },
  { key: 'warmupSteps', label: 'Warm-up steps', help: 'Linear ramp from 0 to the learning rate' },
  {
    key: 'stepEvery',
    label: 'Step every',
    help: 'Steps between learning-rate drops',
    when: (s) => s.schedule === 'step',
  },
  {
    key: 'stepGamma',
    label: 'Step factor',
    help: 'Multiply the rate by this at each drop',
    when: (s) => s.schedule === 'step',
  },
  { key: 'gradClipNorm', label: 'Gradient clipping', help: 'Max global gradient norm; 0 = off' },
  { key: 'labelSmoothing', label: 'Label smoothing', help: '0 = off; 0.1 is common' },
  {
    key: 'augmentShift',
    label: 'Random shift (px)',
    help: 'Image inputs: shift training images by up to this many pixels; 0 = off',
  },
  {
    key: 'earlyStoppingPatience',
    label: 'Early stopping patience',
    help: 'Epochs without a better validation loss before stopping; 0 = off',
  },
  { key: 'seed', label: 'Seed', help: 'Shuffling order (same seed, same batches)' },
];

function validateSetting(key: NumKey, v: number | null): string | null {
  if (v === null) return 'required';
  const r = trainingSettingsSchema.shape[key].safeParse(v);
  return r.success ? null : r.error.issues[0]!.message;
}

/** Training settings, saved with the graph (doc.training) and undoable like any edit. */
export function TrainingSettingsForm({ disabled }: { disabled: boolean }) {
  const training = useEditor((s) => activeDoc(s).training);
  const maxSteps = useTrainer(() => getMaxStepsPerEpoch());
  const patch = (p: Partial<TrainingSettings>) => perform({ type: 'setTraining', patch: p });
  return (
    <fieldset className="train-settings" disabled={disabled}>
      <legend>Training settings</legend>
      <div className="settings-grid">
        <SelectField
          label="Optimizer"
          value={training.optimizer}
          options={[
            { value: 'adam', label: 'Adam' },
            { value: 'adamw', label: 'AdamW' },
            { value: 'sgd', label: 'SGD + momentum' },
          ]}
          onChange={(v) => patch({ optimizer: v })}
        />
        <SelectField
          label="Schedule"
          value={training.schedule}
          options={[
            { value: 'constant', label: 'constant' },
            { value: 'cosine', label: 'cosine decay' },
            { value: 'step', label: 'step decay' },
          ]}
          onChange={(v) => patch({ schedule: v })}
        />
        {FIELDS.filter((f) => !f.when || f.when(training)).map((f) => (
          <NumberField
            key={f.key}
            label={f.label}
            help={f.help}
            value={training[f.key]}
            validate={(v) => validateSetting(f.key, v)}
            onCommit={(v) => patch({ [f.key]: v! } as Partial<TrainingSettings>)}
          />
        ))}
        <NumberField
          label="Max steps per epoch"
          help="Empty = full epochs; a small number makes a quick trial run (not saved)"
          value={maxSteps}
          allowEmpty
          placeholder="full epochs"
          validate={(v) => (v === null || (Number.isInteger(v) && v >= 1) ? null : 'a whole number ≥ 1, or empty')}
          onCommit={(v) => setMaxStepsPerEpoch(v)}
        />
      </div>
    </fieldset>
  );
}
