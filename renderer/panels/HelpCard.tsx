import { getKind } from '../../engine/kinds/registry';
import { CATEGORY_LABELS } from '../../engine/kinds/types';
import { portColor } from '../canvas/portColors';
import { fieldSpecs, humanise } from './paramFields';

/** A kind's help card, generated from its definition: what it does, maths, ports, parameters, reference. */
export function HelpCard({ kind }: { kind: string | null }) {
  const k = kind ? getKind(kind) : undefined;
  if (!k)
    return (
      <div className="help muted">Choose “?” on a palette item or in the inspector to see a node kind’s help card.</div>
    );
  return (
    <article className="help" aria-label={`Help: ${k.title}`}>
      <h2>{k.title}</h2>
      <div className="muted small">
        {CATEGORY_LABELS[k.category]} · <code>{k.kind}</code> v{k.version}
      </div>
      <p>{k.summary}</p>
      <h3>Maths</h3>
      <p className="maths">{k.maths}</p>
      <h3>Ports</h3>
      <ul className="help-ports">
        {[...k.inputs.map((p) => ({ ...p, dir: 'in' })), ...k.outputs.map((p) => ({ ...p, dir: 'out' }))].map((p) => (
          <li key={`${p.dir}-${p.name}`}>
            <span className="dot" style={{ background: portColor(p.type) }} />{' '}
            <b>
              {p.dir === 'in' ? '→ ' : '← '}
              {p.label}
            </b>{' '}
            <span className="muted">
              ({p.type}
              {p.ranks ? `, rank ${p.ranks.join('/')}` : ''})
            </span>{' '}
            — {p.description}
          </li>
        ))}
      </ul>
      <h3>Parameters</h3>
      <dl className="help-params">
        {fieldSpecs(k.params).map((f) => (
          <div key={f.key}>
            <dt>
              {humanise(f.key)}{' '}
              <span className="muted small">default {f.default === null ? 'auto' : String(f.default)}</span>
            </dt>
            <dd>{f.help}</dd>
          </div>
        ))}
      </dl>
      <h3>Reference</h3>
      <p className="muted">{k.reference}</p>
    </article>
  );
}
