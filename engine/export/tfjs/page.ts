/**
 * The web side of a tfjs export: a minimal ES module (predict.mjs) showing how a page loads the
 * model with the engine's layers and predicts, and an index.html that runs it on the bundled
 * examples and checks the predictions against the ones Node made at export time.
 */
export interface WebExample {
  /** Model input shape without the batch axis. */
  inputShape: number[];
  /** Row-major inputs [n, ...inputShape]. */
  inputs: number[];
  n: number;
  /** Node's outputs for them (logits [n, classes]) and the argmax per example. */
  outputs: number[];
  outputShape: number[];
  predictions: number[];
  backend: string;
  classNames?: string[];
}

export const PREDICT_MJS = `// Load a Perceiver Studio model in a web page and predict (exported by Perceiver Studio).
//
//   import { loadModel, predict } from './predict.mjs';
//   const model = await loadModel('./model.json');
//   const { logits, classes } = await predict(model, pixels, [28, 28, 1]);  // pixels: Float32Array [n·28·28·1]
//
// perceiver-layers.js is tfjs plus the engine's custom layers (PerceiverAttentionBlock, …),
// registered on import so tf.loadLayersModel can rebuild the graph.
import { tf } from './perceiver-layers.js';

export { tf };

export async function loadModel(url = './model.json', backend) {
  if (backend) await tf.setBackend(backend);
  await tf.ready();
  return tf.loadLayersModel(url);
}

/** Logits [n, classes] (as nested arrays) and the most likely class per example. */
export async function predict(model, inputs, inputShape) {
  const size = inputShape.reduce((a, b) => a * b, 1);
  const n = inputs.length / size;
  const [logitsT, classesT] = tf.tidy(() => {
    const out = model.predict(tf.tensor(inputs, [n, ...inputShape]));
    const logits = Array.isArray(out) ? out[0] : out;
    return [logits.clone(), tf.argMax(logits, -1)];
  });
  const [logits, classes] = await Promise.all([logitsT.array(), classesT.array()]);
  tf.dispose([logitsT, classesT]);
  return { logits, classes };
}

// The demo: index.html runs this on example.json (inputs and the predictions Node made).
async function demo() {
  const status = document.getElementById('status');
  try {
    const backend = new URLSearchParams(location.search).get('backend') || undefined;
    const example = await (await fetch('./example.json')).json();
    const model = await loadModel('./model.json', backend);
    const { logits, classes } = await predict(model, Float32Array.from(example.inputs), example.inputShape);
    const flat = logits.flat(Infinity);
    let maxAbsDiff = 0;
    flat.forEach((v, i) => (maxAbsDiff = Math.max(maxAbsDiff, Math.abs(v - example.outputs[i]))));
    const same = classes.every((c, i) => c === example.predictions[i]);
    window.perceiverResult = { backend: tf.getBackend(), classes, logits: flat, maxAbsDiff, same };
    status.textContent = \`\${tf.getBackend()}: predicted \${classes.join(', ')} — \${same ? 'the same as' : 'DIFFERENT from'} Node (\${example.predictions.join(', ')}); max |Δlogit| \${maxAbsDiff.toExponential(2)}\`;
    status.dataset.state = same ? 'same' : 'different';
  } catch (err) {
    window.perceiverResult = { error: String(err && err.message || err) };
    status.textContent = 'Failed: ' + (err && err.message || err);
    status.dataset.state = 'error';
  }
}
if (typeof document !== 'undefined' && document.getElementById('status')) demo();
`;

export function indexHtml(name: string): string {
  const esc = name.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${esc} — Perceiver Studio web export</title>
<style>body{font:15px system-ui,sans-serif;margin:2rem;max-width:46rem}code{background:#f2f2f2;padding:0 .2em}</style>
</head>
<body>
<h1>${esc}</h1>
<p>Loads <code>model.json</code> with the engine's layers (<code>perceiver-layers.js</code>) and predicts the examples in <code>example.json</code>. Add <code>?backend=cpu</code> or <code>?backend=webgl</code> to choose the backend.</p>
<p id="status" data-state="loading">Loading…</p>
<script type="module" src="./predict.mjs"></script>
</body>
</html>
`;
}
