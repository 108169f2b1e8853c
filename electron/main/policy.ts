/**
 * Security decisions of the main process as pure functions: what the window may load, where a
 * navigation or new window goes, which permission requests are granted, and that an IPC
 * message comes from the app's own top frame.
 */
import { isAllowedExternalUrl } from '../ipc-contract.js';

export const APP_SCHEME = 'app';
export const APP_HOST = 'perceiver';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_START_URL = `${APP_ORIGIN}/index.html`;

export function isAppUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST;
  } catch {
    return false;
  }
}

/**
 * A navigation of the app window: 'deny' everything, except that an allow-listed https link is
 * handed to the system browser ('external'). Even app:// navigations are refused: the renderer is
 * a single page and never needs to reload itself into another document.
 */
export function navigationDecision(url: string): 'deny' | 'external' {
  return isAllowedExternalUrl(url) ? 'external' : 'deny';
}

/** Permissions granted to the app's own origin; everything else (camera, geolocation, …) is denied. */
const GRANTED_PERMISSIONS = new Set(['clipboard-sanitized-write']);

export function permissionDecision(permission: string, requestingUrl: string | undefined): boolean {
  return GRANTED_PERMISSIONS.has(permission) && requestingUrl !== undefined && isAppUrl(requestingUrl);
}

/** The shape of an IPC event main needs to trust it (Electron's IpcMainInvokeEvent satisfies it). */
export interface SenderInfo {
  sender: { id: number };
  senderFrame: { url: string; parent: unknown } | null;
}

/** Only the app window's top frame, showing an app:// page, may call the host. */
export function isTrustedSender(event: SenderInfo, appWebContentsId: number | null): boolean {
  const frame = event.senderFrame;
  if (!frame || frame.parent !== null) return false;
  if (appWebContentsId === null || event.sender.id !== appWebContentsId) return false;
  return isAppUrl(frame.url);
}

/** Template paths given on the command line (file association on Linux/Windows, second instance). */
export function templatePathsFromArgv(argv: string[]): string[] {
  return argv.filter((a) => !a.startsWith('-') && /\.(perceiver|json)$/i.test(a));
}
