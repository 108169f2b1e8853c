/**
 * Node: read our compiled kernel modules from disk (engine/node/backend.ts installs this). Kept
 * out of engine/kernels/index.ts, which browser bundles include, because it needs `node:fs` and
 * `import.meta.url` (empty in the app's iife bundles).
 */
import { setKernelBinaryReader } from './index.js';

type FsLike = { readFileSync(p: object): Uint8Array; existsSync(p: object): boolean };
type UrlCtor = new (url: string, base: string) => object;

/**
 * Folders searched, relative to this module: ./build/ (the source tree, tsx and vitest) and
 * ./kernels/ (the CLI bundle, dist/cli/perceiver-studio.mjs → dist/cli/kernels/, where
 * scripts/build-cli.mjs copies them).
 */
const SEARCH = ['./build/', './kernels/'];

export function useKernelFilesFromDisk(): void {
  const g = globalThis as unknown as { process?: { getBuiltinModule?: (id: string) => unknown }; URL?: UrlCtor };
  const fs = g.process?.getBuiltinModule?.('node:fs') as FsLike | undefined;
  const base = (import.meta as unknown as { url?: string }).url;
  if (!fs || !g.URL || !base) return;
  const URLc = g.URL;
  setKernelBinaryReader((name) => {
    for (const dir of SEARCH) {
      const url = new URLc(dir + name, base);
      if (fs.existsSync(url)) return fs.readFileSync(url);
    }
    return null;
  });
}
