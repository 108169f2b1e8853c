/**
 * The one typed API between the UI and the host (Electron main, or the loopback web host when
 * there is no Electron binary). The preload exposes exactly these methods as window.perceiver;
 * the web host serves the same methods at POST /api/<method>. Payloads are validated on the host
 * side with the schemas below before any service function runs.
 *
 * This file imports zod only (no electron, no node:*): the renderer imports it for types.
 *
 * Wire format of the web host (scripts/serve.mjs):
 *   POST /api/<method>  body: a JSON array of the method's arguments (e.g. `[]`, `[{...}]`)
 *   200 → `{ "result": <value> }` (void methods answer `{ "result": null }`)
 *   4xx/5xx → `{ "error": { "message", "field"? } }` (see ApiErrorPayload)
 *   Only 127.0.0.1 is served; requests must come with `content-type: application/json` and a
 *   same-origin `Origin` (or none); bodies over MAX_REQUEST_BYTES are refused with 413.
 *
 * Files in the two shells:
 *   - Electron: `openFile()` and `saveFile({handle: null})` show native dialogs; a handle is the
 *     absolute path the user chose. Main accepts only handles it handed out itself (from a
 *     dialog, the recent list, the session, a file association or a second instance), never a
 *     path the renderer made up.
 *   - Web host: a browser page cannot get a native dialog from the host, so the host keeps a
 *     "documents" folder inside its user-data folder. A handle is a file name in that folder.
 *     `openFile()` answers 501 with a message (check `appInfo().nativeDialogs` first); the
 *     renderer shows its own picker over `listDocuments()` + `openDocument()`, and supports
 *     upload (read a File, then `saveFile({handle: null, ...})` to keep it) and download (a Blob)
 *     on its own. `saveFile({handle: null})` creates a new document named after suggestedName
 *     (made unique with " (2)", " (3)", ...).
 */
import { z } from 'zod';

export const MAX_DOC_BYTES = 16 * 1024 * 1024;
/** A request body may carry one document plus a little JSON around it. */
export const MAX_REQUEST_BYTES = MAX_DOC_BYTES + 64 * 1024;
/** File names (not paths) of templates and documents. */
export const MAX_NAME_LENGTH = 200;
/**
 * An exported model package (PyTorch or tfjs files, base64 in the request): large enough for the
 * weights of a model the app trains (a 20M-parameter model is 80 MB of float32, ~107 MB base64)
 * plus the MNIST data file; bigger models belong to the CLI (`perceiver-studio export`).
 */
export const MAX_EXPORT_BYTES = 192 * 1024 * 1024;
/** The web host reads a writeExport body up to this size; every other method keeps MAX_REQUEST_BYTES. */
export const MAX_EXPORT_REQUEST_BYTES = Math.ceil((MAX_EXPORT_BYTES * 4) / 3) + 1024 * 1024;
/** Files in one export package. */
export const MAX_EXPORT_FILES = 64;

const fileName = z.string().min(1).max(MAX_NAME_LENGTH);
const docText = z.string().max(MAX_DOC_BYTES);
const handle = z.string().min(1).max(4096);

export const templateRefSchema = z.object({
  /** 'builtin' templates are read-only; 'user' ones live in the user-data folder. */
  scope: z.enum(['builtin', 'user']),
  /** File name inside the scope's folder, e.g. "mnist-perceiver-io.json". No paths. */
  name: fileName,
});
export type TemplateRef = z.infer<typeof templateRefSchema>;

/** A tiny drawing of a template's graph for the library's thumbnails: coordinates in 0..1. */
export interface TemplatePreview {
  nodes: { x: number; y: number; kind: string }[];
  /** Index pairs into `nodes`. */
  edges: [number, number][];
}

export interface TemplateSummary extends TemplateRef {
  title: string;
  description: string;
  tags: string[];
  /** null when the template does not analyse cleanly (see `problem`). */
  totalParams: number | null;
  modifiedMs: number;
  /** Why the template cannot be opened or analysed, when it cannot. */
  problem?: string;
  preview?: TemplatePreview;
}

export interface TrashEntry {
  trashId: string;
  /** The name the template had in the user library. */
  name: string;
  deletedMs: number;
}

export interface DocumentEntry {
  handle: string;
  name: string;
  modifiedMs: number;
  size: number;
}

/** The commands the native menus (and the OS) send to the renderer over one channel. */
export const menuCommandNames = [
  'new',
  'open',
  /** File › Import from Hugging Face…: the renderer asks for the downloaded model folder. */
  'importHf',
  'save',
  'saveAs',
  'export',
  'close',
  'undo',
  'redo',
  'selectAll',
  'zoomIn',
  'zoomOut',
  'zoomReset',
  'fitView',
  'toggleTheme',
  'about',
  'documentation',
  'reopenClosedTab',
  'shortcuts',
  'welcome',
  /** Main reloaded the window after its renderer process died: the app says so and offers Restore. */
  'rendererRestarted',
] as const;
export type MenuCommandName = (typeof menuCommandNames)[number];

/**
 * Cut, Copy and Paste use Electron's native roles, which fire the DOM `cut`/`copy`/`paste`
 * events on the focused element: text fields work natively, and the canvas handles those events
 * for nodes. `openHandle` asks the renderer to `openDocument({handle})` (Open Recent, a
 * double-clicked `.perceiver.json`, a file given to a second instance).
 */
export type MenuCommand = { command: MenuCommandName } | { command: 'openHandle'; handle: string };

export interface DocumentState {
  dirty: boolean;
  title: string;
  progress?: number;
  runEnded?: { title: string; body: string };
}

export const menuCommandSchema = z.union([
  z.object({ command: z.enum(menuCommandNames) }),
  z.object({ command: z.literal('openHandle'), handle }),
]);

export const contractSchemas = {
  appInfo: z.tuple([]),
  listTemplates: z.tuple([]),
  readTemplate: z.tuple([templateRefSchema]),
  /** Save to the user library under a file name (atomic write). Refuses to overwrite unless asked. */
  saveUserTemplate: z.tuple([z.object({ name: fileName, text: docText, overwrite: z.boolean().optional() })]),
  /** Copy a built-in or user template into the user library (name defaults to "<name> copy"). */
  duplicateTemplate: z.tuple([z.object({ from: templateRefSchema, name: fileName.optional() })]),
  renameTemplate: z.tuple([z.object({ name: fileName, newName: fileName })]),
  /** Moves a user template to the trash (restorable); built-ins cannot be deleted. */
  deleteTemplate: z.tuple([z.object({ name: fileName })]),
  listTrash: z.tuple([]),
  restoreTemplate: z.tuple([z.object({ trashId: z.string().min(1).max(300) })]),
  /** Validate a template file's text (from upload or drag and drop) and add it to the user library. */
  importTemplate: z.tuple([z.object({ fileName, text: docText })]),
  /** Write a copy of a template to a user-chosen file (Electron: native dialog; web: a new document). */
  exportTemplate: z.tuple([templateRefSchema]),
  /** Open a template file chosen by the user (native dialog in Electron; 501 in the web host). */
  openFile: z.tuple([]),
  /** Open a file the host handed out before (recent list, session, document list). */
  openDocument: z.tuple([z.object({ handle })]),
  /** The host's documents folder (the web host's files; Electron lists it too). */
  listDocuments: z.tuple([]),
  /**
   * Save to a user-chosen file (native dialog when no handle was chosen before). With
   * `expectedModifiedMs` (from OpenedFile/statFile) the save is refused when another program
   * changed the file since, so nothing is overwritten silently.
   */
  saveFile: z.tuple([
    z.object({
      handle: handle.nullable(),
      suggestedName: fileName,
      text: docText,
      expectedModifiedMs: z.number().finite().optional(),
    }),
  ]),
  /** Has the file changed on disk? Poll it to notice edits by another program. */
  statFile: z.tuple([z.object({ handle })]),
  listRecent: z.tuple([]),
  clearRecent: z.tuple([]),
  /** Autosave a tab's unsaved graph to the recovery folder (offered back after a crash). */
  writeAutosave: z.tuple([z.object({ tabId: z.string().min(1).max(100), text: docText })]),
  listRecovery: z.tuple([]),
  /** Drop a tab's recovery copy (after a save, or when the user declines to recover it). */
  discardRecovery: z.tuple([z.object({ tabId: z.string().min(1).max(100) })]),
  /** The renderer reports unsaved changes (Electron prompts on close/quit) and the window title. */
  setDocumentState: z.tuple([
    z.object({
      dirty: z.boolean(),
      title: z.string().max(300),
      /** A run's progress 0..1 for the taskbar; -1 (or absent) when no run is going. */
      progress: z.number().min(-1).max(1).optional(),
      /** A run just ended: Electron shows an OS notification when the window is not focused. */
      runEnded: z.object({ title: z.string().max(200), body: z.string().max(500) }).optional(),
    }),
  ]),
  /** The graphs open at the end of the last session, reopened at start. */
  getSession: z.tuple([]),
  setSession: z.tuple([z.object({ handles: z.array(handle).max(50) })]),
  /** Open an https link on the allow-list in the system browser (web host: `opened: false`). */
  openExternal: z.tuple([z.object({ url: z.string().min(1).max(2000) })]),
  /**
   * Write an exported model package (built by the app: PyTorch package or tfjs web files) into a
   * new folder named after `name`. Electron: inside a folder the user picks in a native dialog;
   * web host: inside the user-data documents folder (`documents/exports/`), and the renderer
   * offers the same files as a .zip download. Paths are relative ("data/mnist.npz"), checked
   * segment by segment; contents are base64.
   */
  writeExport: z.tuple([
    z.object({
      // onnx: a PyTorch package; the host then runs its export_onnx.py to add model.onnx.
      format: z.enum(['pytorch', 'tfjs', 'onnx']),
      name: fileName,
      files: z
        .array(
          z.object({
            path: z.string().min(1).max(400),
            base64: z.string().max(Math.ceil((MAX_EXPORT_BYTES * 4) / 3) + 4),
          }),
        )
        .min(1)
        .max(MAX_EXPORT_FILES),
    }),
  ]),
} as const;

export type ContractMethod = keyof typeof contractSchemas;
/** Every invokable method, in a stable order (the preload and the web client are generated from it). */
export const contractMethods = Object.keys(contractSchemas) as ContractMethod[];
/** Subscriptions that are not request/response: the preload adds these to window.perceiver. */
export const contractEvents = ['onMenuCommand'] as const;

export interface AppInfo {
  version: string;
  /** 'electron' or 'web' (loopback host). */
  shell: 'electron' | 'web';
  platform: string;
  /** True in Electron: openFile/saveFile(null)/exportTemplate show native dialogs. */
  nativeDialogs: boolean;
}

export interface OpenedFile {
  /** Opaque handle for saving back to the same file (a path in Electron, an id in the web host). */
  handle: string;
  name: string;
  text: string;
  /** The file's modification time when read: pass it back to saveFile/compare with statFile. */
  modifiedMs: number;
}

export interface PerceiverApi {
  appInfo(): Promise<AppInfo>;
  listTemplates(): Promise<TemplateSummary[]>;
  readTemplate(ref: TemplateRef): Promise<{ text: string }>;
  saveUserTemplate(p: { name: string; text: string; overwrite?: boolean }): Promise<TemplateRef>;
  duplicateTemplate(p: { from: TemplateRef; name?: string }): Promise<TemplateRef>;
  renameTemplate(p: { name: string; newName: string }): Promise<TemplateRef>;
  deleteTemplate(p: { name: string }): Promise<TrashEntry>;
  listTrash(): Promise<TrashEntry[]>;
  restoreTemplate(p: { trashId: string }): Promise<TemplateRef>;
  importTemplate(p: { fileName: string; text: string }): Promise<TemplateRef>;
  /** null when the user cancelled the dialog. */
  exportTemplate(ref: TemplateRef): Promise<{ handle: string; name: string } | null>;
  /** null when the user cancelled. */
  openFile(): Promise<OpenedFile | null>;
  openDocument(p: { handle: string }): Promise<OpenedFile>;
  listDocuments(): Promise<DocumentEntry[]>;
  saveFile(p: {
    handle: string | null;
    suggestedName: string;
    text: string;
    expectedModifiedMs?: number;
  }): Promise<{ handle: string; name: string; modifiedMs: number } | null>;
  statFile(p: { handle: string }): Promise<{ exists: boolean; modifiedMs: number | null }>;
  listRecent(): Promise<{ handle: string; name: string; openedMs: number }[]>;
  clearRecent(): Promise<void>;
  writeAutosave(p: { tabId: string; text: string }): Promise<void>;
  listRecovery(): Promise<{ tabId: string; text: string; savedMs: number }[]>;
  discardRecovery(p: { tabId: string }): Promise<void>;
  setDocumentState(p: DocumentState): Promise<void>;
  getSession(): Promise<{ handles: string[] }>;
  setSession(p: { handles: string[] }): Promise<void>;
  openExternal(p: { url: string }): Promise<{ opened: boolean }>;
  /** null when the user cancelled the folder dialog (Electron). */
  writeExport(p: {
    format: 'pytorch' | 'tfjs' | 'onnx';
    name: string;
    files: ExportFileData[];
  }): Promise<ExportWritten | null>;
  /** Native menu and OS commands; returns an unsubscribe function. The web host never sends any. */
  onMenuCommand(cb: (cmd: MenuCommand) => void): () => void;
}

/** One file of an export package: a relative path ("data/mnist.npz") and its bytes as base64. */
export interface ExportFileData {
  path: string;
  base64: string;
}

export interface ExportWritten {
  /** The folder's name (made unique: "net-pytorch (2)"). */
  name: string;
  /** Where it landed: an absolute path (Electron) or "documents/exports/<name>" (web host). */
  location: string;
  files: number;
  bytes: number;
  /** format onnx: whether the host's Python + torch wrote model.onnx, and what to do if not. */
  onnx?: { written: boolean; file?: string; message: string };
}

/** Errors cross the boundary as { error: { message, field? } }. */
export interface ApiErrorPayload {
  error: { message: string; field?: string };
}

/** Links the host opens in the system browser; anything else is refused. */
export const EXTERNAL_LINK_ALLOW_LIST = [
  'https://github.com/',
  'https://arxiv.org/',
  'https://www.tensorflow.org/js/',
  'https://js.tensorflow.org/',
];

export function isAllowedExternalUrl(url: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol !== 'https:' || u.username || u.password) return false;
  return EXTERNAL_LINK_ALLOW_LIST.some((prefix) => u.href.startsWith(prefix));
}
