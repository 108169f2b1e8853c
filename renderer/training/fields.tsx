import { useEffect, useState } from 'react';

/**
 * A numeric field that commits on Enter or blur and shows why a value is refused, so a half-typed
 * number never reaches the graph. Shared by the training settings and the dataset options.
 */
export function NumberField({
  label,
  help,
  value,
  onCommit,
  validate,
  allowEmpty,
  placeholder,
}: {
  label: string;
  help?: string;
  value: number | null;
  onCommit: (v: number | null) => void;
  validate: (v: number | null) => string | null;
  allowEmpty?: boolean;
  placeholder?: string;
}) {
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
        <input
          aria-label={label}
          inputMode="decimal"
          value={text}
          placeholder={placeholder}
          aria-invalid={!!error}
          onChange={(e) => setText(e.target.value)}
          onBlur={commit}
          onKeyDown={(e) => e.key === 'Enter' && commit()}
        />
      </label>
      {help && <div className="field-help">{help}</div>}
      {error && <div className="error-text">{error}</div>}
    </div>
  );
}

export function SelectField<T extends string>({
  label,
  help,
  value,
  options,
  onChange,
}: {
  label: string;
  help?: string;
  value: T;
  options: { value: T; label: string }[];
  onChange: (v: T) => void;
}) {
  return (
    <div className="field">
      <label className="field-name">
        {label}
        <select aria-label={label} value={value} onChange={(e) => onChange(e.target.value as T)}>
          {options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      </label>
      {help && <div className="field-help">{help}</div>}
    </div>
  );
}
