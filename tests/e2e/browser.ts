import { existsSync } from 'node:fs';

/** Debian's Chromium where present; otherwise undefined, so Playwright uses its own download. */
export function chromiumExecutable(): string | undefined {
  for (const p of [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser']) {
    if (p && existsSync(p)) return p;
  }
  return undefined;
}
