import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_REQUEST_BYTES } from '../ipc-contract.js';
import { parseServeArgs, startWebHost } from './serveEntry.js';

const appRoot = join(__dirname, '..', '..');
const doc = readFileSync(join(appRoot, 'templates', 'mnist-perceiver-io.json'), 'utf8');
let server: Server;
let port: number;
let userData: string;
let secret: string;

function raw(opts: {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, agent: false, method: opts.method ?? 'GET', path: opts.path, headers: opts.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode!, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

// Every /api call carries the launch's key (hostAuth.test.ts checks the calls that do not).
const json = () => ({ 'content-type': 'application/json', 'x-perceiver-secret': secret });
const api = (method: string, args: unknown[], headers: Record<string, string> = {}) =>
  raw({ method: 'POST', path: `/api/${method}`, headers: { ...json(), ...headers }, body: JSON.stringify(args) });

beforeAll(async () => {
  const base = mkdtempSync(join(tmpdir(), 'ps-web-'));
  const rendererDir = join(base, 'renderer');
  mkdirSync(join(rendererDir, 'assets'), { recursive: true });
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Perceiver Studio</title>');
  writeFileSync(join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(rendererDir, 'assets', 'x.wasm'), Buffer.from([0, 97, 115, 109]));
  writeFileSync(join(base, 'secret.txt'), 'secret');
  symlinkSync(join(base, 'secret.txt'), join(rendererDir, 'assets', 'leak.js'));
  userData = join(base, 'user');
  const opts = { ...parseServeArgs(['--port', '0', '--user-data', userData], appRoot), rendererDir };
  const started = await startWebHost(opts);
  server = started.server;
  secret = opts.secret;
  port = (server.address() as { port: number }).port;
  // Behaviour changed by issue 16: the printed URL carries the launch's key in its fragment.
  expect(started.baseUrl).toBe(`http://127.0.0.1:${port}/`);
  expect(started.url).toBe(`http://127.0.0.1:${port}/#key=${secret}`);
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('web host: static files', () => {
  it('serves the renderer with CSP, COOP and COEP on every response', async () => {
    for (const path of ['/', '/assets/app.js', '/assets/x.wasm']) {
      const r = await raw({ path });
      expect(r.status, path).toBe(200);
      expect(r.headers['cross-origin-opener-policy']).toBe('same-origin');
      expect(r.headers['cross-origin-embedder-policy']).toBe('require-corp');
      const csp = String(r.headers['content-security-policy']);
      expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval'");
      expect(csp).not.toContain("'unsafe-eval'");
      expect(csp).toContain("frame-ancestors 'none'");
    }
    expect((await raw({ path: '/assets/x.wasm' })).headers['content-type']).toBe('application/wasm');
    expect((await raw({ path: '/' })).text).toContain('Perceiver Studio');
  });

  it('refuses traversal, encoded separators, dotfiles and symlinks out of the folder', async () => {
    for (const path of [
      '/../secret.txt',
      '/..%2fsecret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/%2e%2e/secret.txt',
      '/assets/leak.js',
      '/.env',
      '/%00',
      '/%E0%A4%A',
    ]) {
      const r = await raw({ path });
      expect([400, 404], path).toContain(r.status);
      expect(r.text).not.toContain('secret');
    }
  });

  it('answers only for loopback Host headers (DNS rebinding)', async () => {
    expect((await raw({ path: '/', headers: { host: `evil.example:${port}` } })).status).toBe(421);
    expect((await raw({ path: '/', headers: { host: `localhost:${port}` } })).status).toBe(200);
  });
});

describe('web host: /api', () => {
  it('round-trips a document through the same services as Electron', async () => {
    const info = JSON.parse((await api('appInfo', [])).text);
    expect(info.result).toMatchObject({ shell: 'web', nativeDialogs: false });
    const saved = await api('saveFile', [{ handle: null, suggestedName: 'e2e net', text: doc }]);
    expect(saved.status).toBe(200);
    const handle = JSON.parse(saved.text).result.handle;
    expect(readFileSync(join(userData, 'documents', handle), 'utf8')).toBe(doc);
    const opened = JSON.parse((await api('openDocument', [{ handle }])).text);
    expect(opened.result.text).toBe(doc);
  });

  it('reports bad payloads as 4xx with a message and field', async () => {
    const r = await api('readTemplate', [{ scope: 'builtin', name: '../../package.json' }]);
    expect(r.status).toBe(400);
    expect(JSON.parse(r.text).error).toMatchObject({ field: 'name', message: expect.stringMatching(/\.\./) });
    const bad = await raw({ method: 'POST', path: '/api/appInfo', headers: json(), body: '[' });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text).error.message).toMatch(/not valid JSON/);
    const proto = await raw({
      method: 'POST',
      path: '/api/saveFile',
      headers: json(),
      body: '[{"__proto__":{"x":1}}]',
    });
    expect(proto.status).toBe(400);
    expect((await api('nope', [])).status).toBe(404);
    expect((await raw({ path: '/api/appInfo', headers: { 'x-perceiver-secret': secret } })).status).toBe(405);
  });

  it('refuses cross-site requests: foreign Origin, non-JSON content type', async () => {
    expect((await api('appInfo', [], { origin: 'https://evil.example' })).status).toBe(403);
    expect((await api('appInfo', [], { origin: `http://127.0.0.1:${port}` })).status).toBe(200);
    const form = await raw({
      method: 'POST',
      path: '/api/appInfo',
      headers: { 'content-type': 'text/plain', 'x-perceiver-secret': secret },
      body: '[]',
    });
    expect(form.status).toBe(415);
  });

  it('refuses bodies over the limit with 413, declared or streamed', async () => {
    const declared = await raw({
      method: 'POST',
      path: '/api/writeAutosave',
      headers: { ...json(), 'content-length': String(MAX_REQUEST_BYTES + 1) },
      body: '',
    }).catch(() => ({ status: 413, headers: {}, text: '' }));
    expect(declared.status).toBe(413);
    const big = 'x'.repeat(MAX_REQUEST_BYTES + 10);
    const streamed = await raw({ method: 'POST', path: '/api/writeAutosave', headers: json(), body: big }).catch(
      (e: NodeJS.ErrnoException) => ({
        status: e.code === 'EPIPE' || e.code === 'ECONNRESET' ? 413 : 0,
        headers: {},
        text: '',
      }),
    );
    expect(streamed.status, streamed.text).toBe(413);
  });
});

describe('serve arguments', () => {
  it('parses options and rejects bad ones with a usage message', () => {
    const o = parseServeArgs(['--port', '5000', '--user-data', 'ud'], '/app', '/cwd');
    expect(o).toMatchObject({
      port: 5000,
      userData: '/cwd/ud',
      rendererDir: '/app/dist/renderer',
      templatesDir: '/app/templates',
    });
    expect(() => parseServeArgs(['--port', 'abc'], '/app')).toThrow(/--port/);
    expect(() => parseServeArgs(['--port'], '/app')).toThrow(/needs a value/);
    expect(() => parseServeArgs(['--bogus'], '/app')).toThrow(/Usage/);
  });
});

describe('web host: export packages', () => {
  it('accepts a writeExport body larger than one document, and only for writeExport', async () => {
    // Just over the per-document limit: a package with trained weights and data can be this big.
    const big = Buffer.alloc(MAX_REQUEST_BYTES, 7)
      .toString('base64')
      .slice(0, Math.floor((MAX_REQUEST_BYTES * 1.05) / 4) * 4);
    const files = [{ path: 'weights.bin', base64: big }];
    const r = await api('writeExport', [{ format: 'tfjs', name: 'big-tfjs', files }]);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text).result).toMatchObject({
      name: 'big-tfjs',
      location: 'documents/exports/big-tfjs',
      files: 1,
    });
    const refused = await api('saveUserTemplate', [{ name: 'x', text: big }]);
    expect(refused.status).toBe(413);
  });
});
