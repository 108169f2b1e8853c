/**
 * The worker's side of the Export menu: the graph as a PyTorch package or as tfjs web files
 * (engine/export/tfjs/webExport.ts, any number of inputs and outputs),
 * with the newest run's trained weights when asked. The files are built here with the engine's
 * export code (engine/export is pure) because the worker holds the model; the host only writes
 * them (contract method writeExport).
 */
import { compile } from '../../engine/compile/compile';
import { decodeMnist, mnistDataset } from '../../engine/data/mnist';
import type { Dataset } from '../../engine/data/dataset';
import { mnistNpz } from '../../engine/export/dataExport';
import { exportPytorch } from '../../engine/export/pytorch/index';
import { webExample, webExportFiles, webInputSpecs, type ExampleSource } from '../../engine/export/tfjs/webExport';
import { modelArtifacts, namedWeights } from '../../engine/export/tfjsModel';
import { analyse } from '../../engine/graph/analyse';
import type { GraphDoc } from '../../engine/graph/schema';
import { architectureChanges, exportBaseName } from '../export/architecture';
import { keptModelForExport } from './insight';
import type { ExportRequest, ExportSummary } from './protocol';
import { hfStyleFiles } from './hfImport';

export interface ExportDeps {
  /** The built-in digits (dist/renderer/data/mnist.bin, encoded by engine/data/mnist). */
  mnistBin: () => Promise<Uint8Array>;
  /** The engine's layers as registerPerceiverLayers(tf) (dist/renderer/web/perceiver-layers.js). */
  layersBundle: () => Promise<Uint8Array>;
  /** tfjs's own ES module build for the demo page (dist/renderer/web/tf.fesm.min.js). */
  tfjsModule: () => Promise<Uint8Array>;
}

export class ExportRefused extends Error {}

const text = (s: string) => new TextEncoder().encode(s);
const trainsOnMnist = (doc: GraphDoc) => !doc.data || doc.data.source === 'mnist';

export async function buildExport(
  req: ExportRequest,
  deps: ExportDeps,
): Promise<{ files: { path: string; data: Uint8Array }[]; summary: ExportSummary }> {
  const notes: string[] = [];
  const kept = req.withWeights ? keptModelForExport() : null;
  if (req.withWeights && !kept)
    throw new ExportRefused('There is no trained model yet: train the graph first, or export without weights.');
  let doc = req.doc;
  let weightsNote: string | null = null;
  if (kept) {
    const changes = architectureChanges(req.doc, kept.doc);
    if (changes.length) {
      throw new ExportRefused(
        `The graph has changed since ${kept.name} trained it (${changes.slice(0, 3).join('; ')}${changes.length > 3 ? `; ${changes.length - 3} more` : ''}). Train it again, or export without weights.`,
      );
    }
    // The trained graph has the data-derived params filled in; the editor's layout and names win.
    doc = {
      ...req.doc,
      nodes: req.doc.nodes.map((n) => ({ ...n, params: kept.doc.nodes.find((t) => t.id === n.id)!.params })),
    };
    const epochs =
      kept.epoch === null ? 'within its first epoch' : `${kept.epoch} epoch${kept.epoch === 1 ? '' : 's'} completed`;
    weightsNote = `${kept.name}, ${epochs}${kept.training ? ' (still training: the weights as they are now)' : ''}`;
  }
  const analysis = analyse(doc);
  if (!analysis.valid) {
    const first = analysis.problems.find((p) => p.severity === 'error')!;
    throw new ExportRefused(
      `The graph cannot be exported: ${first.message}${first.nodeId ? ` (node "${first.nodeId}")` : ''}.`,
    );
  }
  const base = exportBaseName(doc.name);
  const files: { path: string; data: Uint8Array }[] = [];

  if (req.format === 'pytorch' || req.format === 'onnx') {
    let dataFile: string | undefined;
    let dataNote: string | undefined;
    const extra: { path: string; data: Uint8Array }[] = [];
    if (req.format === 'onnx') {
      notes.push(
        'The host runs export_onnx.py in the written folder to add model.onnx (opset 17, dynamic batch); it needs Python with PyTorch there.',
      );
    } else if (req.includeData && trainsOnMnist(doc)) {
      dataFile = 'data/mnist.npz';
      dataNote = 'the built-in MNIST digits as bytes (scale 1/255), split exactly as the app splits them';
      extra.push({ path: dataFile, data: mnistNpz(decodeMnist(await deps.mnistBin()), doc.data) });
    } else if (!trainsOnMnist(doc)) {
      notes.push(
        `The data (${doc.data!.source}${doc.data!.path ? ` ${doc.data!.path}` : ''}) is not copied: pass it to train.py with --data PATH.`,
      );
    }
    const ex = exportPytorch(doc, {
      weights: kept ? namedWeights(kept.model) : undefined,
      weightsSource: kept ? `Perceiver Studio, ${weightsNote}` : undefined,
      dataFile,
      dataNote,
    });
    for (const [path, content] of ex.files)
      files.push({ path, data: typeof content === 'string' ? text(content) : content });
    files.push(...extra);
    // An imported (or fine-tuned imported) model also gets its Hugging Face folder.
    const hf = hfStyleFiles(doc, kept ? namedWeights(kept.model) : undefined, kept?.data.classNames);
    if (hf) {
      files.push(...hf.files);
      notes.push(hf.note);
    }
    return { files, summary: { name: `${base}-${req.format}`, params: ex.model.params, weights: weightsNote, notes } };
  }

  const fresh = kept ? null : compile(doc).model;
  const model = kept?.model ?? fresh!;
  try {
    const artifacts = await modelArtifacts(model);
    const specs = webInputSpecs(model, analysis);
    const data = kept?.data ?? (trainsOnMnist(doc) ? mnistDataset(decodeMnist(await deps.mnistBin()), doc.data) : null);
    const example = await webExample(model, specs, data ? exampleSource(data) : null);
    if (!kept) notes.push('No trained weights: the model starts from its initial weights.');
    const web = webExportFiles(doc, artifacts, example, specs, {
      layers: await deps.layersBundle(),
      tfjs: await deps.tfjsModule(),
    });
    for (const [path, content] of web)
      files.push({ path, data: typeof content === 'string' ? text(content) : content });
    return { files, summary: { name: `${base}-tfjs`, params: model.countParams(), weights: weightsNote, notes } };
  } finally {
    fresh?.dispose();
  }
}

/** Test examples of the run's data (the train split when the test split is too small). */
function exampleSource(data: Dataset): ExampleSource {
  const split = data.test.size >= 4 ? data.test : data.train;
  return {
    inputShape: data.inputShape,
    classNames: data.classNames,
    size: split.size,
    example: async (i) => (await split.example(i)).x,
  };
}
