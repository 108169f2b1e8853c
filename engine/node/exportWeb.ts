/**
 * `export --format tfjs`: the model as tfjs files (model.json + weights.bin), the engine's layers
 * as a browser ES module (perceiver-layers.js, built by `npm run build` into dist/web, or here on
 * demand with esbuild), index.html + predict.mjs, and example.json with inputs and Node's
 * predictions so the page can check itself.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { compile } from '../compile/compile.js';
import { mnistDataset } from '../data/mnist.js';
import { indexHtml, PREDICT_MJS, type WebExample } from '../export/tfjs/page.js';
import { applyNamedWeights, modelArtifacts } from '../export/tfjsModel.js';
import type { NamedArrays } from '../export/weights.js';
import type { GraphDoc } from '../graph/schema.js';
import { useNodeBackend, type NodeBackend } from './backend.js';
import { writeExportFiles } from './export.js';
import { loadMnistBytes } from './mnist.js';

// Both engine/node/exportWeb.ts and the bundled dist/cli/*.mjs sit two levels below the root.
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const WEB_LAYERS_BUNDLE = join(root, 'dist', 'web', 'perceiver-layers.js');

/** Bundle tfjs + the engine's layers for browsers (ESM). */
export async function buildWebLayers(outfile = WEB_LAYERS_BUNDLE): Promise<void> {
  const entry = join(root, 'engine', 'export', 'tfjs', 'webEntry.ts');
  if (!existsSync(entry)) throw new Error(`cannot build the web layers: ${entry} is missing (run from the Perceiver Studio source tree or run npm run build)`);
  const name = 'esbuild'; // a variable, so bundlers leave this optional dev dependency alone
  const esbuild = (await import(name)) as typeof import('esbuild');
  await esbuild.build({ entryPoints: [entry], outfile, bundle: true, format: 'esm', platform: 'browser', target: 'es2020', minify: true, logLevel: 'warning' });
}

export async function webLayersBundle(): Promise<Uint8Array> {
  if (!existsSync(WEB_LAYERS_BUNDLE)) await buildWebLayers();
  return new Uint8Array(readFileSync(WEB_LAYERS_BUNDLE));
}

async function exampleInputs(doc: GraphDoc, shape: number[], n: number): Promise<{ x: Float32Array; classNames?: string[] }> {
  const size = shape.reduce((a, b) => a * b, 1);
  if (doc.data?.source === 'mnist' && shape.join('x') === '28x28x1') {
    const ds = mnistDataset(loadMnistBytes(), doc.data);
    const x = new Float32Array(n * size);
    for (let i = 0; i < n; i++) x.set((await ds.test.example(i)).x, i * size);
    return { x, classNames: ds.classNames };
  }
  const t = tf.randomUniform([n * size], 0, 1, 'float32', 7);
  const x = t.dataSync() as Float32Array;
  t.dispose();
  return { x: Float32Array.from(x) };
}

export async function exportTfjsFolder(doc: GraphDoc, dir: string, opts: { weights?: NamedArrays; weightsSource?: string; backend?: NodeBackend; examples?: number } = {}): Promise<{ files: string[]; example: WebExample }> {
  const be = await useNodeBackend(opts.backend ?? 'cpu');
  const { model, analysis } = compile(doc);
  try {
    if (analysis.modelInputs.length !== 1) throw new Error(`the web example handles one model input; this graph has ${analysis.modelInputs.length}`);
    if (opts.weights) applyNamedWeights(model, opts.weights, opts.weightsSource ?? 'the trained weights');
    const { modelJson, weightsBin } = await modelArtifacts(model);
    const shape = [...analysis.nodes.get(analysis.modelInputs[0]!)!.outputShapes.out!];
    const n = opts.examples ?? 4;
    const { x, classNames } = await exampleInputs(doc, shape, n);
    const [outT, predT] = tf.tidy(() => {
      const out = model.predict(tf.tensor(x, [n, ...shape]));
      const logits = Array.isArray(out) ? out[0]! : out;
      return [logits.clone(), tf.argMax(logits, -1)];
    });
    const example: WebExample = {
      inputShape: shape,
      inputs: Array.from(x),
      n,
      outputs: Array.from(outT.dataSync()),
      outputShape: outT.shape.slice(1),
      predictions: Array.from(predT.dataSync()),
      backend: be.backend,
      classNames,
    };
    tf.dispose([outT, predT]);
    const files = new Map<string, string | Uint8Array>([
      ['model.json', JSON.stringify(modelJson)],
      ['weights.bin', weightsBin],
      ['perceiver-layers.js', await webLayersBundle()],
      ['predict.mjs', PREDICT_MJS],
      ['index.html', indexHtml(doc.name)],
      ['example.json', JSON.stringify(example)],
      ['graph.json', JSON.stringify(doc, null, 2)],
    ]);
    writeExportFiles(dir, files);
    return { files: [...files.keys()], example };
  } finally {
    model.dispose();
  }
}
