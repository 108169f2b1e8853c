/**
 * The worker's side of the Export menu: the graph as a PyTorch package or as tfjs web files,
 * with the newest run's trained weights when asked. The files are built here with the engine's
 * export code (engine/export is pure) because the worker holds the model; the host only writes
 * them (contract method writeExport).
 */
import * as tf from '@tensorflow/tfjs';
import { compile } from '../../engine/compile/compile';
import { decodeMnist, mnistDataset } from '../../engine/data/mnist';
import type { Dataset } from '../../engine/data/dataset';
import { mnistNpz } from '../../engine/export/dataExport';
import { exportPytorch } from '../../engine/export/pytorch/index';
import { indexHtml, PREDICT_MJS, type WebExample } from '../../engine/export/tfjs/page';
import { modelArtifacts, namedWeights } from '../../engine/export/tfjsModel';
import { analyse } from '../../engine/graph/analyse';
import type { GraphDoc } from '../../engine/graph/schema';
import { architectureChanges, exportBaseName } from '../export/architecture';
import { keptModelForExport } from './insight';
import type { ExportRequest, ExportSummary } from './protocol';

export interface ExportDeps {
  /** The built-in digits (dist/renderer/data/mnist.bin, encoded by engine/data/mnist). */
  mnistBin: () => Promise<Uint8Array>;
  /** tfjs + the engine's layers as a browser module (dist/renderer/web/perceiver-layers.js). */
  layersBundle: () => Promise<Uint8Array>;
}

export class ExportRefused extends Error {}

const text = (s: string) => new TextEncoder().encode(s);
const trainsOnMnist = (doc: GraphDoc) => !doc.data || doc.data.source === 'mnist';

export async function buildExport(req: ExportRequest, deps: ExportDeps): Promise<{ files: { path: string; data: Uint8Array }[]; summary: ExportSummary }> {
  const notes: string[] = [];
  const kept = req.withWeights ? keptModelForExport() : null;
  if (req.withWeights && !kept) throw new ExportRefused('There is no trained model yet: train the graph first, or export without weights.');
  let doc = req.doc;
  let weightsNote: string | null = null;
  if (kept) {
    const changes = architectureChanges(req.doc, kept.doc);
    if (changes.length) {
      throw new ExportRefused(
        `The graph has changed since run ${kept.runId} trained it (${changes.slice(0, 3).join('; ')}${changes.length > 3 ? `; ${changes.length - 3} more` : ''}). Train it again, or export without weights.`,
      );
    }
    // The trained graph has the data-derived params filled in; the editor's layout and names win.
    doc = { ...req.doc, nodes: req.doc.nodes.map((n) => ({ ...n, params: kept.doc.nodes.find((t) => t.id === n.id)!.params })) };
    const epochs = kept.epoch === null ? 'within its first epoch' : `${kept.epoch} epoch${kept.epoch === 1 ? '' : 's'} completed`;
    weightsNote = `run ${kept.runId}, ${epochs}${kept.training ? ' (still training: the weights as they are now)' : ''}`;
  }
  const analysis = analyse(doc);
  if (!analysis.valid) {
    const first = analysis.problems.find((p) => p.severity === 'error')!;
    throw new ExportRefused(`The graph cannot be exported: ${first.message}${first.nodeId ? ` (node "${first.nodeId}")` : ''}.`);
  }
  const base = exportBaseName(doc.name);
  const files: { path: string; data: Uint8Array }[] = [];

  if (req.format === 'pytorch') {
    let dataFile: string | undefined;
    let dataNote: string | undefined;
    const extra: { path: string; data: Uint8Array }[] = [];
    if (req.includeData && trainsOnMnist(doc)) {
      dataFile = 'data/mnist.npz';
      dataNote = 'the built-in MNIST digits as bytes (scale 1/255), split exactly as the app splits them';
      extra.push({ path: dataFile, data: mnistNpz(decodeMnist(await deps.mnistBin()), doc.data) });
    } else if (!trainsOnMnist(doc)) {
      notes.push(`The data (${doc.data!.source}${doc.data!.path ? ` ${doc.data!.path}` : ''}) is not copied: pass it to train.py with --data PATH.`);
    }
    const ex = exportPytorch(doc, {
      weights: kept ? namedWeights(kept.model) : undefined,
      weightsSource: kept ? `Perceiver Studio, ${weightsNote}` : undefined,
      dataFile,
      dataNote,
    });
    for (const [path, content] of ex.files) files.push({ path, data: typeof content === 'string' ? text(content) : content });
    files.push(...extra);
    return { files, summary: { name: `${base}-pytorch`, params: ex.model.params, weights: weightsNote, notes } };
  }

  if (analysis.modelInputs.length !== 1) throw new ExportRefused(`The web export handles one model input; this graph has ${analysis.modelInputs.length}.`);
  const fresh = kept ? null : compile(doc).model;
  const model = kept?.model ?? fresh!;
  try {
    const { modelJson, weightsBin } = await modelArtifacts(model);
    const shape = [...analysis.nodes.get(analysis.modelInputs[0]!)!.outputShapes.out!];
    const example = await webExample(model, shape, kept?.data ?? (trainsOnMnist(doc) && shape.join('x') === '28x28x1' ? mnistDataset(decodeMnist(await deps.mnistBin()), doc.data) : null));
    if (!kept) notes.push('No trained weights: the model starts from its initial weights.');
    files.push(
      { path: 'model.json', data: text(JSON.stringify(modelJson)) },
      { path: 'weights.bin', data: weightsBin },
      { path: 'perceiver-layers.js', data: await deps.layersBundle() },
      { path: 'predict.mjs', data: text(PREDICT_MJS) },
      { path: 'index.html', data: text(indexHtml(doc.name)) },
      { path: 'example.json', data: text(JSON.stringify(example)) },
      { path: 'graph.json', data: text(JSON.stringify(doc, null, 2)) },
    );
    return { files, summary: { name: `${base}-tfjs`, params: model.countParams(), weights: weightsNote, notes } };
  } finally {
    fresh?.dispose();
  }
}

/** A few test examples (random inputs without data) and this model's predictions, so the page can check itself. */
async function webExample(model: tf.LayersModel, shape: number[], data: Dataset | null, n = 4): Promise<WebExample> {
  const size = shape.reduce((a, b) => a * b, 1);
  const x = new Float32Array(n * size);
  let classNames: string[] | undefined;
  const split = data && data.inputShape.join('x') === shape.join('x') ? (data.test.size >= n ? data.test : data.train.size >= n ? data.train : null) : null;
  if (split && data) {
    for (let i = 0; i < n; i++) x.set((await split.example(i)).x, i * size);
    classNames = data.classNames;
  } else {
    const t = tf.randomUniform([n * size], 0, 1, 'float32', 7);
    x.set(await t.data());
    t.dispose();
  }
  const [outT, predT] = tf.tidy(() => {
    const out = model.predict(tf.tensor(x, [n, ...shape]));
    const logits = Array.isArray(out) ? out[0]! : out;
    return [logits.clone(), tf.argMax(logits, -1)];
  });
  const example: WebExample = {
    inputShape: shape,
    inputs: Array.from(x),
    n,
    outputs: Array.from(await outT.data()),
    outputShape: outT.shape.slice(1),
    predictions: Array.from(await predT.data()),
    backend: tf.getBackend(),
    classNames,
  };
  tf.dispose([outT, predT]);
  return example;
}
