/**
 * window.perceiver, generated from the contract's method list: each method forwards its
 * arguments over one invoke channel and unwraps `{result}` / `{error}`; onMenuCommand listens on
 * one event channel. Plain code (no electron import) so it is unit-tested in Node; preload.ts
 * wires it to ipcRenderer and contextBridge.
 */
import { contractMethods, menuCommandSchema, type MenuCommand, type PerceiverApi } from './ipc-contract.js';

export const INVOKE_CHANNEL = 'perceiver:invoke';
export const MENU_CHANNEL = 'perceiver:menu';

export type Envelope = { result: unknown } | { error: { message: string; field?: string } };

/** An Error that carries the payload field at fault, as the web client's errors do. */
export class HostCallError extends Error {
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'HostCallError';
  }
}

export function createPreloadApi(
  invoke: (channel: string, method: string, args: unknown[]) => Promise<Envelope>,
  subscribe: (channel: string, listener: (payload: unknown) => void) => () => void,
): PerceiverApi {
  const api: Record<string, unknown> = {};
  for (const method of contractMethods) {
    api[method] = async (...args: unknown[]) => {
      const r = await invoke(INVOKE_CHANNEL, method, args);
      if (r && typeof r === 'object' && 'error' in r) throw new HostCallError(r.error.message, r.error.field);
      return (r as { result: unknown }).result;
    };
  }
  api.onMenuCommand = (cb: (cmd: MenuCommand) => void) => {
    if (typeof cb !== 'function') throw new TypeError('onMenuCommand needs a callback.');
    // Only the validated command reaches the page, never Electron's event object.
    return subscribe(MENU_CHANNEL, (payload) => {
      const parsed = menuCommandSchema.safeParse(payload);
      if (parsed.success) cb(parsed.data as MenuCommand);
    });
  };
  return Object.freeze(api) as unknown as PerceiverApi;
}
