/**
 * Issue 16, host memory: writeExport bodies are decoded while they stream in. The streamed
 * decoder agrees with JSON.parse + base64 decoding for any files split at any byte, refuses what
 * is not plain base64, and the web host refuses a second export or a ninth request at once.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { request, type ClientRequest, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BLOB_PREFIX, ExportBodyStream } from './exportStream.js';
import { parseServeArgs, startWebHost } from './serveEntry.js';
import { MAX_CONCURRENT_REQUESTS } from './webServer.js';

function streamed(body: Buffer, cuts: number[]): { text: string; blobs: Buffer[][] } {
  const s = new ExportBodyStream(1 << 20, 1 << 26);
  let at = 0;
  for (const c of [...cuts.filter((x) => x > 0 && x < body.length)].sort((a, b) => a - b)) {
    s.write(body.subarray(at, c));
    at = c;
  }
  s.write(body.subarray(at));
  return s.end();
}

describe('ExportBodyStream', () => {
  it('decodes every base64 value as JSON.parse + Buffer.from would, for any chunking', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ path: fc.string({ maxLength: 20 }), data: fc.uint8Array({ maxLength: 300 }) }), {
          minLength: 1,
          maxLength: 5,
        }),
        fc.array(fc.nat(4000), { maxLength: 12 }),
        fc.boolean(),
        (files, cuts, pretty) => {
          const args = [
            {
              format: 'pytorch',
              name: 'n "x"',
              files: files.map((f) => ({ path: f.path, base64: Buffer.from(f.data).toString('base64') })),
            },
          ];
          const body = Buffer.from(pretty ? JSON.stringify(args, null, 2) : JSON.stringify(args));
          const { text, blobs } = streamed(body, cuts);
          const skeleton = JSON.parse(text) as typeof args;
          expect(skeleton[0]!.name).toBe('n "x"');
          skeleton[0]!.files.forEach((f, i) => {
            expect(f.path).toBe(files[i]!.path);
            expect(f.base64).toBe(`${BLOB_PREFIX}${i}`);
            expect(Buffer.concat(blobs[i]!).equals(Buffer.from(files[i]!.data))).toBe(true);
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuses what is not plain base64, and a truncated body', () => {
    for (const bad of ['abc', 'ab=c', 'a===', 'ab cd', 'ab\\/c', 'ab-_', '====']) {
      const s = new ExportBodyStream(1 << 20, 1 << 20);
      s.write(
        Buffer.from(
          JSON.stringify([{ format: 'tfjs', name: 'x', files: [{ path: 'a', base64: 'QUJD' }] }]).replace('QUJD', bad),
        ),
      );
      expect(() => s.end(), bad).toThrow(/not base64/);
    }
    const t = new ExportBodyStream(1 << 20, 1 << 20);
    t.write(Buffer.from('[{"files":[{"base64":"QUJD'));
    expect(() => t.end()).toThrow(/ends inside a string/);
  });

  it('refuses more base64 values than files an export may have (each would hold a buffer)', () => {
    const s = new ExportBodyStream(1 << 20, 1 << 20, 64);
    const files = Array.from({ length: 65 }, (_, i) => ({ path: `f${i}`, base64: '' }));
    s.write(Buffer.from(JSON.stringify([{ format: 'tfjs', name: 'x', files }])));
    expect(() => s.end()).toThrow(/more than 64 files/);
  });

  it('stops at the decoded-size limit and the skeleton limit', () => {
    const big = new ExportBodyStream(1 << 20, 1000);
    big.write(Buffer.from(`[{"files":[{"base64":"${Buffer.alloc(3000).toString('base64')}"}]}]`));
    expect(() => big.end()).toThrow(/The export is over/);
    const names = new ExportBodyStream(100, 1 << 20);
    names.write(Buffer.from(`[{"name":"${'x'.repeat(200)}"}]`));
    expect(() => names.end()).toThrow(/names and paths are over 100 bytes/);
  });
});

describe('web host: bounded requests', () => {
  let server: Server;
  let port: number;
  let secret: string;
  let userData: string;
  beforeAll(async () => {
    userData = join(mkdtempSync(join(tmpdir(), 'ps-bounded-')), 'user');
    const opts = parseServeArgs(['--port', '0', '--user-data', userData], join(__dirname, '..', '..'));
    secret = opts.secret;
    server = (await startWebHost(opts)).server;
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const open = (
    path: string,
    headers: Record<string, string | number>,
  ): { req: ClientRequest; done: Promise<{ status: number; text: string }> } => {
    let req!: ClientRequest;
    const done = new Promise<{ status: number; text: string }>((resolve, reject) => {
      req = request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path,
          agent: false,
          headers: { 'content-type': 'application/json', 'x-perceiver-secret': secret, ...headers },
        },
        (res) => {
          let t = '';
          res.on('data', (c) => (t += c));
          res.on('end', () => resolve({ status: res.statusCode!, text: t }));
        },
      );
      req.on('error', reject);
    });
    return { req, done };
  };

  it('writes a streamed export byte for byte, chunked or with a length', async () => {
    const data = Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 31) % 256));
    for (const [name, chunked] of [
      ['streamed-a', false],
      ['streamed-b', true],
    ] as const) {
      const body = Buffer.from(
        JSON.stringify([
          {
            format: 'pytorch',
            name,
            files: [
              { path: 'data/w.bin', base64: data.toString('base64') },
              { path: 'train.py', base64: Buffer.from('print(1)\n').toString('base64') },
            ],
          },
        ]),
      );
      const { req, done } = open('/api/writeExport', chunked ? {} : { 'content-length': body.length });
      for (let i = 0; i < body.length; i += 7777) req.write(body.subarray(i, i + 7777));
      req.end();
      const r = await done;
      expect(r.status, r.text).toBe(200);
      expect(JSON.parse(r.text).result).toMatchObject({ name, files: 2, bytes: data.length + 9 });
      expect(readFileSync(join(userData, 'documents', 'exports', name, 'data', 'w.bin')).equals(data)).toBe(true);
    }
    const bad = open('/api/writeExport', {});
    bad.req.end(JSON.stringify([{ format: 'pytorch', name: 'bad', files: [{ path: 'a', base64: 'no!' }] }]));
    expect((await bad.done).status).toBe(400);
    const badPath = open('/api/writeExport', {});
    badPath.req.end(JSON.stringify([{ format: 'pytorch', name: 'bad', files: [{ path: '../x', base64: 'QUJD' }] }]));
    const bp = await badPath.done;
    expect(bp.status).toBe(400);
    expect(JSON.parse(bp.text).error.field).toBe('files.0.path');
  });

  it('refuses a second export while one streams in, and requests beyond the concurrency bound', async () => {
    const first = open('/api/writeExport', { 'content-length': 1000 });
    first.done.catch(() => {});
    first.req.write('[{"format":"pytorch","name":"slow","files":[{"path":"a","base64":"');
    await new Promise((r) => setTimeout(r, 50));
    const second = open('/api/writeExport', {});
    second.req.end('[]');
    const s = await second.done;
    expect(s.status).toBe(503);
    expect(JSON.parse(s.text).error.message).toMatch(/Another export is being written/);
    // Hold the other slots with requests whose bodies never finish.
    const held = Array.from({ length: MAX_CONCURRENT_REQUESTS - 1 }, () => {
      const h = open('/api/appInfo', { 'content-length': 10 });
      h.req.write('[');
      h.done.catch(() => {});
      return h;
    });
    await new Promise((r) => setTimeout(r, 100));
    const extra = open('/api/appInfo', {});
    extra.req.end('[]');
    const e = await extra.done;
    expect(e.status).toBe(503);
    expect(JSON.parse(e.text).error.message).toMatch(/busy/);
    for (const h of [first, ...held]) h.req.destroy();
    await new Promise((r) => setTimeout(r, 100));
    const after = open('/api/appInfo', {});
    after.req.end('[]');
    expect((await after.done).status).toBe(200);
  });
});
