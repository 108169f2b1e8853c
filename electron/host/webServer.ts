/**
 * The loopback web host: used when there is no Electron binary. Serves the built renderer with
 * the app's security headers and the IPC contract at POST /api/<method>, calling the same
 * service functions as Electron main. It listens on 127.0.0.1 only and refuses requests that
 * could come from another web page: a foreign Host header (DNS rebinding), a foreign Origin,
 * or a body that is not application/json (which a cross-site form or no-cors fetch cannot send
 * without a preflight this server never approves).
 *
 * Every /api call must also carry this launch's secret in the `x-perceiver-secret` header (see
 * hostSecret.ts): another user or process on the same machine can reach 127.0.0.1 too, and
 * without the secret it gets 401 and nothing else. The renderer's static files carry no user
 * data and are served without it (the page must load before it can read the secret from its URL).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { MAX_EXPORT_REQUEST_BYTES, MAX_REQUEST_BYTES, type ApiErrorPayload } from '../ipc-contract.js';
import { safeJsonParse } from '../../engine/graph/load.js';
import { dispatch, type HostHandlers } from './hostApi.js';
import { SECRET_HEADER, secretMatches } from './hostSecret.js';
import { SECURITY_HEADERS } from './security.js';
import { readStatic } from './staticFiles.js';

export interface WebHostOptions {
  handlers: HostHandlers;
  rendererDir: string;
  port: number;
  /** This launch's secret: every /api request must send it in the x-perceiver-secret header. */
  secret: string;
  /** Shown instead of the app when dist/renderer has no index.html yet. */
  missingRendererHint?: string;
  log?: (msg: string) => void;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

function send(res: ServerResponse, status: number, body: string | Buffer, contentType: string, extra: Record<string, string> = {}) {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': contentType, 'cache-control': 'no-store', ...extra });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, payload: unknown) {
  send(res, status, JSON.stringify(payload), 'application/json; charset=utf-8');
}

function apiError(res: ServerResponse, status: number, message: string, field?: string) {
  const body: ApiErrorPayload = { error: { message, ...(field ? { field } : {}) } };
  sendJson(res, status, body);
}

/** Collect the body up to `limit` bytes; null (and a 413 sent) when it is larger. */
function readBody(req: IncomingMessage, res: ServerResponse, limit: number): Promise<string | null> {
  return new Promise((resolveBody, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      res.setHeader('connection', 'close');
      apiError(res, 413, `The request is ${declared} bytes; the limit is ${limit} bytes.`);
      req.resume();
      resolveBody(null);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (c: Buffer) => {
      if (done) return;
      size += c.length;
      if (size > limit) {
        done = true;
        res.setHeader('connection', 'close');
        apiError(res, 413, `The request is over the ${limit}-byte limit.`);
        req.resume();
        resolveBody(null);
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!done) resolveBody(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', reject);
  });
}

export function createWebHost(opts: WebHostOptions): Server {
  const log = opts.log ?? ((m: string) => console.error(m));

  const server = createServer(async (req, res) => {
    try {
      if (!LOOPBACK.has(req.socket.remoteAddress ?? '')) return apiError(res, 403, 'Only this computer may use the Perceiver Studio host.');
      const port = (server.address() as { port: number }).port;
      const allowedHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
      if (!allowedHosts.has(String(req.headers.host))) return apiError(res, 421, `Unexpected Host header "${String(req.headers.host).slice(0, 100)}".`);
      const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);

      if (url.pathname.startsWith('/api/')) {
        const origin = req.headers.origin;
        if (origin !== undefined && !allowedHosts.has(origin.replace(/^http:\/\//, ''))) {
          return apiError(res, 403, 'Cross-origin requests are refused.');
        }
        if (!secretMatches(req.headers[SECRET_HEADER], opts.secret)) {
          req.resume();
          return apiError(res, 401, 'This request does not carry the key of this Perceiver Studio launch: open the URL that `npm start` (or serve.mjs) printed; it carries the key.');
        }
        if (req.method !== 'POST') return apiError(res, 405, 'Use POST for /api/ methods.');
        if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
          return apiError(res, 415, 'The body must be sent as application/json.');
        }
        let method: string;
        try {
          method = decodeURIComponent(url.pathname.slice('/api/'.length));
        } catch {
          return apiError(res, 400, `The method name in "${url.pathname.slice(0, 100)}" has a bad %-escape; call /api/<method> with a plain method name.`, 'method');
        }
        // Only an export package (trained weights, data) may be larger than one document.
        const text = await readBody(req, res, method === 'writeExport' ? MAX_EXPORT_REQUEST_BYTES : MAX_REQUEST_BYTES);
        if (text === null) return;
        let args: unknown;
        try {
          args = text.trim() === '' ? [] : safeJsonParse(text, 'The request body');
        } catch (e) {
          return apiError(res, 400, (e as Error).message, 'args');
        }
        const r = await dispatch(opts.handlers, method, args, log);
        return sendJson(res, r.status, r.body);
      }

      if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'Method not allowed.', 'text/plain; charset=utf-8');
      const file = await readStatic(opts.rendererDir, url.pathname);
      if (file.status === 200) return send(res, 200, req.method === 'HEAD' ? '' : file.body, file.contentType);
      if ((url.pathname === '/' || url.pathname === '/index.html') && opts.missingRendererHint) {
        return send(res, 503, opts.missingRendererHint, 'text/plain; charset=utf-8');
      }
      return send(res, file.status, file.message, 'text/plain; charset=utf-8');
    } catch (e) {
      log(`perceiver host: ${req.method} ${req.url} failed: ${(e as Error)?.stack ?? String(e)}`);
      if (!res.headersSent) apiError(res, 500, 'Internal error in the host.');
      else res.end();
    }
  });
  server.requestTimeout = 120_000;
  return server;
}

/** Listen on 127.0.0.1:port; resolves with the URL. Port 0 picks a free port. */
export function listen(server: Server, port: number): Promise<string> {
  return new Promise((resolveUrl, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolveUrl(`http://127.0.0.1:${(server.address() as { port: number }).port}/`);
    });
  });
}
