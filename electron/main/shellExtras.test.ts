/** Issue 17's main-process logic: graph file types, the log file, recovery after a renderer crash. */
import { mkdtempSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GrantedPaths } from '../services/documents.js';
import { isGraphFile, saveNameFor, withGraphExtension } from './fileTypes.js';
import { LogFile } from './logFile.js';
import { RELOAD_WINDOW_MS, RELOADS_ALLOWED, RendererRecovery } from './rendererRecovery.js';

describe('graph file types', () => {
  it('opens .perceiver (our own extension) and .json files, nothing else', () => {
    for (const p of ['/a/net.perceiver', '/a/NET.PERCEIVER', '/a/net.perceiver.json', '/a/t.json'])
      expect(isGraphFile(p)).toBe(true);
    for (const p of ['/a/net.perceiver.bak', '/a/readme.md', '/a/perceiver', '/a/x.jsonl'])
      expect(isGraphFile(p)).toBe(false);
  });
  it('a new file is saved as .perceiver; a typed name without extension gets it', () => {
    expect(saveNameFor('my-net.perceiver.json')).toBe('my-net.perceiver');
    expect(saveNameFor('my-net.json')).toBe('my-net.perceiver');
    expect(saveNameFor('my-net')).toBe('my-net.perceiver');
    expect(saveNameFor('.json')).toBe('graph.perceiver');
    expect(withGraphExtension('/home/u/net')).toBe('/home/u/net.perceiver');
    expect(withGraphExtension('/home/u/net.json')).toBe('/home/u/net.json');
  });
  it('the host grants .perceiver files too (and still refuses other files)', () => {
    const g = new GrantedPaths(async () => []);
    expect(g.grant('/home/u/net.perceiver')).toBe('/home/u/net.perceiver');
    expect(() => g.grant('/home/u/notes.txt')).toThrow(/not a \.json template or \.perceiver graph file/);
  });
});

describe('log file', () => {
  it('appends one line per event with time and level, continuation lines indented', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'ps-log-')), 'logs');
    const log = new LogFile(dir, 1024 * 1024, () => new Date('2026-01-02T03:04:05.000Z'));
    log.info('starting');
    log.error('boom\n  at x');
    expect(readFileSync(log.path, 'utf8')).toBe(
      '2026-01-02T03:04:05.000Z INFO  starting\n2026-01-02T03:04:05.000Z ERROR boom\n      at x\n',
    );
  });
  it('rotates to main.old.log at the size cap', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ps-log-'));
    const log = new LogFile(dir, 200);
    for (let i = 0; i < 10; i++) log.info(`line ${i} ${'x'.repeat(30)}`);
    expect(existsSync(log.oldPath)).toBe(true);
    expect(readFileSync(log.path, 'utf8').length).toBeLessThan(260);
    expect(readFileSync(log.path, 'utf8')).toContain('line 9');
  });
  it('never throws when the folder cannot be written', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ps-log-'));
    const file = join(dir, 'not-a-dir');
    writeFileSync(file, 'x');
    expect(() => new LogFile(join(file, 'logs')).error('x')).not.toThrow();
  });
});

describe('renderer process gone', () => {
  it('reloads after a crash, up to a limit per minute, then gives up with a message', () => {
    let t = 0;
    const r = new RendererRecovery(() => t);
    for (let i = 0; i < RELOADS_ALLOWED; i++) expect(r.onGone('crashed').action).toBe('reload');
    const d = r.onGone('oom');
    expect(d.action).toBe('give-up');
    expect(d.action === 'give-up' && d.message).toMatch(/Restore/);
    t += RELOAD_WINDOW_MS + 1;
    expect(r.onGone('killed').action).toBe('reload');
  });
  it('a clean exit is not a crash', () => {
    expect(new RendererRecovery().onGone('clean-exit').action).toBe('ignore');
  });
});
