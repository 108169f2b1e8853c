/**
 * The no-lost-work logic against a fake host (window.perceiver): what is autosaved and when
 * copies are dropped, how changed and deleted files become conflicts, and how they resolve.
 */
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import templateText from '../../templates/mnist-perceiver-io.json?raw';
import { loadGraphDoc } from '../../engine/graph/load';
import type { PerceiverApi } from '../../electron/ipc-contract';
import { closeTab, getState, initStore, markSaved, newTab, perform } from '../state/store';

const doc = loadGraphDoc(templateText, 'template');
const writes: { tabId: string; text: string }[] = [];
const discards: string[] = [];
const disk = new Map<string, number | null>();

beforeAll(() => {
  const fake: Partial<PerceiverApi> = {
    writeAutosave: async (p) => void writes.push(p),
    discardRecovery: async (p) => void discards.push(p.tabId),
    statFile: async ({ handle }) => {
      const m = disk.get(handle);
      return m === null || m === undefined ? { exists: false, modifiedMs: null } : { exists: true, modifiedMs: m };
    },
  };
  (globalThis as { window?: unknown }).window = { perceiver: fake };
});

let session: typeof import('./session');
beforeEach(async () => {
  writes.length = 0;
  discards.length = 0;
  initStore(doc);
  session = await import('./session');
});

describe('autosave', () => {
  it('writes only unsaved graphs, once per change, and drops the copy after a save or a close', async () => {
    await session.autosaveNow();
    expect(writes).toEqual([]); // nothing unsaved yet
    perform({ type: 'rename', name: 'Edited' });
    await session.autosaveNow();
    await session.autosaveNow();
    expect(writes).toHaveLength(1);
    expect(writes[0]!.tabId).toMatch(/^[a-z0-9]+-tab\d+$/);
    expect(JSON.parse(writes[0]!.text)).toMatchObject({
      format: 'perceiver-studio-autosave/1',
      doc: { name: 'Edited' },
    });
    const tab = getState().tabs[0]!;
    markSaved(tab.id, tab.history.present, { handle: 'a.json', name: 'a.json', modifiedMs: 5 });
    await session.autosaveNow();
    expect(discards).toEqual([writes[0]!.tabId]);

    newTab({ ...doc, name: 'Second' });
    perform({ type: 'rename', name: 'Second, edited' });
    await session.autosaveNow();
    const second = writes[1]!.tabId;
    closeTab(getState().activeTabId);
    await session.autosaveNow();
    expect(discards).toContain(second);
  });
});

describe('files changed on disk', () => {
  it('notices a changed or deleted file, and Keep mine acknowledges it', async () => {
    const tab = getState().tabs[0]!;
    markSaved(tab.id, tab.history.present, { handle: 'net.json', name: 'net.json', modifiedMs: 1000 });
    disk.set('net.json', 1000.4); // sub-millisecond jitter is no change
    await session.checkFiles();
    let conflicts = session.getConflicts();
    expect(conflicts).toEqual([]);

    disk.set('net.json', 2000);
    await session.checkFiles();
    conflicts = session.getConflicts();
    expect(conflicts).toEqual([{ tabId: tab.id, fileName: 'net.json', kind: 'changed', diskModifiedMs: 2000 }]);
    await session.keepMine(conflicts[0]!);
    expect(session.getConflicts()).toEqual([]);
    const after = getState().tabs[0]!;
    expect(after.modifiedMs).toBe(2000); // the next save overwrites the disk version
    expect(after.savedDoc).toBeNull(); // and the tab counts as unsaved until then
    await session.checkFiles();
    expect(session.getConflicts()).toEqual([]);

    disk.set('net.json', null);
    await session.checkFiles();
    expect(session.getConflicts()).toMatchObject([{ kind: 'deleted' }]);
    await session.keepMine(session.getConflicts()[0]!);
    await session.checkFiles();
    expect(session.getConflicts()).toEqual([]); // kept: not asked again while the file is missing
  });
});
