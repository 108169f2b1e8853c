import { describe, expect, it } from 'vitest';
import { contractEvents, contractMethods } from './ipc-contract.js';
import { createPreloadApi, HostCallError, INVOKE_CHANNEL, MENU_CHANNEL, type Envelope } from './preloadApi.js';

function harness(reply: (method: string, args: unknown[]) => Envelope) {
  const calls: [string, string, unknown[]][] = [];
  const listeners = new Map<string, (p: unknown) => void>();
  const api = createPreloadApi(
    async (channel, method, args) => {
      calls.push([channel, method, args]);
      return reply(method, args);
    },
    (channel, listener) => {
      listeners.set(channel, listener);
      return () => listeners.delete(channel);
    },
  );
  return { api, calls, listeners };
}

describe('window.perceiver (preload)', () => {
  it('exposes exactly the contract’s methods and events, frozen', () => {
    const { api } = harness(() => ({ result: null }));
    expect(Object.keys(api).sort()).toEqual([...contractMethods, ...contractEvents].sort());
    expect(Object.isFrozen(api)).toBe(true);
  });

  it('forwards arguments over the one invoke channel and unwraps results and errors', async () => {
    const { api, calls } = harness((method) =>
      method === 'readTemplate' ? { error: { message: 'nope', field: 'name' } } : { result: { shell: 'electron' } },
    );
    expect(await api.appInfo()).toEqual({ shell: 'electron' });
    const err = await api.readTemplate({ scope: 'user', name: 'x.json' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostCallError);
    expect(err).toMatchObject({ message: 'nope', field: 'name' });
    expect(calls).toEqual([
      [INVOKE_CHANNEL, 'appInfo', []],
      [INVOKE_CHANNEL, 'readTemplate', [{ scope: 'user', name: 'x.json' }]],
    ]);
  });

  it('delivers only valid menu commands, and unsubscribes', () => {
    const { api, listeners } = harness(() => ({ result: null }));
    const got: unknown[] = [];
    const off = api.onMenuCommand((c) => got.push(c));
    const emit = listeners.get(MENU_CHANNEL)!;
    emit({ command: 'save' });
    emit({ command: 'openHandle', handle: '/a.json' });
    emit({ command: 'rm -rf' });
    emit({ command: 'save', extra: { evil: true } });
    expect(got).toEqual([{ command: 'save' }, { command: 'openHandle', handle: '/a.json' }, { command: 'save' }]);
    off();
    expect(listeners.has(MENU_CHANNEL)).toBe(false);
  });
});
