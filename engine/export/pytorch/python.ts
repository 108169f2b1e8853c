/** Helpers for writing Python source: literals and identifiers. */

const PY_KEYWORDS = new Set(
  'False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield match case'.split(
    ' ',
  ),
);
/** Names the generated model already uses (module attributes, locals, imports). */
const RESERVED = new Set(['self', 'torch', 'nn', 'F', 'batch', 'device', 'forward', 'training', 'super', 'outputs', 'inputs', 'type', 'input', 'print', 'len', 'range', 'list', 'dict']);

/** A valid, non-reserved Python identifier for a node id (ids allow letters, digits, _ . : -). */
export function pyIdent(id: string): string {
  let s = id.replace(/[^A-Za-z0-9_]/g, '_');
  if (/^[0-9]/.test(s)) s = `n_${s}`;
  if (s.startsWith('_')) s = `n${s}`;
  if (PY_KEYWORDS.has(s) || RESERVED.has(s) || /^(add_module|apply|buffers|children|cpu|cuda|double|eval|float|half|modules|parameters|register_\w+|state_dict|to|train|zero_grad|load_state_dict|named_\w+|get_\w+|extra_repr)$/.test(s)) s = `${s}_`;
  return s;
}

/** Unique identifiers for a list of ids, in order (collisions after sanitising get _2, _3 …). */
export function uniqueIdents(ids: readonly string[]): Map<string, string> {
  const used = new Set<string>();
  const out = new Map<string, string>();
  for (const id of ids) {
    const base = pyIdent(id);
    let name = base;
    for (let k = 2; used.has(name); k++) name = `${base}_${k}`;
    used.add(name);
    out.set(id, name);
  }
  return out;
}

/** A Python literal for a JSON-like value. */
export function py(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`cannot write ${value} as a Python literal`);
    return Number.isInteger(value) ? String(value) : String(value);
  }
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return value.length === 1 ? `(${py(value[0])},)` : `(${value.map(py).join(', ')})`;
  if (typeof value === 'object') {
    return `{${Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${JSON.stringify(k)}: ${py(v)}`)
      .join(', ')}}`;
  }
  throw new Error(`cannot write ${typeof value} as a Python literal`);
}

/** Keyword arguments: `a=1, b=True`. */
export function kwargs(args: Record<string, unknown>): string {
  return Object.entries(args)
    .map(([k, v]) => `${k}=${py(v)}`)
    .join(', ');
}

/** Python-style docstring/comment safe text (no triple quotes, no control characters). */
export function pyText(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/[\u0000-\u0008\u000b-\u001f]/g, ' ');
}
