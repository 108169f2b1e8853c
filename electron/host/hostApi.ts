/**
 * The contract's methods implemented once over the service functions, for both hosts: Electron
 * main (native dialogs, granted paths) and the loopback web host (a documents folder). What
 * differs between the two is passed in as ShellHooks; `dispatch` is the single door every
 * request goes through: known method → payload validated with the contract's schema → call →
 * `{result}` or `{error:{message, field}}` with an HTTP-like status.
 */
import { join } from 'node:path';
import { z } from 'zod';
import {
  contractSchemas,
  isAllowedExternalUrl,
  type ApiErrorPayload,
  type AppInfo,
  type ContractMethod,
  type DocumentState,
  type ExportFileData,
  type ExportWritten,
  type PerceiverApi,
} from '../ipc-contract.js';
import {
  DocumentsFolder,
  readDocument,
  statDocument,
  writeDocument,
  type HandleResolver,
} from '../services/documents.js';
import { isServiceError, ServiceError } from '../services/errors.js';
import { writeExportFolder, type DecodedFileData } from '../services/exports.js';
import { makeOnnxInFolder } from '../services/onnxFolder.js';
import { RecentFiles, SessionStore } from '../services/recent.js';
import { RecoveryStore } from '../services/recovery.js';
import { cleanStaleTempFiles } from '../services/safeFs.js';
import { TemplateLibrary } from '../services/templates.js';

export type HostHandlers = Omit<PerceiverApi, 'onMenuCommand'>;

// Compile-time check: the handlers cover exactly the contract's invokable methods.
type Exact<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const _methodsMatch: Exact<keyof HostHandlers, ContractMethod> = true;
void _methodsMatch;

export interface HostConfig {
  userData: string;
  /** The app's built-in templates folder (read-only). */
  templatesDir: string;
  version: string;
  platform: string;
}

export interface ShellHooks {
  shell: 'electron' | 'web';
  resolver: HandleResolver;
  /** Electron: native open dialog → a granted handle (null when cancelled). */
  pickFileToOpen?: () => Promise<string | null>;
  /** Electron: native save dialog → a granted handle (null when cancelled). */
  pickFileToSave?: (suggestedName: string) => Promise<string | null>;
  setDocumentState?: (state: DocumentState) => void;
  /** Electron: native folder dialog for an export package → the parent folder (null when cancelled). */
  pickExportFolder?: (suggestedName: string) => Promise<string | null>;
  openExternal?: (url: string) => Promise<void>;
}

export interface HostServices {
  templates: TemplateLibrary;
  recent: RecentFiles;
  session: SessionStore;
  recovery: RecoveryStore;
  documents: DocumentsFolder;
}

export function createServices(config: HostConfig): HostServices {
  return {
    templates: new TemplateLibrary({ builtinDir: config.templatesDir, userDir: join(config.userData, 'templates') }),
    recent: new RecentFiles(config.userData),
    session: new SessionStore(config.userData),
    recovery: new RecoveryStore(config.userData),
    documents: new DocumentsFolder(join(config.userData, 'documents')),
  };
}

/**
 * Remove the temp files interrupted saves left behind (a crash or kill -9 between writing and
 * renaming), in every folder the services write to. Run once at start, before any request.
 */
export async function cleanStaleTemps(config: HostConfig, log: (msg: string) => void = () => {}): Promise<string[]> {
  const u = config.userData;
  const removed = [
    ...(await cleanStaleTempFiles([u, join(u, 'recovery'), join(u, 'documents')])),
    // Trash slots of the template library are two levels down (.trash/<slot>); export packages up to five.
    ...(await cleanStaleTempFiles([join(u, 'templates')], { depth: 2 })),
    ...(await cleanStaleTempFiles([join(u, 'documents', 'exports')], { depth: 5 })),
  ];
  if (removed.length) log(`perceiver host: removed ${removed.length} temp file(s) of interrupted saves`);
  return removed;
}

export function createHostApi(config: HostConfig, services: HostServices, hooks: ShellHooks): HostHandlers {
  const { templates, recent, session, recovery, documents } = services;
  const { resolver } = hooks;

  const saveNew = async (suggestedName: string, text: string) => {
    if (hooks.pickFileToSave) {
      const handle = await hooks.pickFileToSave(suggestedName);
      if (handle === null) return null;
      const modifiedMs = await writeDocument(await resolver.resolve(handle), text);
      return { handle, name: resolver.nameOf(handle), modifiedMs };
    }
    return documents.create(suggestedName, text);
  };

  return {
    async appInfo(): Promise<AppInfo> {
      return {
        version: config.version,
        shell: hooks.shell,
        platform: config.platform,
        nativeDialogs: Boolean(hooks.pickFileToOpen),
      };
    },
    listTemplates: () => templates.list(),
    readTemplate: (ref) => templates.read(ref),
    saveUserTemplate: (p) => templates.save(p),
    duplicateTemplate: (p) => templates.duplicate(p),
    renameTemplate: (p) => templates.rename(p),
    deleteTemplate: (p) => templates.delete(p),
    listTrash: () => templates.listTrash(),
    restoreTemplate: (p) => templates.restore(p),
    importTemplate: (p) => templates.import(p),
    async exportTemplate(ref) {
      const { text } = await templates.read(ref);
      return saveNew(ref.name, text);
    },
    async openFile() {
      if (!hooks.pickFileToOpen) {
        throw new ServiceError(
          'The web host cannot show a file dialog: pick a file from listDocuments() or upload one.',
          undefined,
          501,
        );
      }
      const handle = await hooks.pickFileToOpen();
      if (handle === null) return null;
      const file = await readDocument(resolver, handle);
      await recent.add(file.handle, file.name);
      return file;
    },
    async openDocument({ handle }) {
      const file = await readDocument(resolver, handle);
      await recent.add(file.handle, file.name);
      return file;
    },
    listDocuments: () => documents.list(),
    async saveFile({ handle, suggestedName, text, expectedModifiedMs }) {
      let saved: { handle: string; name: string; modifiedMs: number } | null;
      if (handle === null) saved = await saveNew(suggestedName, text);
      else {
        const modifiedMs = await writeDocument(await resolver.resolve(handle), text, expectedModifiedMs);
        saved = { handle, name: resolver.nameOf(handle), modifiedMs };
      }
      if (saved) await recent.add(saved.handle, saved.name);
      return saved;
    },
    statFile: ({ handle }) => statDocument(resolver, handle),
    async listRecent() {
      // Entries whose handle no longer resolves (moved, deleted, now a symlink) are dropped.
      const out = [];
      for (const e of await recent.list()) {
        const st = await statDocument(resolver, e.handle).catch(() => ({ exists: false }));
        if (st.exists) out.push(e);
      }
      return out;
    },
    clearRecent: () => recent.clear(),
    writeAutosave: (p) => recovery.write(p),
    listRecovery: () => recovery.list(),
    discardRecovery: (p) => recovery.discard(p),
    async setDocumentState(p) {
      hooks.setDocumentState?.(p);
    },
    getSession: () => session.get(),
    async setSession({ handles }) {
      // Only handles that resolve now are remembered, so a session cannot smuggle in a path.
      const ok: string[] = [];
      for (const h of handles)
        if (
          await resolver.resolve(h).then(
            () => true,
            () => false,
          )
        )
          ok.push(h);
      await session.set(ok);
    },
    writeExport: ({ name, files, format }) => exportWriter(config, services, hooks)(name, files, format),
    async openExternal({ url }) {
      if (!isAllowedExternalUrl(url))
        throw new ServiceError(`Links to "${url.slice(0, 200)}" are not on the allow-list.`, 'url', 403);
      if (!hooks.openExternal) return { opened: false };
      await hooks.openExternal(url);
      return { opened: true };
    },
  };
}

/**
 * Writes an export package: Electron into a folder the user picks now; the web host into the
 * documents folder (the renderer also offers a .zip). The web host calls this directly with
 * files it decoded while the request streamed in (webServer.ts), the contract's writeExport
 * with base64 files.
 */
export function exportWriter(config: HostConfig, services: HostServices, hooks: ShellHooks) {
  return async (
    name: string,
    files: readonly (ExportFileData | DecodedFileData)[],
    format?: 'pytorch' | 'tfjs' | 'onnx',
  ): Promise<ExportWritten | null> => {
    const parent = hooks.pickExportFolder
      ? await hooks.pickExportFolder(name)
      : join(services.documents.dir, 'exports');
    if (parent === null) return null;
    // Web host: documents/exports must be real folders (a planted symlink would send the package elsewhere).
    const w = await writeExportFolder(parent, name, files, hooks.pickExportFolder ? {} : { linkRoot: config.userData });
    const written: ExportWritten = {
      name: w.name,
      location: hooks.pickExportFolder ? w.dir : `documents/exports/${w.name}`,
      files: w.files,
      bytes: w.bytes,
    };
    // ONNX: the package is written; its export_onnx.py adds model.onnx with this computer's torch.
    if (format === 'onnx') written.onnx = await makeOnnxInFolder(w.dir);
    return written;
  };
}

export type DispatchResult = { status: number; body: { result: unknown } | ApiErrorPayload };

function fieldOf(path: ReadonlyArray<PropertyKey>, arity: number): string | undefined {
  // Single-argument methods: "0.name" reads better as "name".
  const p = arity === 1 && path[0] === 0 ? path.slice(1) : path;
  return p.length ? p.map(String).join('.') : undefined;
}

/** Validate and run one request. Never throws; unexpected errors become a 500 without a stack. */
export async function dispatch(
  handlers: HostHandlers,
  method: string,
  args: unknown,
  log: (msg: string) => void = console.error,
): Promise<DispatchResult> {
  if (!Object.prototype.hasOwnProperty.call(contractSchemas, method)) {
    return {
      status: 404,
      body: { error: { message: `Unknown method "${String(method).slice(0, 100)}".`, field: 'method' } },
    };
  }
  const schema = contractSchemas[method as ContractMethod] as z.ZodTuple;
  if (!Array.isArray(args))
    return { status: 400, body: { error: { message: 'The arguments must be a JSON array.', field: 'args' } } };
  const arity = schema.def.items.length;
  const parsed = schema.safeParse(args);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = fieldOf(issue.path, arity);
    return {
      status: 400,
      body: {
        error: {
          message: `Invalid ${method} request${field ? ` at "${field}"` : ''}: ${issue.message}.`,
          ...(field ? { field } : {}),
        },
      },
    };
  }
  try {
    const fn = handlers[method as ContractMethod] as (...a: unknown[]) => Promise<unknown>;
    const result = await fn(...(parsed.data as unknown[]));
    return { status: 200, body: { result: result ?? null } };
  } catch (e) {
    if (isServiceError(e))
      return { status: e.status, body: { error: { message: e.message, ...(e.field ? { field: e.field } : {}) } } };
    log(`perceiver host: ${method} failed: ${(e as Error)?.stack ?? String(e)}`);
    return { status: 500, body: { error: { message: `${method} failed: ${(e as Error)?.message ?? String(e)}` } } };
  }
}
