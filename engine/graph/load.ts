/**
 * Loading a template: size check → JSON parse (refusing prototype-polluting keys) → migrate to
 * the current schema version → validate → per-kind params migrations → params against each
 * kind's schema. Never trust a file because it is local.
 */
import { graphDocSchema, LIMITS, SCHEMA_VERSION, type GraphDoc } from './schema.js';
import { migrations } from './migrations.js';
import { getKind } from '../kinds/registry.js';
import type { KindDefinition } from '../kinds/types.js';

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

/** Deeper than this and a JSON text is refused before parsing (a template nests about 6 deep). */
export const MAX_JSON_DEPTH = 256;

/**
 * The deepest nesting of `[`/`{` outside strings, stopping early once over `limit`: JSON.parse
 * and everything that walks its result recurse, so 5,000 levels would end in "Maximum call stack
 * size exceeded" instead of a message about the file.
 */
export function jsonDepth(text: string, limit = MAX_JSON_DEPTH): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) {
        max = depth;
        if (max > limit) return max;
      }
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}

/**
 * A text decoded as UTF-8 that was saved as UTF-16 shows as NULs between the characters (and
 * U+FFFD for its byte-order mark): say how to fix it instead of "unexpected token".
 */
function looksLikeUtf16(text: string): boolean {
  const head = text.slice(0, 64);
  if (/^\uFFFD\uFFFD/.test(head)) return true;
  let nuls = 0;
  for (let i = 0; i < head.length; i++) if (head.charCodeAt(i) === 0) nuls++;
  return head.length >= 4 && nuls >= head.length / 4;
}

/**
 * JSON.parse that refuses keys able to pollute prototypes anywhere in the document. A leading
 * UTF-8 byte-order mark is accepted (Notepad writes one); UTF-16 and nesting deeper than
 * MAX_JSON_DEPTH are refused with a message that says what to do.
 */
export function safeJsonParse(text: string, what = 'file'): unknown {
  let found: string | undefined;
  let value: unknown;
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (looksLikeUtf16(text)) {
    throw new TemplateError(
      `${what} looks like UTF-16 text, not UTF-8: save it as UTF-8 (in most editors: Save As… → Encoding: UTF-8) and load it again.`,
    );
  }
  const depth = jsonDepth(text);
  if (depth > MAX_JSON_DEPTH) {
    throw new TemplateError(
      `${what} nests arrays/objects more than ${MAX_JSON_DEPTH} levels deep; it is not a template (a template nests about 6 levels).`,
    );
  }
  try {
    value = JSON.parse(text, (key, v) => {
      if (FORBIDDEN_KEYS.has(key)) found = key;
      return v;
    });
  } catch (err) {
    throw new TemplateError(
      `${what} is not valid JSON (${(err as Error).message}); it may be truncated or not a template.`,
    );
  }
  if (found !== undefined)
    throw new TemplateError(`${what} contains the forbidden key "${found}"; refusing to load it.`, found);
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
    throw new TemplateError(
      'The template has no valid "schemaVersion"; it is not a Perceiver Studio template.',
      'schemaVersion',
    );
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

/**
 * Every node names a registered kind and its params pass that kind's schema (types, ranges —
 * which also bound absurd sizes — and no unknown keys).
 */
export function checkKinds(doc: GraphDoc): void {
  doc.nodes.forEach((n, i) => {
    const kind = getKind(n.kind);
    if (!kind) {
      throw new TemplateError(
        `Invalid template at nodes[${i}] (node "${n.id}"): unknown kind "${n.kind}"; this file needs a newer Perceiver Studio or is not a template.`,
        `nodes.${i}.kind`,
      );
    }
    const r = kind.params.safeParse(n.params);
    if (!r.success) {
      const issue = r.error.issues[0]!;
      const keys = issue.code === 'unrecognized_keys' ? ((issue as { keys?: string[] }).keys ?? []) : [];
      const what = keys.length
        ? `unknown parameter${keys.length > 1 ? 's' : ''} ${keys.map((k) => `"${k}"`).join(', ')} for ${kind.title}`
        : `parameter ${issue.path.join('.')}: ${issue.message}`;
      throw new TemplateError(
        `Invalid template at nodes[${i}] (node "${n.id}"): ${what}.`,
        ['nodes', i, 'params', ...issue.path].join('.'),
      );
    }
  });
}

type KindLookup = (kind: string) => Pick<KindDefinition, 'kind' | 'title' | 'version' | 'migrations'> | undefined;

/**
 * Per-kind migrations: a node whose `kindVersion` (absent: 1) is below its kind's `version` gets
 * its params upgraded by the kind's `migrations[v]`, step by step, and is stamped with the
 * current version. Unknown kinds are left for checkKinds. A node newer than this app, or a
 * missing or failing step, is refused naming the node (in lenient mode such a node is kept as
 * it is, and the analyser reports its params).
 */
export function migrateKindParams(doc: GraphDoc, options: LoadOptions = {}, lookup: KindLookup = getKind): GraphDoc {
  let changed = false;
  const nodes = doc.nodes.map((n, i) => {
    const kind = lookup(n.kind);
    if (!kind) return n;
    const from = n.kindVersion ?? 1;
    const where = `nodes[${i}] (node "${n.id}")`;
    try {
      if (from > kind.version) {
        throw new TemplateError(
          `Invalid template at ${where}: it was saved for version ${from} of ${kind.title}, newer than this app understands (${kind.version}); update Perceiver Studio to open it.`,
          `nodes.${i}.kindVersion`,
        );
      }
      if (from === kind.version) return n;
      let params: Record<string, unknown> = n.params;
      for (let v = from; v < kind.version; v++) {
        const step = kind.migrations?.[v];
        if (!step)
          throw new TemplateError(
            `Invalid template at ${where}: ${kind.title} has no migration from version ${v} to ${v + 1}.`,
            `nodes.${i}.kindVersion`,
          );
        try {
          params = step(JSON.parse(JSON.stringify(params)) as Record<string, unknown>);
        } catch (err) {
          throw new TemplateError(
            `Invalid template at ${where}: upgrading its ${kind.title} params from version ${v} failed: ${(err as Error).message}`,
            `nodes.${i}.params`,
          );
        }
        if (typeof params !== 'object' || params === null || Array.isArray(params)) {
          throw new TemplateError(
            `Invalid template at ${where}: upgrading its ${kind.title} params from version ${v} gave no params object.`,
            `nodes.${i}.params`,
          );
        }
      }
      changed = true;
      return { ...n, params, kindVersion: kind.version };
    } catch (err) {
      if (options.lenient) return n;
      throw err;
    }
  });
  return changed ? { ...doc, nodes } : doc;
}

/**
 * Nodes of kinds past version 1 carry their `kindVersion` in the file (a node made in memory is
 * of the current version), so a later release knows which migrations its params need.
 */
function stampKindVersions(doc: GraphDoc): GraphDoc {
  let changed = false;
  const nodes = doc.nodes.map((n) => {
    const kind = getKind(n.kind);
    if (!kind || kind.version <= 1 || n.kindVersion !== undefined) return n;
    changed = true;
    return { ...n, kindVersion: kind.version };
  });
  return changed ? { ...doc, nodes } : doc;
}

export interface LoadOptions {
  /** Keep nodes of unknown kinds or with invalid params (the editor shows them as errors). */
  lenient?: boolean;
}

/** parse → migrate the document → validate → migrate each node's params → check them. `what` names the file in messages. */
export function loadGraphDoc(text: string, what = 'The template', options: LoadOptions = {}): GraphDoc {
  if (text.length > LIMITS.maxFileBytes) {
    throw new TemplateError(
      `${what} is ${(text.length / 1e6).toFixed(1)} MB; templates are limited to ${LIMITS.maxFileBytes / 1e6} MB.`,
    );
  }
  const doc = migrateKindParams(validateDoc(migrate(safeJsonParse(text, what))), options);
  if (!options.lenient) checkKinds(doc);
  return doc;
}

/** Stable serialisation used for saving (2-space JSON, trailing newline). */
export function serializeGraphDoc(doc: GraphDoc): string {
  return JSON.stringify(stampKindVersions(doc), null, 2) + '\n';
}
