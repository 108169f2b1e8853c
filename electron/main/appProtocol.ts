/**
 * app://perceiver/<path> → a file of the built renderer, with the same security headers as the
 * web host (CSP, COOP/COEP). Only GET of the app host is served.
 */
import { readStatic } from '../host/staticFiles.js';
import { SECURITY_HEADERS } from '../host/security.js';
import { APP_HOST, APP_SCHEME } from './policy.js';

export interface AppResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer | string;
}

export async function appResponse(rendererDir: string, method: string, url: string): Promise<AppResponse> {
  const text = (status: number, body: string): AppResponse => ({
    status,
    headers: { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8' },
    body,
  });
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return text(400, 'Malformed URL.');
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST) return text(404, 'Not found.');
  if (method !== 'GET' && method !== 'HEAD') return text(405, 'Method not allowed.');
  const file = await readStatic(rendererDir, u.pathname);
  if (file.status !== 200) return text(file.status, file.message);
  return {
    status: 200,
    headers: { ...SECURITY_HEADERS, 'content-type': file.contentType },
    body: method === 'HEAD' ? '' : file.body,
  };
}
