/**
 * The host API: Electron's preload exposes it as window.perceiver; served in a browser, the
 * loopback web host answers the same methods at POST /api/<method> (wire format documented in
 * electron/ipc-contract.ts). Both sides share one contract, so the UI never knows which it has.
 */
import {
  contractMethods,
  type ApiErrorPayload,
  type ContractMethod,
  type PerceiverApi,
} from '../electron/ipc-contract';

export class HostError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'HostError';
  }
}

declare global {
  interface Window {
    perceiver?: PerceiverApi;
  }
}

/**
 * The web host's per-launch key. The URL the host prints carries it after the `#` (never sent to
 * a server); on load it moves into this module's memory and the tab's sessionStorage (so a reload
 * keeps working), and the address bar loses it, so it is not in the history or a screenshot.
 */
const SECRET_KEY = 'perceiver-host-key';
let hostSecret: string | null = null;

export function takeHostSecret(
  loc: { hash: string; pathname: string; search: string } | undefined = typeof location !== 'undefined'
    ? location
    : undefined,
): string | null {
  if (hostSecret !== null) return hostSecret;
  const m = loc ? /(?:^#|&)key=([A-Za-z0-9_-]{32,128})(?:&|$)/.exec(loc.hash) : null;
  if (m) {
    hostSecret = m[1]!;
    try {
      sessionStorage.setItem(SECRET_KEY, hostSecret);
    } catch {
      // Storage may be off: the key then lives in memory only (a reload needs the printed URL).
    }
    try {
      history.replaceState(history.state, '', `${loc!.pathname}${loc!.search}`);
    } catch {
      // Not in a browser page (tests).
    }
    return hostSecret;
  }
  try {
    hostSecret = sessionStorage.getItem(SECRET_KEY);
  } catch {
    hostSecret = null;
  }
  return hostSecret;
}

async function callWebHost(method: ContractMethod, args: unknown[]): Promise<unknown> {
  let res: Response;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const key = takeHostSecret();
  if (key) headers['x-perceiver-secret'] = key;
  try {
    res = await fetch(`/api/${method}`, { method: 'POST', headers, body: JSON.stringify(args) });
  } catch (err) {
    throw new HostError(
      `Could not reach the Perceiver Studio host for "${method}" (${(err as Error).message}); is the server still running?`,
    );
  }
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    throw new HostError(
      res.status === 404
        ? `The host does not offer "${method}" (HTTP 404); it may be an older version — restart it with \`npm start\`.`
        : `The host answered "${method}" with HTTP ${res.status} and no JSON.`,
      res.status,
    );
  }
  const err = (body as Partial<ApiErrorPayload>).error;
  if (res.status === 401) {
    throw new HostError(
      'The host refused this page (HTTP 401: no key of this launch). Open the full URL that `npm start` printed — it carries the key after "#".',
      401,
    );
  }
  if (!res.ok || err)
    throw new HostError(
      err?.message ?? `The host answered "${method}" with HTTP ${res.status}.`,
      res.status,
      err?.field,
    );
  return (body as { result: unknown }).result;
}

function webApi(): PerceiverApi {
  const api: Record<string, unknown> = {};
  for (const m of contractMethods) api[m] = (...args: unknown[]) => callWebHost(m, args);
  // The web host sends no menu commands (the page has no native menus).
  api.onMenuCommand = () => () => {};
  return api as unknown as PerceiverApi;
}

let cached: PerceiverApi | undefined;

export function hostApi(): PerceiverApi {
  if (!cached) cached = typeof window !== 'undefined' && window.perceiver ? window.perceiver : webApi();
  return cached;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
