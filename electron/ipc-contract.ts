/**
 * The one typed API between the UI and the host (Electron main, or the loopback web host when
 * there is no Electron binary). The preload exposes exactly these methods as window.perceiver;
 * the web host serves the same methods at POST /api/<method>. Payloads are validated on the host
 * side with the schemas below before any service function runs.
 *
 * This file imports zod only (no electron, no node:*): the renderer imports it for types.
 */
import { z } from 'zod';

export const templateRefSchema = z.object({
  /** 'builtin' templates are read-only; 'user' ones live in the user-data folder. */
  scope: z.enum(['builtin', 'user']),
  /** File name inside the scope's folder, e.g. "mnist-perceiver-io.json". No paths. */
  name: z.string().min(1).max(200),
});
export type TemplateRef = z.infer<typeof templateRefSchema>;

export interface TemplateSummary extends TemplateRef {
  title: string;
  description: string;
  tags: string[];
  totalParams: number | null;
  modifiedMs: number;
}

export const MAX_DOC_BYTES = 16 * 1024 * 1024;
const docText = z.string().max(MAX_DOC_BYTES);

export const contractSchemas = {
  appInfo: z.tuple([]),
  listTemplates: z.tuple([]),
  readTemplate: z.tuple([templateRefSchema]),
  /** Save to the user library under a file name (atomic write). */
  saveUserTemplate: z.tuple([z.object({ name: z.string().min(1).max(200), text: docText })]),
  /** Open a template file chosen by the user (native dialog in Electron). */
  openFile: z.tuple([]),
  /** Save to a user-chosen file (native dialog when no path was chosen before). */
  saveFile: z.tuple([z.object({ handle: z.string().max(4096).nullable(), suggestedName: z.string().min(1).max(200), text: docText })]),
  listRecent: z.tuple([]),
  writeAutosave: z.tuple([z.object({ tabId: z.string().min(1).max(100), text: docText })]),
  listRecovery: z.tuple([]),
} as const;

export type ContractMethod = keyof typeof contractSchemas;

export interface AppInfo {
  version: string;
  /** 'electron' or 'web' (loopback host). */
  shell: 'electron' | 'web';
  platform: string;
}

export interface OpenedFile {
  /** Opaque handle for saving back to the same file (a path in Electron, an id in the web host). */
  handle: string;
  name: string;
  text: string;
}

export interface PerceiverApi {
  appInfo(): Promise<AppInfo>;
  listTemplates(): Promise<TemplateSummary[]>;
  readTemplate(ref: TemplateRef): Promise<{ text: string }>;
  saveUserTemplate(p: { name: string; text: string }): Promise<TemplateRef>;
  /** null when the user cancelled. */
  openFile(): Promise<OpenedFile | null>;
  saveFile(p: { handle: string | null; suggestedName: string; text: string }): Promise<{ handle: string; name: string } | null>;
  listRecent(): Promise<{ handle: string; name: string; openedMs: number }[]>;
  writeAutosave(p: { tabId: string; text: string }): Promise<void>;
  listRecovery(): Promise<{ tabId: string; text: string; savedMs: number }[]>;
}

/** Errors cross the boundary as { error: { message, field? } }. */
export interface ApiErrorPayload {
  error: { message: string; field?: string };
}
