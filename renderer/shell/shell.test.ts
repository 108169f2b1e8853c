import { describe, expect, it } from 'vitest';
import { createTemplateDoc } from '../defaultDoc';
import {
  closeTab,
  getState,
  initStore,
  newTab,
  perform,
  reopenClosedTab,
  requestCloseTab,
  restoreTabs,
} from '../state/store';
import { decodeReloadSession, encodeReloadSession } from '../session/reloadSession';
import type { TrainState } from '../training/trainer';
import { runEndOf, runProgress, windowTitle } from './runEnd';

const base = {
  runId: 3,
  docName: 'Net',
  seconds: 75,
  test: null,
  message: '',
  error: null,
  refusal: null,
} as unknown as TrainState;

describe('run end and progress', () => {
  it('a finished run names the graph, the test metric and the time', () => {
    const e = runEndOf(
      { status: 'running' },
      { ...base, status: 'done', test: { accuracy: 0.9512, loss: 0.2, confusion: [] } },
    );
    expect(e).toEqual({
      runId: 3,
      ok: true,
      title: 'Training finished: “Net”',
      body: '95.1% test accuracy in 1m 15s.',
    });
    // Stopped by the user: no notice (they were looking).
    expect(runEndOf({ status: 'stopping' }, { ...base, status: 'stopped' })).toBeNull();
    expect(runEndOf({ status: 'running' }, { ...base, status: 'error', error: 'out of memory' })).toMatchObject({
      ok: false,
      body: 'out of memory',
    });
    expect(
      runEndOf(
        { status: 'running' },
        { ...base, status: 'done', test: { accuracy: 0.0123, loss: 0, confusion: [], metric: 'mse' } },
      )!.body,
    ).toBe('test MSE 0.0123 in 1m 15s.');
  });
  it('only a transition from a running run counts', () => {
    expect(runEndOf({ status: 'done' }, { ...base, status: 'done' })).toBeNull();
    expect(runEndOf({ status: 'idle' }, { ...base, status: 'error' })).toBeNull();
    expect(runEndOf({ status: 'running' }, { ...base, status: 'running' })).toBeNull();
  });
  it('progress is the share of all steps done; the title leads with it while training', () => {
    const last = { epoch: 1, step: 50, stepsPerEpoch: 100, totalSteps: 400 } as TrainState['last'];
    expect(runProgress({ status: 'running', last })).toBeCloseTo(0.375);
    expect(runProgress({ status: 'done', last })).toBeNull();
    expect(windowTitle('Net', true, 0.375)).toBe('37% training · Net • — Perceiver Studio');
    expect(windowTitle('Net', false, null)).toBe('Net — Perceiver Studio');
  });
});

describe('tabs: close, reopen, reload', () => {
  it('a changed tab asks before closing; closed tabs come back newest first with their history', () => {
    initStore(createTemplateDoc());
    newTab({ ...createTemplateDoc(), name: 'B', nodes: [], edges: [], groups: [] }, { blank: true });
    const b = getState().activeTabId;
    requestCloseTab(b);
    expect(getState().tabs).toHaveLength(1); // blank and unchanged: closed at once
    expect(reopenClosedTab()).toBe(true);
    perform({ type: 'rename', name: 'B2' });
    requestCloseTab(getState().activeTabId);
    expect(getState().closePrompt).toBe(getState().activeTabId);
    closeTab(getState().closePrompt!);
    expect(getState().closePrompt).toBeNull();
    reopenClosedTab();
    const back = getState().tabs.find((t) => t.id === getState().activeTabId)!;
    expect(back.history.present.name).toBe('B2');
    expect(back.history.past.length).toBe(1);
    expect(reopenClosedTab()).toBe(false);
  });
  it('the reload session round-trips tabs (dirty ones stay unsaved) and skips a broken one', () => {
    const doc = createTemplateDoc();
    const text = encodeReloadSession({
      session: 's1',
      active: 1,
      tabs: [
        { doc, dirty: false, handle: 'a.json', fileName: 'a.json', modifiedMs: 5 },
        { doc: { ...doc, name: 'Mine' }, dirty: true, handle: null, fileName: null },
      ],
    });
    const { session } = decodeReloadSession(text);
    expect(session!.tabs.map((t) => [t.doc.name, t.dirty, t.handle])).toEqual([
      [doc.name, false, 'a.json'],
      ['Mine', true, null],
    ]);
    initStore(doc);
    restoreTabs(session!.tabs, session!.active);
    const s = getState();
    expect(s.tabs.find((t) => t.id === s.activeTabId)!.history.present.name).toBe('Mine');
    expect(s.tabs.find((t) => t.id === s.activeTabId)!.savedDoc).toBeNull();
    const broken = JSON.parse(text);
    broken.tabs[0].doc = { nodes: 'x' };
    const r = decodeReloadSession(JSON.stringify(broken));
    expect(r.session!.tabs).toHaveLength(1);
    expect(r.skipped[0]).toMatch(/Open tab 1/);
    expect(decodeReloadSession('not json').session).toBeNull();
  });
});
