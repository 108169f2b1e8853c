import { describe, expect, it } from 'vitest';
import templateText from '../../templates/mnist-perceiver-io.json?raw';
import { loadGraphDoc, serializeGraphDoc } from '../../engine/graph/load';
import { autosaveId, isOwnAutosave, planStart, unwrapAutosave, wrapAutosave } from './recoveryFormat';

const doc = loadGraphDoc(templateText, 'template');

describe('autosave format', () => {
  it('round-trips the graph and the file it belongs to', () => {
    const edited = { ...doc, name: 'Edited', nodes: doc.nodes.slice(0, 3) };
    const text = wrapAutosave(edited, {
      handle: 'net.perceiver.json',
      fileName: 'net.perceiver.json',
      modifiedMs: 1234.5,
    });
    const back = unwrapAutosave({ tabId: 'abc-tab1', text, savedMs: 99 });
    expect(back).toMatchObject({
      tabId: 'abc-tab1',
      savedMs: 99,
      handle: 'net.perceiver.json',
      fileName: 'net.perceiver.json',
      modifiedMs: 1234.5,
    });
    expect(serializeGraphDoc(back.doc)).toBe(serializeGraphDoc(edited));
  });

  it('accepts a bare graph and refuses what is not one, naming the copy', () => {
    expect(unwrapAutosave({ tabId: 'x', text: serializeGraphDoc(doc), savedMs: 1 }).handle).toBeNull();
    expect(() =>
      unwrapAutosave({
        tabId: 'bad-1',
        text: '{"format":"perceiver-studio-autosave/1","doc":{"nodes":3}}',
        savedMs: 1,
      }),
    ).toThrow(/bad-1/);
    expect(() => unwrapAutosave({ tabId: 'bad-2', text: 'not json', savedMs: 1 })).toThrow(/bad-2.*not JSON/);
    expect(() =>
      unwrapAutosave({ tabId: 'bad-3', text: '{"__proto__":{"x":1},"schemaVersion":1}', savedMs: 1 }),
    ).toThrow();
  });

  it('tells this session’s copies from earlier ones', () => {
    expect(autosaveId('s1a2', 'tab3')).toBe('s1a2-tab3');
    expect(isOwnAutosave('s1a2', 's1a2-tab3')).toBe(true);
    expect(isOwnAutosave('s1a2', 's1a22-tab3')).toBe(false);
  });

  it('reopens the last session by itself in Electron and offers it in the web host', () => {
    expect(planStart('electron', ['/a.json', '/a.json', '/b.json'], 2)).toEqual({
      reopen: ['/a.json', '/b.json'],
      offerReopen: [],
      showRecovery: true,
    });
    expect(planStart('electron', [], 0)).toEqual({ reopen: [], offerReopen: [], showRecovery: false });
    expect(planStart('web', ['a.json'], 3)).toEqual({ reopen: [], offerReopen: ['a.json'], showRecovery: false });
  });
});
