/** `npm start` without an Electron binary: one line says so, the UI is served on 127.0.0.1, Ctrl+C stops it. */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..');

async function electronInstalled(): Promise<boolean> {
  // start.mjs's own check (require('electron') would try to download a missing binary).
  const { findElectron } = (await import(pathToFileURL(join(root, 'scripts', 'start.mjs')).href)) as {
    findElectron: () => { path: string | null };
  };
  return findElectron().path !== null;
}

describe('scripts/start.mjs', () => {
  it('falls back to the loopback web host with one explanatory line, and stops on SIGINT', async () => {
    const withElectron = await electronInstalled();
    // Where Electron is installed, --web asks for the same fallback explicitly.
    const args = [
      'scripts/start.mjs',
      '--no-build',
      '--port',
      '0',
      '--user-data',
      mkdtempSync(join(tmpdir(), 'ps-start-')),
      ...(withElectron ? ['--web'] : []),
    ];
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const [url, key] = await new Promise<[string, string]>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL printed within 60 s:\n${out}`)), 60_000);
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        // Issue 16: the URL carries this launch's key after "#" (one click opens the app).
        const m = /Perceiver Studio at (http:\/\/127\.0\.0\.1:\d+\/)#key=([A-Za-z0-9_-]{43}) /.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve([m[1]!, m[2]!]);
        }
      });
      child.on('exit', () => reject(new Error(`exited early:\n${out}`)));
    });
    const lines = out.trim().split('\n');
    if (!withElectron) {
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(/Electron binary is not installed.*node node_modules\/electron\/install\.js/);
    }
    const info = await fetch(new URL('api/appInfo', url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-perceiver-secret': key },
      body: '[]',
    });
    expect(await info.json()).toMatchObject({ result: { shell: 'web' } });
    const keyless = await fetch(new URL('api/appInfo', url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '[]',
    });
    expect(keyless.status).toBe(401);
    const code = await new Promise<number | null>((resolve) => {
      child.on('exit', (c) => resolve(c));
      child.kill('SIGINT');
    });
    expect(code).toBe(0);
  });
});
