/**
 * The template library: built-in templates (read-only, shipped with the app) and the user's own
 * (a folder in user data), with a trash that deleted templates can be restored from. Every
 * template is loaded with the engine's parse → migrate → validate and analysed for its
 * parameter count, so a summary never claims more than the engine can back up.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { analyse } from '../../engine/graph/analyse.js';
import { loadGraphDoc, TemplateError } from '../../engine/graph/load.js';
import type { GraphDoc } from '../../engine/graph/schema.js';
import type { TemplatePreview, TemplateRef, TemplateSummary, TrashEntry } from '../ipc-contract.js';
import { ServiceError } from './errors.js';
import {
  atomicWrite,
  checkFileName,
  exists,
  pathInside,
  readTextLimited,
  splitExtension,
  uniqueName,
  withTemplateExtension,
} from './safeFs.js';

/** Trash entries older than this are purged when the trash is listed. */
export const TRASH_KEEP_MS = 30 * 24 * 3600 * 1000;
const TRASH_DIR = '.trash';

export interface TemplateLibraryOptions {
  /** The app's templates folder (read-only). */
  builtinDir: string;
  /** The user's templates folder (created on first write). */
  userDir: string;
  now?: () => number;
}

/** Validate template text with the engine; the error names the file and the field at fault. */
export function parseTemplate(text: string, what: string, field = 'text'): GraphDoc {
  try {
    return loadGraphDoc(text, what);
  } catch (e) {
    if (e instanceof TemplateError) throw new ServiceError(e.message, e.field ? `${field}:${e.field}` : field, 422);
    throw e;
  }
}

/** Node positions and wiring scaled into a unit square: enough to draw a thumbnail. */
export function previewOf(doc: GraphDoc): TemplatePreview {
  const xs = doc.nodes.map((n) => n.position?.x ?? 0);
  const ys = doc.nodes.map((n) => n.position?.y ?? 0);
  const [minX, maxX, minY, maxY] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const span = Math.max(maxX - minX, maxY - minY, 1);
  const index = new Map(doc.nodes.map((n, i) => [n.id, i]));
  const nodes = doc.nodes.slice(0, 200).map((n, i) => ({
    x: round((xs[i]! - minX) / span),
    y: round((ys[i]! - minY) / span),
    kind: n.kind,
  }));
  const edges: [number, number][] = [];
  for (const e of doc.edges) {
    const a = index.get(e.source.node);
    const b = index.get(e.target.node);
    if (a !== undefined && b !== undefined && a < nodes.length && b < nodes.length) edges.push([a, b]);
  }
  return { nodes, edges: edges.slice(0, 400) };
}

const round = (v: number) => Math.round(v * 1000) / 1000;

interface CacheEntry {
  key: string;
  summary: Omit<TemplateSummary, 'scope' | 'name'>;
}

export class TemplateLibrary {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly now: () => number;

  constructor(private readonly opts: TemplateLibraryOptions) {
    this.now = opts.now ?? Date.now;
  }

  private dirOf(scope: TemplateRef['scope']): string {
    return scope === 'builtin' ? this.opts.builtinDir : this.opts.userDir;
  }

  private trashDir(): string {
    return join(this.opts.userDir, TRASH_DIR);
  }

  async list(): Promise<TemplateSummary[]> {
    const out: TemplateSummary[] = [];
    for (const scope of ['builtin', 'user'] as const) {
      const dir = this.dirOf(scope);
      const names = await readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const d of names) {
        // Symlinks and folders are skipped: the library lists only plain files it can vouch for.
        if (!d.isFile() || d.name.startsWith('.') || !/\.json$/i.test(d.name)) continue;
        out.push(await this.summarise(scope, d.name));
      }
    }
    return out.sort((a, b) => (a.scope === b.scope ? a.title.localeCompare(b.title) : a.scope === 'builtin' ? -1 : 1));
  }

  private async summarise(scope: TemplateRef['scope'], name: string): Promise<TemplateSummary> {
    const p = join(this.dirOf(scope), name);
    const st = await stat(p);
    const key = `${st.mtimeMs}:${st.size}`;
    const hit = this.cache.get(p);
    if (hit && hit.key === key) return { scope, name, ...hit.summary };
    let summary: CacheEntry['summary'];
    try {
      const { text } = await readTextLimited(p);
      const doc = parseTemplate(text, `"${name}"`);
      const analysis = analyse(doc);
      const firstError = analysis.problems.find((pr) => pr.severity === 'error');
      summary = {
        title: doc.name,
        description: doc.description,
        tags: doc.tags,
        totalParams: analysis.valid ? analysis.totals.params : null,
        modifiedMs: st.mtimeMs,
        preview: previewOf(doc),
        ...(firstError ? { problem: firstError.message } : {}),
      };
    } catch (e) {
      summary = {
        title: name,
        description: '',
        tags: [],
        totalParams: null,
        modifiedMs: st.mtimeMs,
        problem: (e as Error).message,
      };
    }
    this.cache.set(p, { key, summary });
    return { scope, name, ...summary };
  }

  async read(ref: TemplateRef): Promise<{ text: string }> {
    const p = await pathInside(this.dirOf(ref.scope), ref.name, 'name');
    const { text } = await readTextLimited(p);
    return { text };
  }

  /** Save text (validated as a template) to the user library. */
  async save(p: { name: string; text: string; overwrite?: boolean }): Promise<TemplateRef> {
    const name = withTemplateExtension(checkFileName(p.name, 'name'));
    checkFileName(name, 'name');
    parseTemplate(p.text, `"${name}"`);
    const target = await pathInside(this.opts.userDir, name, 'name');
    if (!p.overwrite && (await exists(target))) {
      throw new ServiceError(
        `A user template named "${name}" already exists; choose another name or overwrite it.`,
        'name',
        409,
      );
    }
    await atomicWrite(target, p.text);
    return { scope: 'user', name };
  }

  async duplicate(p: { from: TemplateRef; name?: string }): Promise<TemplateRef> {
    const { text } = await this.read(p.from);
    const [base, ext] = splitExtension(p.from.name);
    const wanted = p.name
      ? withTemplateExtension(checkFileName(p.name, 'name'))
      : `${base} copy${ext || '.perceiver.json'}`;
    await mkdir(this.opts.userDir, { recursive: true });
    const name = p.name ? wanted : await uniqueName(this.opts.userDir, wanted);
    return this.save({ name, text });
  }

  async rename(p: { name: string; newName: string }): Promise<TemplateRef> {
    const from = await pathInside(this.opts.userDir, p.name, 'name');
    const newName = withTemplateExtension(checkFileName(p.newName, 'newName'));
    const to = await pathInside(this.opts.userDir, newName, 'newName');
    if (!(await exists(from))) throw new ServiceError(`There is no user template named "${p.name}".`, 'name', 404);
    if (from !== to && (await exists(to)))
      throw new ServiceError(`A user template named "${newName}" already exists.`, 'newName', 409);
    await rename(from, to);
    return { scope: 'user', name: newName };
  }

  /** Move a user template into the trash folder; built-in templates are read-only. */
  async delete(p: { name: string }): Promise<TrashEntry> {
    const from = await pathInside(this.opts.userDir, p.name, 'name');
    if (!(await exists(from))) throw new ServiceError(`There is no user template named "${p.name}".`, 'name', 404);
    const deletedMs = this.now();
    const trashId = `${deletedMs}-${randomBytes(4).toString('hex')}`;
    const slot = join(this.trashDir(), trashId);
    await mkdir(slot, { recursive: true });
    await rename(from, join(slot, p.name));
    return { trashId, name: p.name, deletedMs };
  }

  async listTrash(): Promise<TrashEntry[]> {
    const slots = await readdir(this.trashDir(), { withFileTypes: true }).catch(() => []);
    const out: TrashEntry[] = [];
    for (const s of slots) {
      const m = /^(\d+)-[0-9a-f]{8}$/.exec(s.name);
      if (!s.isDirectory() || !m) continue;
      const deletedMs = Number(m[1]);
      const slot = join(this.trashDir(), s.name);
      if (this.now() - deletedMs > TRASH_KEEP_MS) {
        await rm(slot, { recursive: true, force: true });
        continue;
      }
      const files = (await readdir(slot, { withFileTypes: true })).filter((f) => f.isFile());
      if (files[0]) out.push({ trashId: s.name, name: files[0].name, deletedMs });
    }
    return out.sort((a, b) => b.deletedMs - a.deletedMs);
  }

  /** Put a trashed template back; if its name was taken meanwhile, it gets "name (2)…". */
  async restore(p: { trashId: string }): Promise<TemplateRef> {
    if (!/^\d+-[0-9a-f]{8}$/.test(p.trashId)) throw new ServiceError('Not a trash entry id.', 'trashId');
    const entry = (await this.listTrash()).find((t) => t.trashId === p.trashId);
    if (!entry) throw new ServiceError('That template is no longer in the trash.', 'trashId', 404);
    const slot = join(this.trashDir(), p.trashId);
    await mkdir(this.opts.userDir, { recursive: true });
    const name = await uniqueName(this.opts.userDir, entry.name);
    await rename(join(slot, entry.name), join(this.opts.userDir, name));
    await rm(slot, { recursive: true, force: true });
    return { scope: 'user', name };
  }

  /** Add an uploaded / dropped template file to the user library under a free name. */
  async import(p: { fileName: string; text: string }): Promise<TemplateRef> {
    const name = withTemplateExtension(checkFileName(p.fileName, 'fileName'));
    parseTemplate(p.text, `"${p.fileName}"`);
    await mkdir(this.opts.userDir, { recursive: true });
    return this.save({ name: await uniqueName(this.opts.userDir, name), text: p.text });
  }
}
