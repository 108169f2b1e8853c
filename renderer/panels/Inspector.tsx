/**
 * The inspector of the selected node, generated from its kind's zod schema: typed fields with
 * defaults and one-line help, inline validation, and the effect of pending edits (shape,
 * parameters, FLOPs) shown before they are applied as one undoable command.
 */
import { useEffect, useMemo, useState } from 'react';
import { analyse, formatShape } from '../../engine/graph/analyse';
import { applyCommand, type Command } from '../../engine/graph/commands';
import type { GraphDoc, GraphNode } from '../../engine/graph/schema';
import { getKind } from '../../engine/kinds/registry';
import { fromDataParams } from '../../engine/train/bindData';
import { formatFlops, formatInt } from '../format';
import { useAnalysis } from '../state/analysisContext';
import { activeDoc, perform, useEditor } from '../state/store';
import { fieldSpecs, humanise, type FieldSpec } from './paramFields';
import { GraphDetails } from '../hf/PretrainedDetails';

type Drafts = Record<string, string>;

function toDraft(v: unknown): string {
  if (v === null || v === undefined) return '';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** Parse a field's text into a param value; an error string when it cannot be one. */
function parseDraft(f: FieldSpec, text: string): { value: unknown } | { error: string } {
  const t = text.trim();
  if (f.type === 'number') {
    if (t === '') return f.nullable ? { value: null } : { value: undefined };
    const n = Number(t);
    if (!Number.isFinite(n)) return { error: 'enter a number' };
    if (f.int && !Number.isInteger(n)) return { error: 'enter a whole number' };
    if (f.min !== undefined && n < f.min) return { error: `at least ${f.min}` };
    if (f.max !== undefined && n > f.max) return { error: `at most ${f.max}` };
    return { value: n };
  }
  if (f.type === 'boolean') return { value: t === 'true' };
  if (f.type === 'enum') return f.options.includes(t) ? { value: t } : { error: `one of ${f.options.join(', ')}` };
  if (f.type === 'other') {
    // Lists and records are edited as JSON (e.g. ["audio", "image"]); the kind's schema checks them.
    if (t === '') return { value: undefined };
    try {
      return { value: JSON.parse(t) };
    } catch {
      return { error: 'enter JSON, e.g. [28, 28] or ["a", "b"]' };
    }
  }
  return { value: t };
}

function commandsFor(
  node: GraphNode,
  specs: FieldSpec[],
  drafts: Drafts,
): { commands: Command[]; errors: Record<string, string> } {
  const commands: Command[] = [];
  const errors: Record<string, string> = {};
  const kind = getKind(node.kind);
  for (const f of specs) {
    if (!(f.key in drafts)) continue;
    // 0 is a real value for a size the data can set ("from the data"), below the field's minimum.
    const auto =
      drafts[f.key]!.trim() === '0' && !!kind && fromDataParams(kind, { ...node.params, [f.key]: 0 }).includes(f.key);
    const r = auto ? { value: 0 } : parseDraft(f, drafts[f.key]!);
    if ('error' in r) errors[f.key] = r.error;
    else if (JSON.stringify(r.value) !== JSON.stringify(node.params[f.key]))
      commands.push({ type: 'setParam', id: node.id, key: f.key, value: r.value });
  }
  return { commands, errors };
}

export function Inspector({ onHelp }: { onHelp: (kind: string) => void }) {
  const selected = useEditor((s) => s.selectedNodes);
  const doc = useEditor((s) => activeDoc(s));
  const node = selected.length === 1 ? doc.nodes.find((n) => n.id === selected[0]) : undefined;
  if (selected.length > 1)
    return (
      <div className="inspector muted" aria-label="Inspector">
        {selected.length} nodes selected. Group them (Ctrl+G), copy, or delete them.
      </div>
    );
  if (!node)
    return (
      <div className="inspector" aria-label="Inspector">
        <GraphDetails />
        <div className="muted">Select a node to edit its parameters.</div>
      </div>
    );
  return <NodeInspector key={node.id} node={node} doc={doc} onHelp={onHelp} />;
}

function NodeInspector({ node, doc, onHelp }: { node: GraphNode; doc: GraphDoc; onHelp: (kind: string) => void }) {
  const analysis = useAnalysis();
  const kind = getKind(node.kind);
  const specs = useMemo(() => (kind ? fieldSpecs(kind.params) : []), [kind]);
  const [drafts, setDrafts] = useState<Drafts>({});
  const [label, setLabel] = useState(node.label ?? '');
  useEffect(() => setDrafts({}), [node.params]);
  useEffect(() => setLabel(node.label ?? ''), [node.label]);
  const na = analysis.nodes.get(node.id);
  const { commands, errors } = commandsFor(node, specs, drafts);
  const preview = useMemo(() => {
    if (!commands.length) return null;
    try {
      const after = applyCommand(doc, { type: 'batch', label: 'preview', commands });
      const a = analyse(after);
      const n = a.nodes.get(node.id)!;
      return { analysis: a, node: n, problem: n.problems.find((p) => p.severity === 'error') };
    } catch (err) {
      return { analysis: null, node: null, problem: { message: (err as Error).message, param: undefined } };
    }
    // Keyed by the commands' JSON: a new array with the same commands must not re-run the preview.
  }, [doc, node.id, JSON.stringify(commands)]);

  if (!kind)
    return (
      <div className="inspector">
        Unknown kind “{node.kind}”: this app cannot edit it. Delete the node or update the app.
      </div>
    );
  const apply = () => {
    if (Object.keys(errors).length || !commands.length) return;
    perform(commands.length === 1 ? commands[0]! : { type: 'batch', label: `Edit ${node.id}`, commands });
  };
  const paramProblem = na?.problems.find((p) => p.severity === 'error');
  // Sizes at 0 are "from the data": App analyses them as the loaded data resolves them.
  const autoKeys = fromDataParams(kind, node.params);
  const outShape = Object.values(na?.outputShapes ?? {})[0];
  return (
    <form
      className="inspector"
      aria-label={`Inspector for ${node.id}`}
      onSubmit={(e) => {
        e.preventDefault();
        apply();
      }}
    >
      <div className="insp-head">
        <div>
          <div className="insp-title">{kind.title}</div>
          <div className="muted small">{kind.summary}</div>
        </div>
        <button
          type="button"
          className="icon-btn"
          aria-label={`Help for ${kind.title}`}
          onClick={() => onHelp(kind.kind)}
        >
          ?
        </button>
      </div>
      <div className="insp-stats">
        <span>
          id <code>{node.id}</code>
        </span>
        <span>
          out <code data-testid="inspector-shape">{formatShape(outShape)}</code>
        </span>
        <span>{formatInt(na?.cost.params ?? 0)} params</span>
        <span>{formatFlops(na?.cost.flops ?? 0)}</span>
      </div>
      <label className="field">
        <span className="field-name">label</span>
        <input
          value={label}
          aria-label="Node label"
          placeholder={node.id}
          onChange={(e) => setLabel(e.target.value)}
          onBlur={() =>
            label !== (node.label ?? '') && perform({ type: 'setLabel', id: node.id, label: label || undefined })
          }
        />
      </label>
      {specs.map((f) => (
        <ParamField
          key={f.key}
          spec={f}
          stored={node.params[f.key]}
          draft={drafts[f.key]}
          error={
            errors[f.key] ??
            (paramProblem?.param === f.key
              ? paramProblem.message
              : preview?.problem?.param === f.key
                ? preview.problem.message
                : undefined)
          }
          onDraft={(v) => setDrafts((d) => ({ ...d, [f.key]: v }))}
          onReset={() => perform({ type: 'setParam', id: node.id, key: f.key, value: undefined })}
          auto={
            autoKeys.includes(f.key)
              ? typeof na?.params?.[f.key] === 'number' && na.params[f.key] !== 0
                ? (na.params[f.key] as number)
                : 'pending'
              : undefined
          }
        />
      ))}
      {commands.length > 0 && (
        <div className="preview" role="status" aria-label="Effect of the edit">
          <div className="preview-title">Effect before applying</div>
          {preview?.node ? (
            <>
              <Delta
                label="output"
                before={formatShape(outShape)}
                after={formatShape(Object.values(preview.node.outputShapes)[0])}
              />
              <Delta
                label="node params"
                before={formatInt(na?.cost.params ?? 0)}
                after={formatInt(preview.node.cost.params)}
              />
              <Delta
                label="total params"
                before={formatInt(analysis.totals.params)}
                after={formatInt(preview.analysis!.totals.params)}
              />
              <Delta
                label="FLOPs/example"
                before={formatFlops(analysis.totals.flops)}
                after={formatFlops(preview.analysis!.totals.flops)}
              />
            </>
          ) : null}
          {preview?.problem && <div className="error-text">{preview.problem.message}</div>}
        </div>
      )}
      <div className="insp-actions">
        <button type="submit" className="btn primary" disabled={!commands.length || Object.keys(errors).length > 0}>
          Apply
        </button>
        <button type="button" className="btn" disabled={!Object.keys(drafts).length} onClick={() => setDrafts({})}>
          Revert
        </button>
      </div>
      {paramProblem && !paramProblem.param && (
        <div className="error-text" role="alert">
          {paramProblem.message}
        </div>
      )}
    </form>
  );
}

function Delta({ label, before, after }: { label: string; before: string; after: string }) {
  return (
    <div className={`delta${before !== after ? ' changed' : ''}`}>
      <span className="delta-label">{label}</span>
      <span>{before}</span>
      {before !== after && (
        <span>
          {' '}
          → <b>{after}</b>
        </span>
      )}
    </div>
  );
}

function ParamField({
  spec,
  stored,
  draft,
  error: rawError,
  onDraft,
  onReset,
  auto,
}: {
  spec: FieldSpec;
  stored: unknown;
  draft: string | undefined;
  error?: string;
  onDraft: (v: string) => void;
  onReset: () => void;
  auto?: number | 'pending';
}) {
  // An unresolved "from the data" size is not an error of this field: it waits for data.
  const error = auto === 'pending' && draft === undefined ? undefined : rawError;
  const id = `param-${spec.key}`;
  const value = draft ?? toDraft(stored);
  const isDefault = stored === undefined;
  const name = humanise(spec.key);
  let control: React.ReactNode;
  if (spec.type === 'boolean') {
    const checked = (draft ?? toDraft(stored ?? spec.default)) === 'true';
    control = (
      <input
        id={id}
        type="checkbox"
        aria-label={name}
        checked={checked}
        onChange={(e) => onDraft(String(e.target.checked))}
      />
    );
  } else if (spec.type === 'enum') {
    control = (
      <select
        id={id}
        aria-label={name}
        value={draft ?? toDraft(stored ?? spec.default)}
        onChange={(e) => onDraft(e.target.value)}
      >
        {spec.options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    );
  } else {
    const bounds =
      spec.type === 'number'
        ? [spec.min !== undefined ? `≥ ${spec.min}` : '', spec.max !== undefined ? `≤ ${spec.max}` : '']
            .filter(Boolean)
            .join(', ')
        : '';
    control = (
      <input
        id={id}
        aria-label={name}
        inputMode={spec.type === 'number' ? 'decimal' : undefined}
        value={value}
        placeholder={spec.default === null ? 'auto' : toDraft(spec.default)}
        aria-invalid={!!error}
        title={bounds}
        onChange={(e) => onDraft(e.target.value)}
      />
    );
  }
  return (
    <div className={`field${error ? ' invalid' : ''}`}>
      <label htmlFor={id} className="field-name">
        {name}
        {isDefault && draft === undefined && <span className="default-tag">default</span>}
        {auto !== undefined && draft === undefined && (
          <span
            className="default-tag"
            data-testid={`auto-${spec.key}`}
            title="0 = from the data: the loaded dataset sets it"
          >
            <i>auto</i>
            {auto === 'pending' ? '' : ` → ${auto}`}
          </span>
        )}
      </label>
      <div className="field-control">
        {control}
        {!isDefault && (
          <button
            type="button"
            className="icon-btn small"
            aria-label={`Reset ${name} to default`}
            title={`Reset to default (${toDraft(spec.default) || 'auto'})`}
            onClick={onReset}
          >
            ↺
          </button>
        )}
      </div>
      <div className="field-help">{spec.help}</div>
      {auto === 'pending' && draft === undefined && (
        <div className="field-help">0 = from the data: load a dataset in the Dataset tab and this size follows it.</div>
      )}
      {error && (
        <div className="error-text" role="alert">
          {error}
        </div>
      )}
    </div>
  );
}
