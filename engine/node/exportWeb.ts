/**
 * `export --format tfjs`: the model as tfjs files (model.json + weights.bin), the engine's layers
 * as perceiver-layers.js (registerPerceiverLayers(tf), built by `npm run build` into dist/web, or
 * here on demand), and the demo page with example.json holding inputs and the engine's outputs
 * (engine/export/tfjs/webExport.ts lists the files).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compile } from '../compile/compile.js';
import { mnistDataset } from '../data/mnist.js';
import type { WebExample } from '../export/tfjs/page.js';
import { webExample, webExportFiles, webInputSpecs, type ExampleSource } from '../export/tfjs/webExport.js';
import { applyNamedWeights, modelArtifacts } from '../export/tfjsModel.js';
import type { NamedArrays } from '../export/weights.js';
import type { GraphDoc } from '../graph/schema.js';
import { useNodeBackend, type NodeBackend } from './backend.js';
import { replaceFolder } from './modelFolder.js';
import { loadMnistBytes } from './mnist.js';

// Both engine/node/exportWeb.ts and the bundled dist/cli/*.mjs sit two levels below the root.
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const WEB_LAYERS_BUNDLE = join(root, 'dist', 'web', 'perceiver-layers.js');
export const WEB_TFJS_MODULE = join(root, 'dist', 'web', 'tf.fesm.min.js');

/** Build dist/web (perceiver-layers.js + tf.fesm.min.js) with scripts/build-web-layers.mjs. */
export async function buildWebLayers(outfile = WEB_LAYERS_BUNDLE): Promise<void> {
  const script = join(root, 'scripts', 'build-web-layers.mjs');
  if (!existsSync(script))
    throw new Error(
      `cannot build the web layers: ${script} is missing (run from the Perceiver Studio source tree or run npm run build)`,
    );
  const mod = (await import(pathToFileURL(script).href)) as {
    buildWebLayers: (o: { outfile: string }) => Promise<void>;
  };
  await mod.buildWebLayers({ outfile });
}

/** The bundle is missing, from before registerPerceiverLayers, or older than the layer sources (in a source tree). */
function bundleStale(): boolean {
  if (!existsSync(WEB_LAYERS_BUNDLE) || !existsSync(WEB_TFJS_MODULE)) return true;
  const built = statSync(WEB_LAYERS_BUNDLE).mtimeMs;
  const layersDir = join(root, 'engine', 'layers');
  const sources = existsSync(layersDir)
    ? readdirSync(layersDir)
        .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
        .map((f) => join(layersDir, f))
    : [];
  sources.push(join(root, 'engine', 'kinds', 'fourierChannels.ts'), join(root, 'scripts', 'build-web-layers.mjs'));
  if (sources.some((f) => existsSync(f) && statSync(f).mtimeMs > built)) return true;
  return !readFileSync(WEB_LAYERS_BUNDLE, 'utf8').includes('registerPerceiverLayers');
}

export async function webBundles(): Promise<{ layers: Uint8Array; tfjs: Uint8Array }> {
  if (bundleStale()) await buildWebLayers();
  return {
    layers: new Uint8Array(readFileSync(WEB_LAYERS_BUNDLE)),
    tfjs: new Uint8Array(readFileSync(WEB_TFJS_MODULE)),
  };
}

async function exampleSource(doc: GraphDoc): Promise<ExampleSource | null> {
  if (doc.data?.source !== 'mnist') return null;
  const ds = mnistDataset(loadMnistBytes(), doc.data);
  return {
    inputShape: ds.inputShape,
    classNames: ds.classNames,
    size: ds.test.size,
    example: async (i) => (await ds.test.example(i)).x,
  };
}

export async function exportTfjsFolder(
  doc: GraphDoc,
  dir: string,
  opts: {
    weights?: NamedArrays;
    weightsSource?: string;
    backend?: NodeBackend;
    examples?: number;
    classNames?: string[];
    force?: boolean;
  } = {},
): Promise<{ files: string[]; example: WebExample }> {
  const be = await useNodeBackend(opts.backend ?? 'cpu');
  const { model, analysis } = compile(doc);
  try {
    if (opts.weights) applyNamedWeights(model, opts.weights, opts.weightsSource ?? 'the trained weights');
    const artifacts = await modelArtifacts(model);
    const specs = webInputSpecs(model, analysis);
    const example = await webExample(model, specs, await exampleSource(doc), { n: opts.examples });
    example.backend = be.backend;
    if (!example.classNames && opts.classNames) example.classNames = opts.classNames;
    const files = webExportFiles(doc, artifacts, example, specs, await webBundles());
    // A non-empty dir only with force, replaced whole (no stale files from an earlier export).
    replaceFolder(dir, files, { force: opts.force });
    return { files: [...files.keys()], example };
  } finally {
    model.dispose();
  }
}
