/**
 * The tfjs web export's files, shared by the CLI (engine/node/exportWeb.ts) and the app's Export
 * menu (renderer/worker/exportModel.ts): model.json + weights.bin, perceiver-layers.js
 * (registerPerceiverLayers(tf), no tfjs inside), the demo page (index.html, predict.mjs and an
 * unmodified copy of tfjs's own ES module build, tf.fesm.min.js), example.json (inputs and the
 * engine's outputs, so the page checks itself), README.md and graph.json.
 *
 * Works for any graph the engine compiles: every model input (float or token ids) and every
 * output. Pure: the callers supply the bundles and write the files.
 */
import * as tf from '@tensorflow/tfjs';
import type { Analysis } from '../../graph/analyse.js';
import type { GraphDoc } from '../../graph/schema.js';
import type { TfjsArtifactsBytes } from '../tfjsModel.js';
import { indexHtml, PREDICT_MJS, webReadme, type WebExample, type WebTensor } from './page.js';

/** One model input: name (tfjs), shape without the batch axis, dtype, and the id range of token inputs. */
export interface WebInputSpec {
  nodeId: string;
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  /** Token ids are drawn from [0, intHigh). */
  intHigh?: number;
}

export function webInputSpecs(model: tf.LayersModel, analysis: Analysis): WebInputSpec[] {
  return analysis.inputSpecs.map((spec, k) => {
    const params = analysis.nodes.get(spec.nodeId)?.params as { vocabSize?: unknown } | undefined;
    const vocab = typeof params?.vocabSize === 'number' ? params.vocabSize : 256;
    return {
      nodeId: spec.nodeId,
      name: model.inputs[k]?.name ?? spec.nodeId,
      // The model input's own shape: a transforming input node (tabular columns, text bytes)
      // takes raw values and outputs embeddings, so its analysed output shape is not the input.
      shape: [...spec.shape],
      dtype: spec.dtype,
      intHigh: spec.dtype === 'int32' ? vocab : undefined,
    };
  });
}

/** Example data for the first input (e.g. test digits), used when its shape matches. */
export interface ExampleSource {
  inputShape: number[];
  classNames?: string[];
  example(i: number): Promise<Float32Array>;
  size: number;
}

/** Values per example kept in example.json at most (inputs + outputs); fewer examples for big models. */
const EXAMPLE_VALUES = 1_000_000;

/** Inputs (real examples where given, else seeded random ones) and the model's outputs for them. */
export async function webExample(
  model: tf.LayersModel,
  specs: WebInputSpec[],
  source: ExampleSource | null,
  opts: { n?: number; seed?: number } = {},
): Promise<WebExample> {
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  const perExample =
    specs.reduce((a, s) => a + size(s.shape), 0) +
    model.outputs.reduce((a, o) => a + size(o.shape.slice(1) as number[]), 0);
  const n = Math.max(1, Math.min(opts.n ?? 4, Math.floor(EXAMPLE_VALUES / Math.max(1, perExample))));
  const seed = opts.seed ?? 7;
  const useSource =
    source && specs.length >= 1 && source.inputShape.join('x') === specs[0]!.shape.join('x') && source.size >= n
      ? source
      : null;
  const feeds: WebTensor[] = [];
  for (const [k, s] of specs.entries()) {
    const values = new Float32Array(n * size(s.shape));
    if (k === 0 && useSource) {
      for (let i = 0; i < n; i++) values.set(await useSource.example(i), i * size(s.shape));
    } else {
      const t =
        s.dtype === 'int32'
          ? tf.randomUniform([values.length], 0, s.intHigh ?? 2, 'int32', seed + k)
          : tf.randomUniform([values.length], 0, 1, 'float32', seed + k);
      values.set(await t.data());
      t.dispose();
    }
    feeds.push({ name: s.name, shape: s.shape, dtype: s.dtype, values: Array.from(values) });
  }
  const outs = tf.tidy(() => {
    const xs = feeds.map((f) => tf.tensor(f.values, [n, ...f.shape], f.dtype));
    const out = model.predict(xs.length === 1 ? xs[0]! : xs);
    const list = Array.isArray(out) ? out : [out];
    return [...list.map((o) => o.clone()), tf.argMax(list[0]!, -1)];
  });
  const pred = outs.pop()!;
  const fetched: WebTensor[] = [];
  for (const [k, o] of outs.entries())
    fetched.push({
      name: model.outputs[k]?.name ?? `output${k}`,
      shape: o.shape.slice(1),
      dtype: 'float32',
      values: Array.from(await o.data()),
    });
  const predictions = Array.from(await pred.data());
  tf.dispose([...outs, pred]);
  const [first, ...moreInputs] = feeds;
  const [out0, ...moreOutputs] = fetched;
  return {
    n,
    inputShape: first!.shape,
    inputDtype: first!.dtype,
    inputs: first!.values,
    outputs: out0!.values,
    outputShape: out0!.shape,
    predictions,
    backend: tf.getBackend(),
    classNames: useSource?.classNames,
    moreInputs: moreInputs.length ? moreInputs : undefined,
    moreOutputs: moreOutputs.length ? moreOutputs : undefined,
  };
}

export interface WebBundles {
  /** perceiver-layers.js (scripts/build-web-layers.mjs). */
  layers: Uint8Array;
  /** tf.fesm.min.js, @tensorflow/tfjs's own ES module build, for the demo page. */
  tfjs: Uint8Array;
}

/** Every file of a web export folder, by relative path. */
export function webExportFiles(
  doc: GraphDoc,
  artifacts: TfjsArtifactsBytes,
  example: WebExample,
  specs: WebInputSpec[],
  bundles: WebBundles,
): Map<string, string | Uint8Array> {
  return new Map<string, string | Uint8Array>([
    ['model.json', JSON.stringify(artifacts.modelJson)],
    ['weights.bin', artifacts.weightsBin],
    ['perceiver-layers.js', bundles.layers],
    ['tf.fesm.min.js', bundles.tfjs],
    ['predict.mjs', PREDICT_MJS],
    ['index.html', indexHtml(doc.name)],
    ['example.json', JSON.stringify(example)],
    ['README.md', webReadme(doc.name, specs, example)],
    // Node treats the .js modules here as ES modules (as browsers do).
    [
      'package.json',
      JSON.stringify({ name: 'perceiver-studio-web-export', private: true, type: 'module' }, null, 2) + '\n',
    ],
    ['graph.json', JSON.stringify(doc, null, 2)],
  ]);
}
