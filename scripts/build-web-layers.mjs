// Builds the web side of a tfjs export into dist/web/ (and, from build-renderer, dist/renderer/web/):
//
//  - perceiver-layers.js: an ES module WITHOUT tfjs inside. It exports
//    registerPerceiverLayers(tf), which defines the engine's custom layers (engine/layers) on the
//    tfjs module the page passes in and registers them there, so that page's own
//    tf.loadLayersModel('model.json') can rebuild a Perceiver Studio model. The engine's layer
//    code is bundled with every `@tensorflow/tfjs` import pointed at that argument, and the
//    bundle is wrapped in the function, so nothing runs (and no second tfjs exists) until a page
//    calls it.
//  - tf.fesm.min.js: an unmodified copy of @tensorflow/tfjs's own ES module build, which the
//    export's demo page (index.html + predict.mjs) imports; a web app uses its own tfjs instead.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

/** The tfjs version the layers are built and tested against (the project's pinned one). */
export const TFJS_VERSION = require('@tensorflow/tfjs/package.json').version;

/** esbuild plugin: every tfjs import becomes the `__perceiverTf` argument of the wrapper. */
const tfFromArgument = {
  name: 'tfjs-from-argument',
  setup(b) {
    b.onResolve({ filter: /^@tensorflow\/tfjs(-core|-layers)?$/ }, (args) => ({
      path: args.path,
      namespace: 'tf-argument',
    }));
    b.onLoad({ filter: /.*/, namespace: 'tf-argument' }, () => ({
      contents: 'module.exports = __perceiverTf;',
      loader: 'js',
    }));
  },
};

const HEADER = `// Perceiver Studio's tfjs layers (built against @tensorflow/tfjs ${TFJS_VERSION}; works with tfjs 4.x).
//
//   import * as tf from '@tensorflow/tfjs';
//   import { registerPerceiverLayers } from './perceiver-layers.js';
//   registerPerceiverLayers(tf);                         // once, before loading
//   const model = await tf.loadLayersModel('./model.json');
//
// registerPerceiverLayers defines the custom layers (PerceiverAttentionBlock, …) on the tfjs you
// pass in and registers them with its serialization registry. It contains no tfjs of its own.
`;

/** The wrapped bundle text of perceiver-layers.js. */
export async function webLayersModuleText() {
  const r = await build({
    entryPoints: [join(root, 'engine/export/tfjs/webEntry.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    globalName: '__perceiverLayers',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    legalComments: 'none',
    plugins: [tfFromArgument],
    logLevel: 'warning',
  });
  const body = r.outputFiles[0].text;
  return `${HEADER}
const registered = new WeakMap();

/**
 * Define and register the Perceiver layers on \`tf\` (the @tensorflow/tfjs module namespace, or
 * its CommonJS exports); returns the layer classes. Calling it again with the same tf is a no-op.
 */
export function registerPerceiverLayers(tf) {
  const __perceiverTf = tf && !tf.layers && tf.default && tf.default.layers ? tf.default : tf;
  if (!__perceiverTf || !__perceiverTf.layers || typeof __perceiverTf.layers.Layer !== 'function' || !__perceiverTf.serialization) {
    throw new Error("registerPerceiverLayers(tf) needs the @tensorflow/tfjs module: import * as tf from '@tensorflow/tfjs'; registerPerceiverLayers(tf)");
  }
  if (registered.has(__perceiverTf)) return registered.get(__perceiverTf);
  const major = String((__perceiverTf.version && __perceiverTf.version.tfjs) || __perceiverTf.version_core || '').split('.')[0];
  if (major && major !== '4' && typeof console !== 'undefined') console.warn('perceiver-layers.js was built for tfjs 4.x; this page has tfjs ' + major + '.x');
  ${body.trim()}
  registered.set(__perceiverTf, __perceiverLayers);
  return __perceiverLayers;
}

export default registerPerceiverLayers;
`;
}

export async function buildWebLayers({ outfile = join(root, 'dist/web/perceiver-layers.js') } = {}) {
  mkdirSync(dirname(outfile), { recursive: true });
  writeFileSync(outfile, await webLayersModuleText());
  copyFileSync(
    join(dirname(require.resolve('@tensorflow/tfjs/package.json')), 'dist', 'tf.fesm.min.js'),
    join(dirname(outfile), 'tf.fesm.min.js'),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await buildWebLayers();
