// Bundles the bench page and worker into test-results/bench-web (ignored by git).
import { build } from 'esbuild';
import { copyFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import { buildKernels } from '../../scripts/build-kernels.mjs';
import { join } from 'node:path';

export async function buildBenchWeb(root) {
  const out = join(root, 'test-results', 'bench-web');
  await mkdir(out, { recursive: true });
  const common = {
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    logLevel: 'warning',
    define: { 'process.env.NODE_ENV': '"production"' },
  };
  await build({
    ...common,
    entryPoints: [join(root, 'bench/web/worker.ts')],
    outfile: join(out, 'worker.js'),
    format: 'iife',
  });
  await build({ ...common, entryPoints: [join(root, 'bench/web/page.ts')], outfile: join(out, 'page.js') });
  // Our kernels (engine/kernels), fetched by the worker from /kernels/.
  const kernels = await buildKernels({ quiet: true });
  await mkdir(join(out, 'kernels'), { recursive: true });
  for (const f of await readdir(kernels))
    if (f.endsWith('.wasm')) await copyFile(join(kernels, f), join(out, 'kernels', f));
  await writeFile(
    join(out, 'index.html'),
    '<!doctype html><meta charset="utf-8"><title>Perceiver bench</title><script type="module" src="./page.js"></script>\n',
  );
  return out;
}
