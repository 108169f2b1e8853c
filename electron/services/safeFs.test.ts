import { mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ServiceError } from './errors.js';
import {
  atomicWrite,
  checkFileName,
  pathInside,
  readTextLimited,
  uniqueName,
  withTemplateExtension,
} from './safeFs.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'ps-safefs-'));

describe('checkFileName', () => {
  it('accepts plain names, including unicode and spaces', () => {
    for (const n of ['net.json', 'My net (2).perceiver.json', 'réseau-λ.json']) expect(checkFileName(n)).toBe(n);
  });
  const hostile: [string, RegExp][] = [
    ['', /required/],
    ['..', /\.\./],
    ['../evil.json', /\.\./],
    ['a/../../b.json', /\.\./],
    ['/etc/passwd', /plain file name/],
    ['C:\\Windows\\x.json', /plain file name/],
    ['sub/dir.json', /plain file name/],
    ['nul\u0000.json', /NUL/],
    ['bell\u0007.json', /control/],
    ['.hidden.json', /dot/],
    ['trailing. ', /end with/],
    ['CON.json', /reserved/],
    ['x'.repeat(201), /too long/],
    ['é'.repeat(101), /too long/], // 202 bytes in UTF-8
  ];
  for (const [name, why] of hostile) {
    it(`refuses ${JSON.stringify(name.slice(0, 40))}`, () => {
      let err: unknown;
      try {
        checkFileName(name, 'name');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ServiceError);
      expect((err as ServiceError).message).toMatch(why);
      expect((err as ServiceError).field).toBe('name');
    });
  }
  it('refuses non-strings', () => {
    expect(() => checkFileName(42 as unknown)).toThrow(ServiceError);
    expect(() => checkFileName(['a.json'] as unknown)).toThrow(ServiceError);
  });
});

describe('pathInside', () => {
  it('resolves a direct child and refuses symlinks (even to a file inside)', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'real.json'), '{}');
    symlinkSync('/etc/hostname', join(dir, 'link.json'));
    symlinkSync(join(dir, 'real.json'), join(dir, 'inner-link.json'));
    expect(await pathInside(dir, 'real.json')).toBe(join(dir, 'real.json'));
    await expect(pathInside(dir, 'link.json')).rejects.toThrow(/symbolic link/);
    await expect(pathInside(dir, 'inner-link.json')).rejects.toThrow(/symbolic link/);
    await expect(pathInside(dir, '../x.json')).rejects.toThrow(ServiceError);
  });
});

describe('readTextLimited', () => {
  it('refuses oversized files before reading them, and missing files with 404', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'big.json'), 'x'.repeat(2048));
    await expect(readTextLimited(join(dir, 'big.json'), 1024)).rejects.toMatchObject({
      status: 413,
      message: expect.stringMatching(/refused/),
    });
    await expect(readTextLimited(join(dir, 'none.json'))).rejects.toMatchObject({ status: 404 });
    expect((await readTextLimited(join(dir, 'big.json'), 4096)).text.length).toBe(2048);
  });
  it('does not follow a symlink', async () => {
    const dir = tmp();
    symlinkSync('/etc/hostname', join(dir, 'l.json'));
    await expect(readTextLimited(join(dir, 'l.json'))).rejects.toThrow(/symbolic link/);
  });
});

describe('atomicWrite', () => {
  it('replaces the file in one step and leaves no temp files behind', async () => {
    const dir = tmp();
    const p = join(dir, 'doc.json');
    writeFileSync(p, 'old');
    await atomicWrite(p, 'new content');
    expect(readFileSync(p, 'utf8')).toBe('new content');
    expect(readdirSync(dir)).toEqual(['doc.json']);
  });
  it('refuses to write through a symlink', async () => {
    const dir = tmp();
    const outside = join(tmp(), 'target.json');
    writeFileSync(outside, 'keep');
    symlinkSync(outside, join(dir, 'doc.json'));
    await expect(atomicWrite(join(dir, 'doc.json'), 'overwrite')).rejects.toThrow(/symbolic link/);
    expect(readFileSync(outside, 'utf8')).toBe('keep');
  });
});

describe('names', () => {
  it('adds the template extension and finds free copy names', async () => {
    expect(withTemplateExtension('net')).toBe('net.perceiver.json');
    expect(withTemplateExtension('net.json')).toBe('net.json');
    const dir = tmp();
    writeFileSync(join(dir, 'net.perceiver.json'), '');
    writeFileSync(join(dir, 'net (2).perceiver.json'), '');
    expect(await uniqueName(dir, 'net.perceiver.json')).toBe('net (3).perceiver.json');
    expect(await uniqueName(dir, 'other.json')).toBe('other.json');
  });
});
