import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TemplateLibrary, TRASH_KEEP_MS } from './templates.js';

const repoTemplates = join(__dirname, '..', '..', 'templates');
const DEFAULT = 'mnist-perceiver-io.json';
const defaultText = readFileSync(join(repoTemplates, DEFAULT), 'utf8');

function library(now?: () => number) {
  const root = mkdtempSync(join(tmpdir(), 'ps-lib-'));
  const builtinDir = join(root, 'builtin');
  mkdirSync(builtinDir);
  copyFileSync(join(repoTemplates, DEFAULT), join(builtinDir, DEFAULT));
  const userDir = join(root, 'user');
  return { lib: new TemplateLibrary({ builtinDir, userDir, now }), builtinDir, userDir };
}

describe('TemplateLibrary', () => {
  it('lists every shipped template as valid, the default at 96,292 parameters', async () => {
    const lib = new TemplateLibrary({ builtinDir: repoTemplates, userDir: mkdtempSync(join(tmpdir(), 'ps-u-')) });
    const all = await lib.list();
    expect(all.length).toBeGreaterThan(0);
    for (const t of all) expect({ name: t.name, problem: t.problem }).toEqual({ name: t.name, problem: undefined });
    const def = all.find((t) => t.name === DEFAULT)!;
    expect(def).toMatchObject({ scope: 'builtin', title: 'MNIST Perceiver IO', totalParams: 96292 });
    expect(def.tags).toContain('mnist');
    expect(def.preview!.nodes).toHaveLength(9);
    expect(def.preview!.edges).toHaveLength(8);
    for (const n of def.preview!.nodes) for (const v of [n.x, n.y]) expect(v >= 0 && v <= 1).toBe(true);
  });

  it('saves, duplicates, renames, deletes to the trash and restores', async () => {
    const { lib, userDir } = library();
    const saved = await lib.save({ name: 'mine', text: defaultText });
    expect(saved).toEqual({ scope: 'user', name: 'mine.perceiver.json' });
    await expect(lib.save({ name: 'mine', text: defaultText })).rejects.toMatchObject({ status: 409, field: 'name' });
    await lib.save({ name: 'mine', text: defaultText, overwrite: true });

    const dup = await lib.duplicate({ from: { scope: 'builtin', name: DEFAULT } });
    expect(dup.name).toBe('mnist-perceiver-io copy.json');
    const dup2 = await lib.duplicate({ from: { scope: 'builtin', name: DEFAULT } });
    expect(dup2.name).toBe('mnist-perceiver-io copy (2).json');

    const renamed = await lib.rename({ name: dup.name, newName: 'renamed' });
    expect(renamed.name).toBe('renamed.perceiver.json');
    await expect(lib.rename({ name: 'renamed.perceiver.json', newName: 'mine.perceiver.json' })).rejects.toMatchObject({
      status: 409,
    });

    const trashed = await lib.delete({ name: 'mine.perceiver.json' });
    expect(existsSync(join(userDir, 'mine.perceiver.json'))).toBe(false);
    expect((await lib.listTrash()).map((t) => t.name)).toEqual(['mine.perceiver.json']);
    // The name was taken again meanwhile: the restored file gets a fresh one rather than clobbering it.
    await lib.save({ name: 'mine', text: defaultText });
    const restored = await lib.restore({ trashId: trashed.trashId });
    expect(restored.name).toBe('mine (2).perceiver.json');
    expect(await lib.listTrash()).toEqual([]);
    const names = (await lib.list())
      .filter((t) => t.scope === 'user')
      .map((t) => t.name)
      .sort();
    expect(names).toEqual([
      'mine (2).perceiver.json',
      'mine.perceiver.json',
      'mnist-perceiver-io copy (2).json',
      'renamed.perceiver.json',
    ]);
    for (const t of await lib.list()) expect(t.totalParams).toBe(96292);
  });

  it('refuses invalid templates with a message naming the problem, and writes nothing', async () => {
    const { lib, userDir } = library();
    await expect(lib.save({ name: 'bad', text: defaultText.slice(0, 300) })).rejects.toMatchObject({
      status: 422,
      message: expect.stringMatching(/not valid JSON/),
    });
    await expect(
      lib.import({ fileName: 'x.json', text: '{"schemaVersion": 99, "name": "x", "nodes": [], "edges": []}' }),
    ).rejects.toThrow(/schemaVersion 99/);
    await expect(lib.import({ fileName: 'x.json', text: '{"__proto__": {"polluted": 1}}' })).rejects.toThrow(
      /forbidden key/,
    );
    expect(existsSync(userDir) ? readdirSync(userDir) : []).toEqual([]);
  });

  it('imports under a free name', async () => {
    const { lib } = library();
    expect((await lib.import({ fileName: 'net.json', text: defaultText })).name).toBe('net.json');
    expect((await lib.import({ fileName: 'net.json', text: defaultText })).name).toBe('net (2).json');
  });

  it('keeps built-ins read-only and names cannot escape the folders', async () => {
    const { lib, builtinDir } = library();
    await expect(lib.delete({ name: DEFAULT })).rejects.toMatchObject({ status: 404 });
    expect(existsSync(join(builtinDir, DEFAULT))).toBe(true);
    for (const name of ['../builtin/' + DEFAULT, '/etc/passwd', '..', 'a\u0000.json']) {
      await expect(lib.read({ scope: 'user', name })).rejects.toMatchObject({ field: 'name' });
      await expect(lib.save({ name, text: defaultText })).rejects.toMatchObject({ field: 'name' });
      await expect(lib.rename({ name: DEFAULT, newName: name })).rejects.toMatchObject({ status: 400 });
    }
    await expect(lib.restore({ trashId: '../../etc' })).rejects.toMatchObject({ field: 'trashId' });
  });

  it('does not list or read symlinks, and reports broken files instead of failing the list', async () => {
    const { lib, userDir } = library();
    mkdirSync(userDir, { recursive: true });
    symlinkSync('/etc/passwd', join(userDir, 'passwd.json'));
    writeFileSync(join(userDir, 'broken.json'), '{ nope');
    await expect(lib.read({ scope: 'user', name: 'passwd.json' })).rejects.toThrow(/symbolic link/);
    const user = (await lib.list()).filter((t) => t.scope === 'user');
    expect(user.map((t) => t.name)).toEqual(['broken.json']);
    expect(user[0]).toMatchObject({ totalParams: null, problem: expect.stringMatching(/not valid JSON/) });
  });

  it('purges trash entries older than the keep period', async () => {
    let t = 1_000_000;
    const { lib } = library(() => t);
    await lib.save({ name: 'old', text: defaultText });
    await lib.delete({ name: 'old.perceiver.json' });
    expect(await lib.listTrash()).toHaveLength(1);
    t += TRASH_KEEP_MS + 1;
    expect(await lib.listTrash()).toEqual([]);
  });
});
