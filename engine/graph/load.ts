/**
 * Loading a template: size check → JSON parse (refusing prototype-polluting keys) → migrate to
 * the current schema version → validate. Never trust a file because it is local.
 */
import { graphDocSchema, LIMITS, SCHEMA_VERSION, type GraphDoc } from './schema.js';
import { migrations } from './migrations.js';

export class TemplateError extends Error {
  constructor(
    message: string,
    /** Dotted path of the offending field, when known (e.g. "nodes.3.params.heads"). */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'TemplateError';
  }
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** JSON.parse that refuses keys able to pollute prototypes anywhere in the document. */
export function safeJsonParse(text: string, what = 'file'): unknown {
  let found: string | undefined;
  let value: unknown;
  try {
    value = JSON.parse(text, (key, v) => {
      if (FORBIDDEN_KEYS.has(key)) found = key;
      return v;
    });
  } catch (err) {
    throw new TemplateError(`${what} is not valid JSON (${(err as Error).message}); it may be truncated or not a template.`);
  }
  if (found !== undefined) throw new TemplateError(`${what} contains the forbidden key "${found}"; refusing to load it.`, found);
  return value;
}

/** Upgrade an older document, step by step, to SCHEMA_VERSION. */
export function migrate(raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new TemplateError('A template must be a JSON object with schemaVersion, name, nodes and edges.');
  }
  let doc = raw as Record<string, unknown>;
  const v = doc.schemaVersion;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    throw new TemplateError('The template has no valid "schemaVersion"; it is not a Perceiver Studio template.', 'schemaVersion');
  }
  if (v > SCHEMA_VERSION) {
    throw new TemplateError(
      `The template has schemaVersion ${v}, newer than this app understands (${SCHEMA_VERSION}); update Perceiver Studio to open it.`,
      'schemaVersion',
    );
  }
  for (let from = v; from < SCHEMA_VERSION; from++) {
    const step = migrations[from];
    if (!step) throw new TemplateError(`No migration from schemaVersion ${from}.`, 'schemaVersion');
    doc = step(doc);
  }
  return doc;
}

function describeIssuePath(path: ReadonlyArray<PropertyKey>, raw: unknown): string {
  // Name the node by its id when the problem is inside a node.
  if (path[0] === 'nodes' && typeof path[1] === 'number') {
    const nodes = (raw as { nodes?: unknown[] }).nodes;
    const n = Array.isArray(nodes) ? (nodes[path[1]] as { id?: unknown } | undefined) : undefined;
    const nodeId = n && typeof n.id === 'string' ? ` (node "${n.id}")` : '';
    return `nodes[${path[1]}]${nodeId}${path.length > 2 ? '.' + path.slice(2).join('.') : ''}`;
  }
  return path.join('.') || '(document)';
}

/** Validate a migrated object as a GraphDoc. */
export function validateDoc(raw: unknown): GraphDoc {
  const result = graphDocSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const where = describeIssuePath(issue.path, raw);
    throw new TemplateError(`Invalid template at ${where}: ${issue.message}.`, issue.path.join('.'));
  }
  const doc = result.data;
  const ids = new Set<string>();
  for (const n of doc.nodes) {
    if (ids.has(n.id)) throw new TemplateError(`Two nodes share the id "${n.id}"; node ids must be unique.`, 'nodes');
    ids.add(n.id);
  }
  const edgeIds = new Set<string>();
  for (const e of doc.edges) {
    if (edgeIds.has(e.id)) throw new TemplateError(`Two edges share the id "${e.id}".`, 'edges');
    edgeIds.add(e.id);
  }
  return doc;
}

/** parse → migrate → validate. `what` names the file in messages. */
export function loadGraphDoc(text: string, what = 'The template'): GraphDoc {
  if (text.length > LIMITS.maxFileBytes) {
    throw new TemplateError(`${what} is ${(text.length / 1e6).toFixed(1)} MB; templates are limited to ${LIMITS.maxFileBytes / 1e6} MB.`);
  }
  return validateDoc(migrate(safeJsonParse(text, what)));
}

/** Stable serialisation used for saving (2-space JSON, trailing newline). */
export function serializeGraphDoc(doc: GraphDoc): string {
  return JSON.stringify(doc, null, 2) + '\n';
}
