/**
 * Issue 16 through the CLI: a template's data.path cannot pull in a file from outside its folder
 * (nor a device, FIFO, or a symlink out); --data and template files are read with limits, only as
 * regular files; the messages name the file and what to do, with the data-error exit code 3.
 */
import { execFileSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
  ftruncateSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './main.js';

const root = join(__dirname, '..', '..');
const mnist = JSON.parse(readFileSync(join(root, 'templates', 'mnist-perceiver-io.json'), 'utf8')) as Record<
  string,
  unknown
>;
let dir: string;

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { log: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

function templateWithData(name: string, path: string, folder = dir): string {
  const p = join(folder, name);
  writeFileSync(p, JSON.stringify({ ...mnist, data: { source: 'csv', path } }));
  return p;
}

const hasMkfifo = (() => {
  try {
    execFileSync('mkfifo', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ps-cli-hard-'));
  writeFileSync(join(dir, 'mine.csv'), 'a,b,label\n1,2,x\n3,4,y\n');
  mkdirSync(join(dir, 'sub'));
  symlinkSync('/etc/passwd', join(dir, 'passwd-link.csv'));
  writeFileSync(join(dir, 'sub', 'real.csv'), 'a,b,label\n1,2,x\n3,4,y\n');
  symlinkSync(join(dir, 'sub', 'real.csv'), join(dir, 'sub', 'inside-link.csv'));
  symlinkSync(join(dir, 'mine.csv'), join(dir, 'sub', 'up-link.csv'));
});

describe('export: a template data.path stays in the template folder', () => {
  for (const [what, path] of [
    ['/etc/passwd', '/etc/passwd'],
    ['/proc/self/environ', '/proc/self/environ'],
    ['a relative path out of the folder', '../../../../root/.bashrc'],
    ['/dev/zero', '/dev/zero'],
    ['a symlink out of the folder', 'passwd-link.csv'],
    ['a path with a NUL', 'mine.csv\u0000x'],
  ] as const) {
    it(`refuses ${what}, exit 3, nothing written`, async () => {
      const t = templateWithData(`t-${readdirSync(dir).length}.json`, path);
      const out = join(dir, `out-${readdirSync(dir).length}`);
      const r = await cli(['export', t, '--format', 'pytorch', '--out', out]);
      expect(r.code, r.err).toBe(3);
      expect(r.err).toMatch(
        /its data\.path ".*" (is an absolute path|leads out of the template's folder|is a symlink that leads out|contains a NUL)/,
      );
      expect(r.err).toMatch(/--data PATH/);
      expect(existsSync(out)).toBe(false);
    });
  }

  it('copies a file inside the folder (also through a symlink that stays inside)', async () => {
    for (const [name, path, copied] of [
      ['ok.json', 'mine.csv', 'mine.csv'],
      ['sub/ok2.json', 'inside-link.csv', 'real.csv'],
    ] as const) {
      const t = templateWithData(name, path);
      const out = join(dir, `ok-${name.replace('/', '-')}`);
      const r = await cli(['export', t, '--format', 'pytorch', '--out', out]);
      expect(r.code, r.err).toBe(0);
      expect(readFileSync(join(out, 'data', copied), 'utf8')).toBe('a,b,label\n1,2,x\n3,4,y\n');
    }
    // A symlink from a subfolder up to its parent leaves the template's folder: refused.
    const up = await cli([
      'export',
      templateWithData('sub/up.json', 'up-link.csv'),
      '--format',
      'pytorch',
      '--out',
      join(dir, 'up-out'),
    ]);
    expect(up.code).toBe(3);
    expect(up.err).toMatch(/is a symlink that leads out of the template's folder/);
  });

  it('an explicit --data may point anywhere, but only at a regular file', async () => {
    const t = templateWithData('explicit.json', 'mine.csv');
    const out = join(dir, 'explicit-out');
    const outside = join(mkdtempSync(join(tmpdir(), 'ps-elsewhere-')), 'theirs.csv');
    writeFileSync(outside, 'p,q\n1,a\n2,b\n');
    expect((await cli(['export', t, '--format', 'pytorch', '--out', out, '--data', outside])).code).toBe(0);
    expect(readFileSync(join(out, 'data', 'theirs.csv'), 'utf8')).toBe('p,q\n1,a\n2,b\n');
    const dev = await cli(['export', t, '--format', 'pytorch', '--out', join(dir, 'dev-out'), '--data', '/dev/zero']);
    expect(dev.code).toBe(3);
    expect(dev.err).toMatch(/\/dev\/zero: it is a device; give a regular file/);
  });
});

describe('bounded reads of --data and templates', () => {
  it('train --data /dev/zero is refused at once (exit 3), not read forever', async () => {
    const t0 = Date.now();
    const r = await cli(['train', join(root, 'engine/cli/fixtures/tabular-test.json'), '--data', '/dev/zero']);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/\/dev\/zero/);
    // Generous (the command loads tfjs first); without the check it reads /dev/zero until memory runs out.
    expect(Date.now() - t0).toBeLessThan(20_000);
  }, 30_000);

  it.skipIf(!hasMkfifo)('train --data FIFO.csv is refused at once instead of hanging', async () => {
    const fifo = join(dir, 'pipe.csv');
    execFileSync('mkfifo', [fifo]);
    const r = await cli(['train', join(root, 'engine/cli/fixtures/tabular-test.json'), '--data', fifo]);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/pipe\.csv: it is a FIFO \(named pipe\); give a regular file/);
    const t = await cli(['inspect', fifo]);
    expect(t.code).toBe(1);
    expect(t.err).toMatch(/FIFO/);
  });

  it('a 3 GB template is refused by its size before it is read', async () => {
    const big = join(dir, 'huge.json');
    const fd = openSync(big, 'w');
    ftruncateSync(fd, 3 * 1024 ** 3); // sparse: no disk used
    closeSync(fd);
    const before = process.memoryUsage().rss;
    const t0 = Date.now();
    const r = await cli(['inspect', big]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/huge\.json: the template is 3\.0 GiB, over the 16 MiB limit/);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(process.memoryUsage().rss - before).toBeLessThan(200 * 1024 ** 2);
  });

  it('a /dev/zero or /proc template is refused or bounded', async () => {
    expect((await cli(['inspect', '/dev/zero'])).err).toMatch(/it is a device/);
    const r = await cli(['inspect', '/proc/self/environ']);
    expect(r.code).toBe(1);
    expect(r.err).not.toMatch(/PATH=/); // the environment is never echoed back
  });
});

describe('messages name the file and what to do', () => {
  it('a template with a UTF-8 BOM loads; a UTF-16 one says "save it as UTF-8"', async () => {
    const text = readFileSync(join(root, 'templates', 'mnist-perceiver-io.json'), 'utf8');
    writeFileSync(join(dir, 'bom.json'), '\ufeff' + text);
    const ok = await cli(['inspect', join(dir, 'bom.json')]);
    expect(ok.code, ok.err).toBe(0);
    expect(ok.out).toMatch(/total parameters: 96,292/);
    for (const [name, bytes] of [
      ['utf16le.json', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')])],
      ['utf16be.json', Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()])],
      ['utf16-nobom.json', Buffer.from(text, 'utf16le')],
    ] as const) {
      writeFileSync(join(dir, name), bytes);
      const r = await cli(['inspect', join(dir, name)]);
      expect(r.code, name).toBe(1);
      expect(r.err, name).toMatch(/looks like UTF-16 text, not UTF-8: save it as UTF-8/);
    }
  });

  it('JSON nested 5,000 deep says how deep, not "Maximum call stack size exceeded"', async () => {
    writeFileSync(join(dir, 'deep.json'), '['.repeat(5000) + ']'.repeat(5000));
    const r = await cli(['inspect', join(dir, 'deep.json')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/deep\.json nests arrays\/objects more than 256 levels deep/);
    expect(r.err).not.toMatch(/call stack/i);
  });

  it('an empty graph does not pass inspect: it says the template has no nodes', async () => {
    writeFileSync(join(dir, 'empty.json'), JSON.stringify({ schemaVersion: 1, name: 'empty', nodes: [], edges: [] }));
    const r = await cli(['inspect', join(dir, 'empty.json')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/empty\.json has no nodes: it holds no model/);
  });

  it('invalid UTF-8 in a CSV is a data error (exit 3) that names the line', async () => {
    const csv = Buffer.concat([Buffer.from('a,b,label\n1,2,x\n3,4,y\n5,'), Buffer.from([0xe9]), Buffer.from(',z\n')]);
    writeFileSync(join(dir, 'latin1.csv'), csv);
    const r = await cli([
      'train',
      join(root, 'engine/cli/fixtures/tabular-test.json'),
      '--data',
      join(dir, 'latin1.csv'),
    ]);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(
      /latin1\.csv, line 4: byte 3 of the line \(0xe9 2c 7a 0a\) is not UTF-8 text; save the file as UTF-8/,
    );
  });

  it('a 0-row .npy says it holds no examples', async () => {
    const header = "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 3), }";
    const pad = 64 - ((10 + header.length + 1) % 64);
    const h = header + ' '.repeat(pad) + '\n';
    const npy = Buffer.concat([
      Buffer.from([0x93]),
      Buffer.from('NUMPY'),
      Buffer.from([1, 0, h.length & 255, h.length >> 8]),
      Buffer.from(h, 'latin1'),
    ]);
    writeFileSync(join(dir, 'empty.npy'), npy);
    const r = await cli([
      'train',
      join(root, 'engine/cli/fixtures/tabular-test.json'),
      '--data',
      join(dir, 'empty.npy'),
    ]);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/empty\.npy: the array has shape \(0, 3\): it holds no examples/);
    expect(r.err).not.toMatch(/undefined/);
  });
});
