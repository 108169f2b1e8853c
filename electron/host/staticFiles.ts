/**
 * Map a request path to a file of the built renderer, for the web host and the app:// protocol.
 * Only files under the root are served: no `..`, no NUL, no encoded separators, no dotfiles,
 * no symlinks out of the folder.
 */
import { readFile, realpath, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { contentTypeOf } from './security.js';

export type StaticResult = { status: 200; body: Buffer; contentType: string } | { status: 400 | 404; message: string };

export async function readStatic(root: string, urlPath: string): Promise<StaticResult> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return { status: 400, message: 'Malformed URL.' };
  }
  if (decoded.includes('\u0000') || decoded.includes('\\')) return { status: 400, message: 'Malformed URL.' };
  if (decoded === '/' || decoded === '') decoded = '/index.html';
  const parts = decoded.split('/').filter(Boolean);
  if (parts.some((p) => p === '..' || p.startsWith('.'))) return { status: 404, message: 'Not found.' };
  const base = resolve(root);
  const file = resolve(join(base, ...parts));
  if (!file.startsWith(base + sep)) return { status: 404, message: 'Not found.' };
  try {
    // realpath: a symlink inside dist/renderer must not lead outside it. Inside app.asar (a
    // packaged app) there is nothing to resolve: the archive is ours and integrity-checked, and
    // Electron's asar layer does not promise realpath support.
    let real = file;
    if (!/\.asar([\\/]|$)/i.test(base)) {
      real = await realpath(file);
      const realBase = await realpath(base);
      if (!real.startsWith(realBase + sep)) return { status: 404, message: 'Not found.' };
    }
    if (!(await stat(real)).isFile()) return { status: 404, message: 'Not found.' };
    return { status: 200, body: await readFile(real), contentType: contentTypeOf(real) };
  } catch {
    return { status: 404, message: 'Not found.' };
  }
}
