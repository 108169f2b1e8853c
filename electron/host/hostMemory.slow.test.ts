/**
 * Issue 16, host memory (slow: about 10 s): one 190 MB writeExport (a 253 MB JSON body) through
 * the web host in its own process, peak RSS read from /proc. Before the streamed decoder the peak
 * was 1,547 MB over a 95 MB idle host; now it stays under the package size plus 150 MB.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..');
const linux = existsSync('/proc/self/status');

describe.skipIf(!linux)('web host memory', () => {
  it('a 190 MB writeExport peaks near its own size, not five times it', async () => {
    const userData = mkdtempSync(join(tmpdir(), 'ps-hostmem-'));
    const script = `import { parseServeArgs, startWebHost } from ${JSON.stringify(join(root, 'electron/host/serveEntry.ts'))};
const opts = parseServeArgs(['--port', '0', '--user-data', ${JSON.stringify(userData)}], ${JSON.stringify(root)});
const { baseUrl } = await startWebHost(opts);
console.log(JSON.stringify({ url: baseUrl, secret: opts.secret }));`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const info = await new Promise<{ url: string; secret: string }>((r) =>
        child.stdout.once('data', (d) => r(JSON.parse(String(d)))),
      );
      const status = (k: string) =>
        Number(new RegExp(`${k}:\\s+(\\d+)`).exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]) / 1024;
      await new Promise((r) => setTimeout(r, 300));
      const idle = status('VmHWM');
      const MB = 190;
      const data = Buffer.alloc(MB * 1024 * 1024);
      for (let i = 0; i < data.length; i += 4096) data[i] = i & 255;
      const body = Buffer.from(
        JSON.stringify([
          { format: 'pytorch', name: 'big', files: [{ path: 'weights.bin', base64: data.toString('base64') }] },
        ]),
      );
      const r = await new Promise<number>((resolve, reject) => {
        const req = request(
          {
            host: '127.0.0.1',
            port: new URL(info.url).port,
            method: 'POST',
            path: '/api/writeExport',
            headers: {
              'content-type': 'application/json',
              'content-length': body.length,
              'x-perceiver-secret': info.secret,
            },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode!));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
      expect(r).toBe(200);
      const peak = status('VmHWM');
      console.log(
        `writeExport ${MB} MB (body ${(body.length / 2 ** 20).toFixed(0)} MB): idle ${idle.toFixed(0)} MB, peak ${peak.toFixed(0)} MB`,
      );
      expect(statSync(join(userData, 'documents', 'exports', 'big', 'weights.bin')).size).toBe(data.length);
      expect(peak - idle).toBeLessThan(MB + 150);
    } finally {
      child.kill();
    }
  }, 120_000);
});
