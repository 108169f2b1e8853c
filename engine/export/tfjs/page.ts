/**
 * The web side of a tfjs export: a minimal ES module (predict.mjs) showing how a page loads the
 * model with its own tfjs + registerPerceiverLayers(tf) and predicts, an index.html that runs it
 * on the bundled examples and checks the outputs against the ones the engine made at export
 * time, and the folder's README (what a web developer needs).
 */
import type { WebInputSpec } from './webExport.js';

/** A named tensor of example.json (shape without the batch axis). */
export interface WebTensor {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  values: number[];
}

export interface WebExample {
  n: number;
  /** The first model input: its shape without the batch axis, dtype and row-major values [n, ...inputShape]. */
  inputShape: number[];
  inputDtype?: 'float32' | 'int32';
  inputs: number[];
  /** The engine's first output for them [n, ...outputShape], and its argmax over the last axis. */
  outputs: number[];
  outputShape: number[];
  predictions: number[];
  backend: string;
  classNames?: string[];
  /** Models with several inputs / outputs: every one after the first, in the model's order. */
  moreInputs?: WebTensor[];
  moreOutputs?: WebTensor[];
}

export const PREDICT_MJS = `// Load a Perceiver Studio model in a web page and predict (exported by Perceiver Studio).
//
//   import { loadModel, predict } from './predict.mjs';
//   const model = await loadModel('./model.json');
//   const { outputs, classes } = await predict(model, [{ values: pixels, shape: [28, 28, 1] }]);
//
// The page's own tfjs: this demo imports the copy of @tensorflow/tfjs's ES module build shipped
// beside it; in an app, import '@tensorflow/tfjs' (4.x) instead. registerPerceiverLayers(tf)
// defines the custom layers (PerceiverAttentionBlock, …) on that tfjs, so tf.loadLayersModel can
// rebuild the graph.
import * as tf from './tf.fesm.min.js';
import { registerPerceiverLayers } from './perceiver-layers.js';

registerPerceiverLayers(tf);
export { tf };

export async function loadModel(url = './model.json', backend) {
  if (backend) await tf.setBackend(backend);
  await tf.ready();
  return tf.loadLayersModel(url);
}

/**
 * inputs: one { values, shape, dtype? } per model input, in the model's order (shape without the
 * batch axis; values row-major for n examples; dtype 'int32' for token ids). Returns every
 * output as nested arrays, the first output flat, and its argmax over the last axis (classes).
 */
export async function predict(model, inputs) {
  const list = Array.isArray(inputs) ? inputs : [inputs];
  const size = (s) => s.reduce((a, b) => a * b, 1);
  const n = list[0].values.length / size(list[0].shape);
  const tensors = tf.tidy(() => {
    const xs = list.map((x) => tf.tensor(x.values, [n, ...x.shape], x.dtype || 'float32'));
    const out = model.predict(xs.length === 1 ? xs[0] : xs);
    const outs = Array.isArray(out) ? out : [out];
    return [...outs.map((o) => o.clone()), tf.argMax(outs[0], -1)];
  });
  const arrays = await Promise.all(tensors.map((t) => t.array()));
  const flat = await tensors[0].data();
  tf.dispose(tensors);
  const classes = arrays.pop();
  return { outputs: arrays, first: Array.from(flat), classes };
}

// The demo: index.html runs this on example.json (inputs and the outputs the engine made).
async function demo() {
  const status = document.getElementById('status');
  try {
    const backend = new URLSearchParams(location.search).get('backend') || undefined;
    const ex = await (await fetch('./example.json')).json();
    const model = await loadModel('./model.json', backend);
    const inputs = [{ values: ex.inputs, shape: ex.inputShape, dtype: ex.inputDtype }, ...(ex.moreInputs || [])];
    const { outputs, classes } = await predict(model, inputs);
    const expected = [ex.outputs, ...(ex.moreOutputs || []).map((o) => o.values)];
    let maxAbsDiff = 0;
    outputs.forEach((o, k) => o.flat(Infinity).forEach((v, i) => (maxAbsDiff = Math.max(maxAbsDiff, Math.abs(v - expected[k][i])))));
    const flatClasses = [classes].flat(Infinity);
    const same = maxAbsDiff < 1e-4 && flatClasses.every((c, i) => c === ex.predictions[i]);
    window.perceiverResult = { backend: tf.getBackend(), classes: flatClasses, logits: outputs[0].flat(Infinity), maxAbsDiff, same };
    const shown = (xs) => xs.slice(0, 8).join(', ') + (xs.length > 8 ? ', …' : '');
    status.textContent = \`\${tf.getBackend()}: predicted \${shown(flatClasses)} — \${same ? 'the same as' : 'DIFFERENT from'} the engine (\${shown(ex.predictions)}); max |Δ| \${maxAbsDiff.toExponential(2)}\`;
    status.dataset.state = same ? 'same' : 'different';
  } catch (err) {
    window.perceiverResult = { error: String((err && err.message) || err) };
    status.textContent = 'Failed: ' + ((err && err.message) || err);
    status.dataset.state = 'error';
  }
}
if (typeof document !== 'undefined' && document.getElementById('status')) demo();
`;

const escHtml = (s: string) =>
  s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

export function indexHtml(name: string): string {
  const esc = escHtml(name);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${esc} — Perceiver Studio web export</title>
<style>body{font:15px system-ui,sans-serif;margin:2rem;max-width:46rem}code{background:#f2f2f2;padding:0 .2em}</style>
</head>
<body>
<h1>${esc}</h1>
<p>Loads <code>model.json</code> with tfjs (<code>tf.fesm.min.js</code>) and the engine's layers (<code>perceiver-layers.js</code>) and predicts the examples in <code>example.json</code>. Add <code>?backend=cpu</code> or <code>?backend=webgl</code> to choose the backend.</p>
<p id="status" data-state="loading">Loading…</p>
<script type="module" src="./predict.mjs"></script>
</body>
</html>
`;
}

/** README.md of the export folder: the ten lines a web developer needs, then the details. */
export function webReadme(name: string, specs: WebInputSpec[], ex: WebExample): string {
  const first = specs[0];
  const shapeOf = (s: WebInputSpec) =>
    `[n, ${s.shape.join(', ')}]${s.dtype === 'int32' ? ` int32 ids in [0, ${s.intHigh ?? 2})` : ' float32'}`;
  const feed =
    specs.length === 1
      ? `tf.tensor(values, [n, ${first!.shape.join(', ')}]${first!.dtype === 'int32' ? ", 'int32'" : ''})`
      : `[${specs.map((s) => `${s.nodeId.replace(/[^A-Za-z0-9_$]/g, '_')}Tensor`).join(', ')}]`;
  return `# ${name} — tfjs web export (Perceiver Studio)

Use it in a web app that has \`@tensorflow/tfjs\` 4.x (tested with 4.22):

\`\`\`js
import * as tf from '@tensorflow/tfjs';
import { registerPerceiverLayers } from './perceiver-layers.js';

registerPerceiverLayers(tf);                 // the custom layers, on your tfjs; once
const model = await tf.loadLayersModel('/models/${name.replace(/[^A-Za-z0-9_-]+/g, '-').toLowerCase() || 'perceiver'}/model.json');
const y = model.predict(${feed});
const scores = await y.data();               // [n, ${ex.outputShape.join(', ')}]
const best = await y.argMax(-1).data();      // the most likely class per example
\`\`\`

Copy \`model.json\`, \`weights.bin\` and \`perceiver-layers.js\` to your site (model.json names
weights.bin relative to itself). \`perceiver-layers.js\` holds no tfjs of its own: it defines the
layers on the tfjs you pass (one copy of tfjs, yours).

Model inputs (in this order): ${specs.map((s) => `\`${s.name}\` ${shapeOf(s)}`).join('; ')}.
Outputs: ${[ex.outputShape, ...(ex.moreOutputs ?? []).map((o) => o.shape)].map((s) => `[n, ${s.join(', ')}]`).join('; ')}.
${ex.classNames ? `Classes (index → name): ${ex.classNames.map((c, i) => `${i}=${c}`).join(', ')}.\n` : ''}
## Node

The same two lines register the layers on \`@tensorflow/tfjs\` in Node (this folder's package.json
makes Node read the .js files as ES modules). \`tf.loadLayersModel\` takes an http(s) URL; for
files on disk use an in-memory handler:

\`\`\`js
import { readFileSync } from 'node:fs';
const json = JSON.parse(readFileSync('model.json', 'utf8'));
const bin = readFileSync('weights.bin');
const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology,
  weightSpecs: json.weightsManifest[0].weights, weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) }));
\`\`\`

## The demo page

Serve this folder over http (e.g. \`npx http-server .\`, or \`python3 -m http.server\`) and open
index.html: \`predict.mjs\` loads the model with \`tf.fesm.min.js\` (an unmodified copy of
@tensorflow/tfjs's ES module build) and checks its outputs for the examples in example.json
against the ones Perceiver Studio computed (${ex.n} example${ex.n === 1 ? '' : 's'}, ${ex.backend} backend).
\`?backend=webgl\` or \`?backend=cpu\` picks the backend.

Files: model.json + weights.bin (tfjs layers model), perceiver-layers.js, predict.mjs, index.html,
tf.fesm.min.js, example.json, graph.json (the Perceiver Studio graph), package.json.
`;
}
