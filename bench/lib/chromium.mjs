// Chromium (Debian /usr/bin/chromium) through Playwright, for the app-style training bench and
// the UI measurements.
import { existsSync } from 'node:fs';

export async function launchChromium() {
  const exe = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find(
    (p) => p && existsSync(p),
  );
  let chromium;
  try {
    ({ chromium } = await import('@playwright/test'));
  } catch (e) {
    throw new Error(`Playwright is not installed (${e.message})`, { cause: e });
  }
  return chromium.launch({
    executablePath: exe,
    args: [
      '--no-sandbox',
      '--disable-gpu-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--enable-unsafe-swiftshader',
    ],
  });
}
