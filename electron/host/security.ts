/**
 * The response headers every page and script of the app is served with, by the web host and by
 * Electron's app:// protocol alike. CSP is set on every response (not just the page) because a
 * dedicated worker takes its policy from its own script's response.
 */

/**
 * - script-src: 'wasm-unsafe-eval' lets tfjs compile its wasm backend; no 'unsafe-eval'.
 * - worker-src blob:: tfjs-backend-wasm starts its pthread workers from a Blob it builds itself.
 * - style-src 'unsafe-inline': React Flow and uPlot position elements with inline styles.
 * - connect-src 'self': /api calls and the .wasm fetches; nothing leaves the machine.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self' blob:",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy': CONTENT_SECURITY_POLICY,
  // Cross-origin isolation: tfjs' wasm threads need SharedArrayBuffer.
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
  'cross-origin-resource-policy': 'same-origin',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), usb=(), serial=(), hid=(), bluetooth=(), payment=()',
});

export const CONTENT_TYPES: Readonly<Record<string, string>> = Object.freeze({
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.bin': 'application/octet-stream',
});

export function contentTypeOf(path: string): string {
  const m = /\.[A-Za-z0-9]+$/.exec(path);
  return (m && CONTENT_TYPES[m[0].toLowerCase()]) || 'application/octet-stream';
}
