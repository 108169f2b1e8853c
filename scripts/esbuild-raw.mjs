// esbuild plugin for Vite-style text imports: `import src from './file.py?raw'` gives the file's
// contents as a string (the engine's PyTorch export keeps its Python in real .py files).
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

export const rawTextPlugin = {
  name: 'raw-text',
  setup(build) {
    build.onResolve({ filter: /\?raw$/ }, (args) => ({
      path: resolve(args.resolveDir || dirname(args.importer), args.path.slice(0, -'?raw'.length)),
      namespace: 'raw-text',
    }));
    build.onLoad({ filter: /.*/, namespace: 'raw-text' }, async (args) => ({
      contents: await readFile(args.path, 'utf8'),
      loader: 'text',
      watchFiles: [args.path],
    }));
  },
};
