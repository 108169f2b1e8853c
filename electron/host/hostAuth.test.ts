/**
 * Issue 16: another user or process on this computer can reach 127.0.0.1 too. Every /api method
 * is driven without the launch's key, with a wrong one, with the key in the wrong place and from
 * a foreign origin: each is refused before anything is read or written, and the keyed call works.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractMethods, type ContractMethod } from '../ipc-contract.js';
import { newSecret, SECRET_ENV, secretFromEnv, secretMatches } from './hostSecret.js';
import { parseServeArgs, startWebHost } from './serveEntry.js';

const appRoot = join(__dirname, '..', '..');
const doc = readFileSync(join(appRoot, 'templates', 'mnist-perceiver-io.json'), 'utf8');
let server: Server;
let port: number;
let secret: string;
let userData: string;
let handle: string;

function raw(opts: {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, agent: false, method: opts.method ?? 'GET', path: opts.path, headers: opts.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, text: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

/** A request each method would accept with the key: refusals below are for the key alone. */
function argsFor(m: ContractMethod): unknown[] {
  const table: Record<ContractMethod, unknown[]> = {
    appInfo: [],
    listTemplates: [],
    readTemplate: [{ scope: 'builtin', name: 'mnist-perceiver-io.json' }],
    saveUserTemplate: [{ name: 'planted.json', text: doc }],
    duplicateTemplate: [{ from: { scope: 'builtin', name: 'mnist-perceiver-io.json' }, name: 'planted copy.json' }],
    renameTemplate: [{ name: 'mine.json', newName: 'planted.json' }],
    deleteTemplate: [{ name: 'mine.json' }],
    listTrash: [],
    restoreTemplate: [{ trashId: 'x' }],
    importTemplate: [{ fileName: 'planted.json', text: doc }],
    exportTemplate: [{ scope: 'builtin', name: 'mnist-perceiver-io.json' }],
    openFile: [],
    openDocument: [{ handle }],
    listDocuments: [],
    saveFile: [{ handle: null, suggestedName: 'planted', text: doc }],
    statFile: [{ handle }],
    listRecent: [],
    clearRecent: [],
    writeAutosave: [{ tabId: 'planted', text: doc }],
    listRecovery: [],
    discardRecovery: [{ tabId: 'planted' }],
    setDocumentState: [{ dirty: false, title: 'x' }],
    getSession: [],
    setSession: [{ handles: [] }],
    openExternal: [{ url: 'https://github.com/' }],
    writeExport: [
      {
        format: 'pytorch',
        name: 'planted',
        files: [{ path: 'train.py', base64: Buffer.from('import os\n').toString('base64') }],
      },
    ],
  };
  return table[m];
}

function listTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      out.push(`${rel}${e.name}`);
      if (e.isDirectory()) walk(join(d, e.name), `${rel}${e.name}/`);
    }
  };
  walk(dir, '');
  return out.sort();
}

beforeAll(async () => {
  const base = mkdtempSync(join(tmpdir(), 'ps-auth-'));
  const rendererDir = join(base, 'renderer');
  mkdirSync(rendererDir, { recursive: true });
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Perceiver Studio</title>');
  userData = join(base, 'user');
  mkdirSync(join(userData, 'documents'), { recursive: true });
  mkdirSync(join(userData, 'templates'), { recursive: true });
  writeFileSync(join(userData, 'documents', 'private.perceiver.json'), doc);
  writeFileSync(join(userData, 'templates', 'mine.json'), doc);
  handle = 'private.perceiver.json';
  const opts = { ...parseServeArgs(['--port', '0', '--user-data', userData], appRoot), rendererDir };
  secret = opts.secret;
  server = (await startWebHost(opts)).server;
  port = (server.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('web host key', () => {
  it('refuses every /api method without the key, with a wrong one, or with it in the wrong place: 401, nothing read or written', async () => {
    const before = listTree(userData);
    const wrong = newSecret();
    const attempts: [string, Record<string, string>, string][] = [
      ['no key', {}, ''],
      ['wrong key', { 'x-perceiver-secret': wrong }, ''],
      [
        'key with one character changed',
        { 'x-perceiver-secret': secret.slice(0, -1) + (secret.endsWith('A') ? 'B' : 'A') },
        '',
      ],
      ['key prefix', { 'x-perceiver-secret': secret.slice(0, 20) }, ''],
      ['key plus a suffix', { 'x-perceiver-secret': `${secret}x` }, ''],
      ['empty key', { 'x-perceiver-secret': '' }, ''],
      ['key in the query string', {}, `?key=${secret}`],
      ['key as a bearer token', { authorization: `Bearer ${secret}` }, ''],
      ['key as a cookie', { cookie: `key=${secret}` }, ''],
    ];
    for (const m of contractMethods) {
      for (const [what, headers, query] of attempts) {
        const r = await raw({
          method: 'POST',
          path: `/api/${m}${query}`,
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify(argsFor(m)),
        });
        expect(r.status, `${m}: ${what}`).toBe(401);
        expect(JSON.parse(r.text).error.message).toMatch(/key of this Perceiver Studio launch.*printed/);
        expect(r.text).not.toContain('"layout"'); // no document text leaks
      }
    }
    // Nor for GET, unknown methods or malformed paths: the key is checked first.
    for (const path of ['/api/appInfo', '/api/nope', '/api/%E0%A4%A', '/api/', '/api/listDocuments/../appInfo']) {
      expect(
        (await raw({ method: 'POST', path, headers: { 'content-type': 'application/json' }, body: '[]' })).status,
        path,
      ).toBe(401);
    }
    expect(listTree(userData)).toEqual(before);
  });

  it('refuses a foreign Origin even with the right key, and a foreign Host (DNS rebinding)', async () => {
    const before = listTree(userData);
    for (const m of contractMethods) {
      for (const origin of [
        'https://evil.example',
        'http://127.0.0.1.evil.example',
        `http://127.0.0.1:${port + 1}`,
        'null',
      ]) {
        const r = await raw({
          method: 'POST',
          path: `/api/${m}`,
          headers: { 'content-type': 'application/json', 'x-perceiver-secret': secret, origin },
          body: JSON.stringify(argsFor(m)),
        });
        expect(r.status, `${m} from ${origin}`).toBe(403);
      }
      const rebound = await raw({
        method: 'POST',
        path: `/api/${m}`,
        headers: { 'content-type': 'application/json', 'x-perceiver-secret': secret, host: `evil.example:${port}` },
        body: '[]',
      });
      expect(rebound.status).toBe(421);
    }
    expect(listTree(userData)).toEqual(before);
  });

  it('with the key, from the page origin, the same calls work', async () => {
    for (const m of ['appInfo', 'listDocuments', 'openDocument', 'readTemplate'] as const) {
      const r = await raw({
        method: 'POST',
        path: `/api/${m}`,
        headers: {
          'content-type': 'application/json',
          'x-perceiver-secret': secret,
          origin: `http://127.0.0.1:${port}`,
        },
        body: JSON.stringify(argsFor(m)),
      });
      expect(r.status, `${m}: ${r.text}`).toBe(200);
    }
  });

  it('answers the attacks of issue 16 with 4xx and a message, never a 500 or a stack', async () => {
    const k = { 'content-type': 'application/json', 'x-perceiver-secret': secret };
    const badEscape = await raw({ method: 'POST', path: '/api/%E0%A4%A', headers: k, body: '[]' });
    expect(badEscape.status).toBe(400);
    expect(JSON.parse(badEscape.text).error).toMatchObject({
      field: 'method',
      message: expect.stringMatching(/%-escape/),
    });
    const deep = await raw({
      method: 'POST',
      path: '/api/appInfo',
      headers: k,
      body: '['.repeat(5000) + ']'.repeat(5000),
    });
    expect(deep.status).toBe(400);
    expect(JSON.parse(deep.text).error.message).not.toMatch(/call stack/i);
    for (const name of ['../../etc/passwd', '/etc/passwd', 'a/../../b', 'x\u0000.json']) {
      const r = await raw({
        method: 'POST',
        path: '/api/readTemplate',
        headers: k,
        body: JSON.stringify([{ scope: 'user', name }]),
      });
      expect(r.status, name).toBe(400);
    }
    for (const h of ['../user/templates/mine.json', '/etc/passwd', '..%2f..%2fetc%2fpasswd']) {
      const r = await raw({
        method: 'POST',
        path: '/api/openDocument',
        headers: k,
        body: JSON.stringify([{ handle: h }]),
      });
      expect([400, 404], h).toContain(r.status);
      expect(r.text).not.toContain('root:');
    }
  });

  it('answers fuzzed arguments to every method with a status and a message, never a 500', async () => {
    const k = { 'content-type': 'application/json', 'x-perceiver-secret': secret };
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...contractMethods),
        fc.oneof(fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 2 }), fc.jsonValue({ maxDepth: 3 })),
        async (m, args) => {
          const r = await raw({ method: 'POST', path: `/api/${m}`, headers: k, body: JSON.stringify(args) });
          expect(r.status, `${m} ${JSON.stringify(args).slice(0, 200)}: ${r.text.slice(0, 300)}`).not.toBe(500);
          const body = JSON.parse(r.text);
          if (r.status !== 200) expect(typeof body.error.message).toBe('string');
        },
      ),
      { numRuns: 300, seed: 16 },
    );
  });

  it('takes a key from PERCEIVER_HOST_SECRET once, refuses a weak one, and compares in full', () => {
    const env: NodeJS.ProcessEnv = { [SECRET_ENV]: 'a'.repeat(40) };
    expect(secretFromEnv(env)).toBe('a'.repeat(40));
    expect(env[SECRET_ENV]).toBeUndefined();
    expect(() => secretFromEnv({ [SECRET_ENV]: 'short' })).toThrow(/32-128 characters/);
    const fresh = secretFromEnv({});
    expect(fresh).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(secretFromEnv({})).not.toBe(fresh);
    expect(secretMatches(fresh, fresh)).toBe(true);
    expect(secretMatches(undefined, fresh)).toBe(false);
    expect(secretMatches([fresh], fresh)).toBe(false);
    expect(secretMatches(fresh.toUpperCase() === fresh ? fresh.toLowerCase() : fresh.toUpperCase(), fresh)).toBe(false);
    expect(secretMatches('', '')).toBe(false);
  });
});
