/**
 * `perceiver-studio import-hf <folder> --out <model-dir> [--force] [--memory-limit GiB] [--json]`
 *
 * A downloaded Hugging Face Perceiver folder (config.json + model.safetensors or
 * pytorch_model.bin) → a model folder (engine/node/modelFolder.ts) with the graph of our kinds,
 * the weights, and model-info.json's source {kind: "huggingface", class, config}.
 *
 * Exit codes: 0 imported; 1 a bad or unsupported checkpoint (the key / shape / file named);
 * 2 usage; 4 it does not fit in memory (with the estimate).
 */
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { analyse } from '../graph/analyse.js';
import { useNodeBackend } from '../node/backend.js';
import { hfModelInfo, importHfFolder } from '../node/hfFolder.js';
import { writeModelFolder } from '../node/modelFolder.js';
import { UsageError } from './main.js';
import { estimateTrainingMemory, formatBytes, GiB, MemoryGuardError } from '../train/memoryGuard.js';

type Out = { log: (s: string) => void; err: (s: string) => void };

export const IMPORT_HF_HELP = `perceiver-studio import-hf <folder> --out <model-dir> [--force] [--memory-limit GiB] [--json]
    Import a downloaded Hugging Face Perceiver checkpoint (config.json + model.safetensors or
    pytorch_model.bin; the six classes PerceiverForMaskedLM, -ImageClassificationLearned,
    -Fourier, -ConvProcessing, PerceiverForOpticalFlow, PerceiverForMultimodalAutoencoding)
    into a model folder: the graph of studio nodes, the weights and model-info.json (source
    class and config, class names from id2label). Prints the exact parameter count.
    pytorch_model.bin is read with a restricted unpickler that never runs code from the file.
    --force replaces a non-empty --out folder; --memory-limit caps the memory the import may
    use (default: 3/4 of the machine's); exit 4 when the model will not fit.`;

export async function importHfCommand(argv: string[], out: Out): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        out: { type: 'string' },
        force: { type: 'boolean' },
        'memory-limit': { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    out.log(IMPORT_HF_HELP);
    return 0;
  }
  if (positionals.length !== 1)
    throw new UsageError('import-hf takes one folder (config.json + model.safetensors or pytorch_model.bin)');
  if (!values.out) throw new UsageError('import-hf needs --out <model-dir> (the model folder to write)');
  let limit: number | undefined;
  if (values['memory-limit'] !== undefined) {
    const g = Number(values['memory-limit']);
    if (!Number.isFinite(g) || g <= 0)
      throw new UsageError(`--memory-limit must be a positive number of GiB (got ${values['memory-limit']})`);
    limit = g * GiB;
  }
  const json = !!values.json;
  await useNodeBackend('cpu');
  const t0 = Date.now();
  let imp;
  try {
    imp = await importHfFolder(positionals[0]!, {
      memoryLimitBytes: limit,
      onProgress: (done, total, what) =>
        out.err(
          `reading ${what}: ${Math.floor((100 * done) / total)}% (${formatBytes(done)} of ${formatBytes(total)})`,
        ),
    });
  } catch (err) {
    if (err instanceof MemoryGuardError) {
      out.err(`perceiver-studio: ${err.message}`);
      return 4;
    }
    throw err;
  }
  const readSeconds = (Date.now() - t0) / 1000;
  const info = hfModelInfo(imp);
  const written = await writeModelFolder(
    resolve(values.out),
    { weights: imp.weights, doc: imp.doc, info },
    { force: !!values.force },
  );
  imp.weights.clear();
  const fine = estimateTrainingMemory(analyse(imp.doc), imp.doc.training, 'wasm');
  const summary = {
    imported: imp.hfClass,
    from: imp.files.dir,
    weightsFile: imp.files.weightsPath,
    out: written.dir,
    parameters: imp.counts.parameters,
    buffers: imp.counts.buffers,
    stateDictEntries: imp.counts.entries,
    graphParameters: imp.graphParams,
    savedValues: written.info.parameterCount,
    trainableParameters: written.info.trainableParameterCount,
    nodes: imp.doc.nodes.length,
    classNames: info.classNames?.length ?? 0,
    seconds: (Date.now() - t0) / 1000,
    fineTuneMemory: { bytes: fine.totalBytes, batchSize: imp.doc.training.batchSize, fitsWasm: fine.fits },
  };
  if (json) out.log(JSON.stringify(summary));
  else {
    out.log(`Imported ${imp.hfClass} from ${imp.files.dir}`);
    out.log(
      `  weights: ${imp.files.weightsPath} (${formatBytes(imp.files.weightsBytes)}, ${imp.counts.entries} state-dict entries, read in ${readSeconds.toFixed(1)} s)`,
    );
    out.log(
      `  parameters: ${imp.counts.parameters.toLocaleString('en-US')}${imp.counts.buffers ? ` (+ ${imp.counts.buffers.toLocaleString('en-US')} BatchNorm buffer values)` : ''}`,
    );
    const stats = (written.info.parameterCount ?? 0) - (written.info.trainableParameterCount ?? 0);
    out.log(
      `  graph: ${imp.doc.nodes.length} nodes, ${(written.info.trainableParameterCount ?? 0).toLocaleString('en-US')} trainable parameters${stats ? ` + ${stats.toLocaleString('en-US')} BatchNorm statistics` : ''}`,
    );
    if (info.classNames)
      out.log(
        `  classes: ${info.classNames.length} (${info.classNames.slice(0, 3).join(', ')}${info.classNames.length > 3 ? ', …' : ''})`,
      );
    out.log(`  model folder: ${written.dir} (model.json, weights.bin, graph.json, model-info.json)`);
    out.log(
      `  fine-tuning at batch ${imp.doc.training.batchSize} needs about ${formatBytes(fine.totalBytes)} (${fine.fits ? 'fits' : 'does not fit'} the wasm backend's ${formatBytes(fine.limitBytes)})`,
    );
    const example: Record<string, string> = {
      PerceiverForMaskedLM: 'text.txt   (or --input inputs=ids.npy --input attention_mask=mask.npy)',
      PerceiverForOpticalFlow: 'frame1.png frame2.png   (or --input inputs=patches.npy, [B, 2, 27, H, W])',
      PerceiverForMultimodalAutoencoding: '--input image=video.npy --input audio=audio.npy --input label=label.npy',
    };
    out.log(
      `Run it: perceiver-studio predict ${values.out} ${example[imp.hfClass] ?? 'photo.jpg   (or --input inputs=pixels.npy, NCHW)'} [--out OUT.npz]`,
    );
  }
  return 0;
}
