import { mkdtempSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { contractMethods, MAX_DOC_BYTES } from '../ipc-contract.js';
import { GrantedPaths } from '../services/documents.js';
import { createHostApi, createServices, dispatch, type HostConfig } from './hostApi.js';

const templatesDir = join(__dirname, '..', '..', 'templates');
const doc = readFileSync(join(templatesDir, 'mnist-perceiver-io.json'), 'utf8');
const quiet = () => undefined;

function webHost() {
  const config: HostConfig = {
    userData: mkdtempSync(join(tmpdir(), 'ps-host-')),
    templatesDir,
    version: '9.9.9',
    platform: 'linux',
  };
  const services = createServices(config);
  const api = createHostApi(config, services, { shell: 'web', resolver: services.documents });
  const call = (method: string, ...args: unknown[]) => dispatch(api, method, args, quiet);
  return { config, services, api, call };
}

describe('dispatch (web host)', () => {
  it('implements every contract method', () => {
    const { api } = webHost();
    expect(Object.keys(api).sort()).toEqual([...contractMethods].sort());
  });

  it('answers appInfo honestly for the web shell', async () => {
    const { call } = webHost();
    expect(await call('appInfo')).toEqual({
      status: 200,
      body: { result: { version: '9.9.9', shell: 'web', platform: 'linux', nativeDialogs: false } },
    });
  });

  it('refuses unknown methods, prototype keys and malformed payloads with a field', async () => {
    const { call, api } = webHost();
    for (const m of ['nope', '__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      expect((await call(m)).status).toBe(404);
    }
    expect(await dispatch(api, 'listTemplates', { 0: 1 }, quiet)).toMatchObject({
      status: 400,
      body: { error: { field: 'args' } },
    });
    expect(await call('readTemplate', { scope: 'system', name: 'x.json' })).toMatchObject({
      status: 400,
      body: { error: { field: 'scope' } },
    });
    expect(await call('readTemplate')).toMatchObject({ status: 400 });
    expect(await call('listTemplates', 'extra')).toMatchObject({ status: 400 });
    expect(
      await call('saveFile', { handle: null, suggestedName: 'a', text: 'x'.repeat(MAX_DOC_BYTES + 1) }),
    ).toMatchObject({
      status: 400,
      body: { error: { field: 'text' } },
    });
    expect(await call('writeAutosave', { tabId: '../../x', text: '{}' })).toMatchObject({
      status: 400,
      body: { error: { field: 'tabId' } },
    });
    expect(await call('readTemplate', { scope: 'builtin', name: '../../package.json' })).toMatchObject({
      status: 400,
      body: { error: { field: 'name' } },
    });
  });

  it('openFile is an honest 501 in the web host', async () => {
    const { call } = webHost();
    const r = await call('openFile');
    expect(r.status).toBe(501);
    expect(JSON.stringify(r.body)).toMatch(/listDocuments/);
  });

  it('saves a new document, lists it, reopens it identically, and tracks recents', async () => {
    const { call, config } = webHost();
    const saved = (await call('saveFile', { handle: null, suggestedName: 'My net', text: doc })).body as {
      result: { handle: string; modifiedMs: number };
    };
    expect(saved.result.handle).toBe('My net.perceiver.json');
    expect(readFileSync(join(config.userData, 'documents', 'My net.perceiver.json'), 'utf8')).toBe(doc);
    const again = (await call('saveFile', { handle: null, suggestedName: 'My net', text: doc })).body as {
      result: { handle: string };
    };
    expect(again.result.handle).toBe('My net (2).perceiver.json');
    const listed = (await call('listDocuments')).body as { result: { handle: string }[] };
    expect(listed.result.map((d) => d.handle).sort()).toEqual(['My net (2).perceiver.json', 'My net.perceiver.json']);
    const opened = (await call('openDocument', { handle: 'My net.perceiver.json' })).body as {
      result: { text: string; modifiedMs: number };
    };
    expect(opened.result.text).toBe(doc);
    const recent = (await call('listRecent')).body as { result: { handle: string }[] };
    expect(recent.result[0]!.handle).toBe('My net.perceiver.json');
    expect(recent.result).toHaveLength(2);
    await call('clearRecent');
    expect((await call('listRecent')).body).toEqual({ result: [] });
  });

  it('refuses to overwrite a file changed on disk since it was opened', async () => {
    const { call, config } = webHost();
    await call('saveFile', { handle: null, suggestedName: 'n', text: doc });
    const opened = (
      (await call('openDocument', { handle: 'n.perceiver.json' })).body as { result: { modifiedMs: number } }
    ).result;
    const p = join(config.userData, 'documents', 'n.perceiver.json');
    writeFileSync(p, doc.replace('MNIST Perceiver IO', 'Edited elsewhere'));
    utimesSync(p, new Date(), new Date(opened.modifiedMs + 5000));
    const stat = (await call('statFile', { handle: 'n.perceiver.json' })).body as { result: { modifiedMs: number } };
    expect(stat.result.modifiedMs).not.toBe(opened.modifiedMs);
    const r = await call('saveFile', {
      handle: 'n.perceiver.json',
      suggestedName: 'n',
      text: doc,
      expectedModifiedMs: opened.modifiedMs,
    });
    expect(r).toMatchObject({
      status: 409,
      body: { error: { field: 'expectedModifiedMs', message: expect.stringMatching(/changed on disk/) } },
    });
    expect(readFileSync(p, 'utf8')).toMatch(/Edited elsewhere/);
  });

  it('refuses document handles that escape the folder or are symlinks, and invalid documents', async () => {
    const { call, config } = webHost();
    await call('saveFile', { handle: null, suggestedName: 'ok', text: doc });
    symlinkSync('/etc/passwd', join(config.userData, 'documents', 'pw.json'));
    for (const handle of ['../recent.json', '/etc/passwd', 'pw.json', 'a\u0000b.json']) {
      const r = await call('openDocument', { handle });
      expect(r.status, handle).toBeGreaterThanOrEqual(400);
      expect(r.status, handle).toBeLessThan(500);
      expect(r.body).toMatchObject({ error: { field: 'handle' } });
    }
    expect(
      await call('saveFile', { handle: 'ok.perceiver.json', suggestedName: 'ok', text: '{"schemaVersion":1}' }),
    ).toMatchObject({ status: 422 });
  });

  it('autosaves, lists and discards recovery copies; the session keeps only resolvable handles', async () => {
    const { call } = webHost();
    await call('writeAutosave', { tabId: 'tab-1', text: doc });
    expect(await call('writeAutosave', { tabId: 'tab-2', text: 'not json' })).toMatchObject({
      status: 400,
      body: { error: { field: 'text' } },
    });
    const rec = (await call('listRecovery')).body as { result: { tabId: string; text: string }[] };
    expect(rec.result.map((r) => [r.tabId, r.text === doc])).toEqual([['tab-1', true]]);
    await call('discardRecovery', { tabId: 'tab-1' });
    expect((await call('listRecovery')).body).toEqual({ result: [] });

    await call('saveFile', { handle: null, suggestedName: 's', text: doc });
    await call('setSession', { handles: ['s.perceiver.json', '../escape.json', 'missing.json'] });
    expect((await call('getSession')).body).toEqual({ result: { handles: ['s.perceiver.json', 'missing.json'] } });
  });

  it('opens only allow-listed external links', async () => {
    const { call } = webHost();
    expect(await call('openExternal', { url: 'https://github.com/deepmind/deepmind-research' })).toEqual({
      status: 200,
      body: { result: { opened: false } },
    });
    for (const url of [
      'http://github.com/',
      'https://github.com.evil.example/',
      'javascript:alert(1)',
      'file:///etc/passwd',
      'https://user:pw@github.com/',
    ]) {
      expect((await call('openExternal', { url })).status, url).toBe(403);
    }
  });

  it('reports a non-service failure as a 500 without throwing', async () => {
    const { config, services } = webHost();
    const api = createHostApi(config, services, {
      shell: 'web',
      resolver: {
        resolve: async () => {
          throw new TypeError('boom');
        },
        nameOf: (h) => h,
      },
    });
    const logged: string[] = [];
    const r = await dispatch(api, 'openDocument', [{ handle: 'x.json' }], (m) => logged.push(m));
    expect(r).toMatchObject({ status: 500, body: { error: { message: 'openDocument failed: boom' } } });
    expect(logged[0]).toMatch(/TypeError: boom/);
  });
});

describe('Electron handles (GrantedPaths)', () => {
  it('accepts only paths main granted, plus recent/session ones', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ps-granted-'));
    const chosen = join(dir, 'chosen.perceiver.json');
    const recent = join(dir, 'recent.json');
    writeFileSync(chosen, doc);
    writeFileSync(recent, doc);
    const g = new GrantedPaths(async () => [recent]);
    await expect(g.resolve(chosen)).rejects.toMatchObject({ status: 403 });
    expect(g.grant(chosen)).toBe(chosen);
    expect(await g.resolve(chosen)).toBe(chosen);
    expect(await g.resolve(recent)).toBe(recent);
    await expect(g.resolve(join(dir, 'sub', '..', '..', 'x.json'))).rejects.toMatchObject({ status: 403 });
    await expect(g.resolve('relative.json')).rejects.toThrow(/dialog/);
    await expect(g.resolve('/etc/passwd')).rejects.toThrow(/not a .json/);
    symlinkSync(chosen, join(dir, 'link.json'));
    g.grant(join(dir, 'link.json'));
    await expect(g.resolve(join(dir, 'link.json'))).rejects.toThrow(/symbolic link/);
  });

  it('routes dialogs through the hooks: cancel gives null, a chosen file is saved and recent', async () => {
    const config: HostConfig = {
      userData: mkdtempSync(join(tmpdir(), 'ps-el-')),
      templatesDir,
      version: '1',
      platform: 'linux',
    };
    const services = createServices(config);
    const granted = new GrantedPaths(async () => (await services.recent.list()).map((e) => e.handle));
    let next: string | null = null;
    const api = createHostApi(config, services, {
      shell: 'electron',
      resolver: granted,
      pickFileToOpen: async () => (next ? granted.grant(next) : null),
      pickFileToSave: async () => (next ? granted.grant(next) : null),
    });
    expect((await api.appInfo()).nativeDialogs).toBe(true);
    expect(await api.openFile()).toBeNull();
    expect(await api.saveFile({ handle: null, suggestedName: 'x', text: doc })).toBeNull();
    next = join(config.userData, 'out.perceiver.json');
    const saved = await api.saveFile({ handle: null, suggestedName: 'x', text: doc });
    expect(saved?.handle).toBe(next);
    expect(readFileSync(next, 'utf8')).toBe(doc);
    expect((await api.openFile())?.text).toBe(doc);
    const exported = await api.exportTemplate({ scope: 'builtin', name: 'mnist-perceiver-io.json' });
    expect(exported?.handle).toBe(next);
    // A fresh resolver (as after a restart) still accepts the recent file, nothing else.
    const fresh = new GrantedPaths(async () => (await services.recent.list()).map((e) => e.handle));
    expect(await fresh.resolve(next)).toBe(next);
  });
});

describe('writeExport (web host)', () => {
  it('writes the package under documents/exports and refuses hostile payloads', async () => {
    const { call, config } = webHost();
    const files = [
      { path: 'model.py', base64: Buffer.from('x = 1\n').toString('base64') },
      { path: 'data/mnist.npz', base64: Buffer.from([1, 2, 3]).toString('base64') },
    ];
    const r = await call('writeExport', { format: 'pytorch', name: 'net-pytorch', files });
    expect(r).toEqual({
      status: 200,
      body: { result: { name: 'net-pytorch', location: 'documents/exports/net-pytorch', files: 2, bytes: 9 } },
    });
    expect(readFileSync(join(config.userData, 'documents', 'exports', 'net-pytorch', 'model.py'), 'utf8')).toBe(
      'x = 1\n',
    );
    // The documents list (graphs) is not cluttered by export folders.
    expect((await call('listDocuments')).body).toEqual({ result: [] });
    expect(await call('writeExport', { format: 'keras', name: 'n', files })).toMatchObject({
      status: 400,
      body: { error: { field: 'format' } },
    });
    // onnx is a PyTorch package the host then runs export_onnx.py in; without that file it says so.
    const onnx = await call('writeExport', { format: 'onnx', name: 'net-onnx', files });
    expect(onnx).toMatchObject({
      status: 200,
      body: {
        result: {
          name: 'net-onnx',
          onnx: { written: false, message: expect.stringMatching(/has no export_onnx\.py/) },
        },
      },
    });
    expect(await call('writeExport', { format: 'tfjs', name: 'n', files: [] })).toMatchObject({
      status: 400,
      body: { error: { field: 'files' } },
    });
    expect(
      await call('writeExport', { format: 'tfjs', name: 'n', files: [{ path: '../../x.js', base64: '' }] }),
    ).toMatchObject({
      status: 400,
      body: { error: { field: 'files.0.path' } },
    });
    expect(await call('writeExport', { format: 'tfjs', name: '..', files })).toMatchObject({
      status: 400,
      body: { error: { field: 'name' } },
    });
  });
});
