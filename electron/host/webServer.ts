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
import {
  contractSchemas,
  MAX_EXPORT_BYTES,
  MAX_EXPORT_FILES,
  MAX_EXPORT_REQUEST_BYTES,
  MAX_REQUEST_BYTES,
  type ApiErrorPayload,
} from '../ipc-contract.js';
import { isServiceError, ServiceError } from '../services/errors.js';
import type { DecodedFileData } from '../services/exports.js';
import { BLOB_PREFIX, ExportBodyStream } from './exportStream.js';
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
  /**
   * writeExport with the files decoded while the body streams in (exportStream.ts); without it
   * writeExport goes through `handlers` like every method.
   */
  writeExportDecoded?: (
    name: string,
    files: DecodedFileData[],
    format?: 'pytorch' | 'tfjs' | 'onnx',
  ) => Promise<unknown>;
  /** Shown instead of the app when dist/renderer has no index.html yet. */
  missingRendererHint?: string;
  log?: (msg: string) => void;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

function send(
  res: ServerResponse,
  status: number,
  body: string | Buffer,
  contentType: string,
  extra: Record<string, string> = {},
) {
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

/**
 * Stream the body, up to `limit` bytes, into `sink`; false (and a 413 sent) when it is larger.
 * Nothing is kept here: the sink decides what to hold.
 */
function streamBody(
  req: IncomingMessage,
  res: ServerResponse,
  limit: number,
  sink: (chunk: Buffer) => void,
): Promise<boolean> {
  return new Promise((resolveBody, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      res.setHeader('connection', 'close');
      apiError(res, 413, `The request is ${declared} bytes; the limit is ${limit} bytes.`);
      req.resume();
      resolveBody(false);
      return;
    }
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
        resolveBody(false);
        return;
      }
      sink(c);
    });
    req.on('end', () => {
      if (!done) resolveBody(true);
    });
    req.on('error', reject);
  });
}

/** Collect the body up to `limit` bytes as text (one buffer of the declared size, no second copy); null when refused. */
async function readBody(req: IncomingMessage, res: ServerResponse, limit: number): Promise<string | null> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  let buf = Buffer.allocUnsafe(Number.isInteger(declared) && declared >= 0 && declared <= limit ? declared : 64 * 1024);
  let n = 0;
  const ok = await streamBody(req, res, limit, (c) => {
    if (n + c.length > buf.length) {
      const grown = Buffer.allocUnsafe(Math.min(limit, Math.max(n + c.length, buf.length * 2)));
      buf.copy(grown, 0, 0, n);
      buf = grown;
    }
    c.copy(buf, n);
    n += c.length;
  });
  return ok ? buf.toString('utf8', 0, n) : null;
}

/** At most this many /api requests are served at once (each may hold a document in memory); more get 503. */
export const MAX_CONCURRENT_REQUESTS = 8;

export function createWebHost(opts: WebHostOptions): Server {
  const log = opts.log ?? ((m: string) => console.error(m));
  let active = 0;
  let exporting = false;

  /** writeExport, streamed: only one at a time, so at most one package is in memory. */
  const streamedExport = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (exporting) {
      req.resume();
      return apiError(res, 503, 'Another export is being written; try again when it has finished.');
    }
    exporting = true;
    try {
      const body = new ExportBodyStream(MAX_REQUEST_BYTES, MAX_EXPORT_BYTES, MAX_EXPORT_FILES);
      if (!(await streamBody(req, res, MAX_EXPORT_REQUEST_BYTES, (c) => body.write(c)))) return;
      let parsed: { text: string; blobs: Buffer[][] };
      let args: unknown;
      try {
        parsed = body.end();
        args = parsed.text.trim() === '' ? [] : safeJsonParse(parsed.text, 'The request body');
      } catch (e) {
        const status = isServiceError(e) ? e.status : 400;
        return apiError(res, status, (e as Error).message, isServiceError(e) ? e.field : 'args');
      }
      const check = contractSchemas.writeExport.safeParse(args);
      if (!check.success) {
        // The contract's own message, field and status.
        const r = await dispatch(opts.handlers, 'writeExport', args, log);
        return sendJson(res, r.status, r.body);
      }
      const [{ name, files, format }] = check.data;
      const decoded = files.map((f, i) => {
        if (!f.base64.startsWith(BLOB_PREFIX)) return f;
        const k = Number(f.base64.slice(BLOB_PREFIX.length));
        const data = parsed.blobs[k];
        if (!data) throw new ServiceError('The file contents are not base64.', `files.${i}.base64`);
        return { path: f.path, data };
      });
      const result = await opts.writeExportDecoded!(name, decoded as DecodedFileData[], format);
      return sendJson(res, 200, { result: result ?? null });
    } catch (e) {
      if (isServiceError(e)) return apiError(res, e.status, e.message, e.field);
      throw e;
    } finally {
      exporting = false;
    }
  };

  // The handler answers every error itself (the catch below), so its promise is left unawaited.
  const server = createServer(
    (req, res) =>
      void (async () => {
        try {
          if (!LOOPBACK.has(req.socket.remoteAddress ?? ''))
            return apiError(res, 403, 'Only this computer may use the Perceiver Studio host.');
          const port = (server.address() as { port: number }).port;
          const allowedHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
          if (!allowedHosts.has(String(req.headers.host)))
            return apiError(res, 421, `Unexpected Host header "${String(req.headers.host).slice(0, 100)}".`);
          const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);

          if (url.pathname.startsWith('/api/')) {
            const origin = req.headers.origin;
            if (origin !== undefined && !allowedHosts.has(origin.replace(/^http:\/\//, ''))) {
              return apiError(res, 403, 'Cross-origin requests are refused.');
            }
            if (!secretMatches(req.headers[SECRET_HEADER], opts.secret)) {
              req.resume();
              return apiError(
                res,
                401,
                'This request does not carry the key of this Perceiver Studio launch: open the URL that `npm start` (or serve.mjs) printed; it carries the key.',
              );
            }
            if (req.method !== 'POST') return apiError(res, 405, 'Use POST for /api/ methods.');
            if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
              return apiError(res, 415, 'The body must be sent as application/json.');
            }
            let method: string;
            try {
              method = decodeURIComponent(url.pathname.slice('/api/'.length));
            } catch {
              return apiError(
                res,
                400,
                `The method name in "${url.pathname.slice(0, 100)}" has a bad %-escape; call /api/<method> with a plain method name.`,
                'method',
              );
            }
            if (active >= MAX_CONCURRENT_REQUESTS) {
              req.resume();
              res.setHeader('retry-after', '1');
              return apiError(
                res,
                503,
                `The host is busy (${MAX_CONCURRENT_REQUESTS} requests at once); try again in a moment.`,
              );
            }
            active++;
            try {
              // Only an export package (trained weights, data) may be larger than one document; it is decoded as it streams.
              if (method === 'writeExport' && opts.writeExportDecoded) return await streamedExport(req, res);
              const text = await readBody(
                req,
                res,
                method === 'writeExport' ? MAX_EXPORT_REQUEST_BYTES : MAX_REQUEST_BYTES,
              );
              if (text === null) return;
              let args: unknown;
              try {
                args = text.trim() === '' ? [] : safeJsonParse(text, 'The request body');
              } catch (e) {
                return apiError(res, 400, (e as Error).message, 'args');
              }
              const r = await dispatch(opts.handlers, method, args, log);
              return sendJson(res, r.status, r.body);
            } finally {
              active--;
            }
          }

          if (req.method !== 'GET' && req.method !== 'HEAD')
            return send(res, 405, 'Method not allowed.', 'text/plain; charset=utf-8');
          const file = await readStatic(opts.rendererDir, url.pathname);
          if (file.status === 200) return send(res, 200, req.method === 'HEAD' ? '' : file.body, file.contentType);
          if ((url.pathname === '/' || url.pathname === '/index.html') && opts.missingRendererHint) {
            return send(res, 503, opts.missingRendererHint, 'text/plain; charset=utf-8');
          }
          return send(res, file.status, file.message, 'text/plain; charset=utf-8');
        } catch (e) {
          // A client that went away mid-request is not a failure of the host.
          if (
            req.destroyed ||
            (e as NodeJS.ErrnoException)?.code === 'ECONNRESET' ||
            (e as Error)?.message === 'aborted'
          ) {
            res.destroy();
            return;
          }
          log(`perceiver host: ${req.method} ${req.url} failed: ${(e as Error)?.stack ?? String(e)}`);
          if (!res.headersSent) apiError(res, 500, 'Internal error in the host.');
          else res.end();
        }
      })(),
  );
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
