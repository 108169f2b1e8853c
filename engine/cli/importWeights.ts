/**
 * `perceiver-studio import-weights <package-dir|graph.json> [weights.safetensors] --out <model-dir> [--force] [--json]`
 *
 * Weights trained by an exported PyTorch package (train.py writes checkpoints/weights.safetensors,
 * the best epoch's) back into a model folder the app and `predict` open: the package's
 * graph.json is compiled, the PyTorch names and layouts are mapped to the engine's
 * (engine/export/weights.ts, one to one), and every tensor is checked by name and shape.
 *
 * Exit codes: 0 imported; 1 the weights do not fit the graph (the tensor named); 2 usage.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { compile } from '../compile/compile.js';
import { loadGraphDoc } from '../graph/load.js';
import { useNodeBackend } from '../node/backend.js';
import { importPytorchWeights } from '../node/export.js';
import { writeModelFolder } from '../node/modelFolder.js';
import { UsageError, type Args, type Out } from './main.js';

export const IMPORT_WEIGHTS_HELP = `perceiver-studio import-weights <package-dir|graph.json> [weights.safetensors] --out <model-dir> [--force] [--json]
    Bring weights trained with an exported PyTorch package back: the package's graph.json (or a
    template) with the weights.safetensors train.py wrote (default: <package>/checkpoints/
    weights.safetensors, the best epoch's) become a model folder that the app opens and
    \`predict\` runs. Names and shapes are checked tensor by tensor. --force replaces a
    non-empty --out folder.`;

export async function importWeightsCommand(args: Args, out: Out): Promise<number> {
  const source = resolve(args.positional[0]!);
  const dirGiven = existsSync(source) && statSync(source).isDirectory();
  const graphPath = dirGiven ? join(source, 'graph.json') : source;
  if (!existsSync(graphPath))
    throw new UsageError(
      `${graphPath} does not exist; give the exported package folder (it holds graph.json) or a template file`,
    );
  const weights = resolve(args.positional[1] ?? (dirGiven ? join(source, 'checkpoints', 'weights.safetensors') : ''));
  if (!args.positional[1] && !dirGiven)
    throw new UsageError('import-weights needs the weights.safetensors file after the template');
  if (!existsSync(weights))
    throw new UsageError(
      `${weights} does not exist; train.py writes checkpoints/weights.safetensors in the package (or give the file)`,
    );
  const outDir = args.flags.get('--out');
  if (typeof outDir !== 'string') throw new UsageError('import-weights needs --out DIR (the model folder to write)');
  const doc = loadGraphDoc(readFileSync(graphPath, 'utf8'), graphPath);
  await useNodeBackend('cpu');
  const { model, inputNodes } = compile(doc);
  try {
    const { metadata } = importPytorchWeights(model, doc, weights);
    const r = await writeModelFolder(
      resolve(outDir),
      {
        model,
        doc,
        inputNodes,
        info: {
          source: {
            kind: 'trained',
            run: {
              epochs: metadata.epoch ? Number(metadata.epoch) : undefined,
              steps: metadata.step ? Number(metadata.step) : undefined,
            },
          },
        },
      },
      { force: args.flags.has('--force') },
    );
    if (args.flags.has('--json'))
      out.log(
        JSON.stringify({ dir: r.dir, files: r.files, parameters: r.info.parameterCount, from: weights, metadata }),
      );
    else
      out.log(
        `Imported ${weights} into ${r.dir} (${(r.info.parameterCount ?? 0).toLocaleString('en-US')} parameters${metadata.epoch ? `, epoch ${metadata.epoch}` : ''}): ${r.files.join(', ')}`,
      );
    return 0;
  } finally {
    model.dispose();
  }
}
