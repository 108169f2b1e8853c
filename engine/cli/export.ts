/**
 * `perceiver-studio export <template.json> --format pytorch|tfjs --out DIR [--weights TRAINED_DIR]`
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { DataError } from '../data/errors.js';
import { exportPytorch, trainHint } from '../export/pytorch/index.js';
import type { GraphDoc } from '../graph/schema.js';
import { FileLimitError, readFileBounded, resolveTemplateDataPath } from '../node/boundedRead.js';
import { mnistNpzFile, readTrainedModelDir, writeExportFiles } from '../node/export.js';
import { MAX_IN_MEMORY_FILE } from '../node/files.js';
import { UsageError, type parseArgs } from './main.js';

type Args = ReturnType<typeof parseArgs>;
type Out = { log: (s: string) => void; err: (s: string) => void };

/** Refuse to write into a non-empty folder that is not an earlier export. */
function checkOutDir(out: string): void {
  if (!existsSync(out)) return;
  const entries = readdirSync(out);
  if (entries.length && !entries.includes('model.py') && !entries.includes('model.json')) {
    throw new UsageError(`--out ${out} is a folder with other files in it; choose an empty or new folder`);
  }
}

export async function exportCommand(args: Args, doc: GraphDoc, templatePath: string, out: Out): Promise<number> {
  const format = args.flags.get('--format');
  if (format !== 'pytorch' && format !== 'tfjs') throw new UsageError('export needs --format pytorch or --format tfjs');
  const outDir = args.flags.get('--out');
  if (typeof outDir !== 'string') throw new UsageError('export needs --out DIR (the folder to write)');
  const weightsDir = args.flags.get('--weights');
  if (weightsDir === true) throw new UsageError('--weights needs a folder (model.json + weights.bin)');
  checkOutDir(resolve(outDir));
  const trained = typeof weightsDir === 'string' ? readTrainedModelDir(resolve(weightsDir)) : undefined;

  if (format === 'tfjs') {
    const backend = (args.flags.get('--backend') ?? 'cpu') as string;
    if (backend !== 'wasm' && backend !== 'cpu') throw new UsageError(`--backend must be wasm or cpu (got ${backend})`);
    const { exportTfjsFolder } = await import('../node/exportWeb.js');
    const r = await exportTfjsFolder(doc, resolve(outDir), { weights: trained?.weights, weightsSource: weightsDir as string | undefined, backend });
    out.log(`Exported "${doc.name}" for the web to ${resolve(outDir)}: ${r.files.join(', ')}`);
    out.log(`Serve the folder over http (e.g. npx http-server ${outDir}) and open index.html.`);
    return 0;
  }

  let dataFile: string | undefined;
  let dataNote: string | undefined;
  const explicitData = args.flags.get('--data');
  if (explicitData === true) throw new UsageError('--data needs a file (the data to copy into the package)');
  const files = new Map<string, string | Uint8Array>();
  if (!args.flags.has('--no-data') && (doc.data || typeof explicitData === 'string')) {
    if (doc.data?.source === 'mnist' && typeof explicitData !== 'string') {
      dataFile = 'data/mnist.npz';
      dataNote = "the built-in MNIST digits as bytes (scale 1/255), split exactly as the app splits them";
      files.set(dataFile, mnistNpzFile(doc));
    } else if (doc.data?.path || typeof explicitData === 'string') {
      // The template is untrusted: its data.path stays inside the template's folder (no absolute
      // paths, "..", or symlinks out); the user's own --data may point anywhere. Either way only a
      // regular file within the size limit is copied (no devices, FIFOs or /proc files).
      let src: string;
      try {
        src = typeof explicitData === 'string' ? resolve(explicitData) : resolveTemplateDataPath(resolve(templatePath), doc.data!.path!);
        if (!statSync(src).isDirectory()) {
          const bytes = readFileBounded(src, MAX_IN_MEMORY_FILE, 'data file');
          dataFile = `data/${basename(src)}`;
          files.set(dataFile, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
          dataNote = `a copy of ${typeof explicitData === 'string' ? explicitData : doc.data!.path}, read with the app's rules`;
        } // else a folder of images: train.py takes --data PATH
      } catch (err) {
        if (err instanceof FileLimitError) throw new DataError(err.reason, { file: typeof explicitData === 'string' ? explicitData : templatePath });
        const code = (err as NodeJS.ErrnoException).code;
        throw new DataError(code === 'ENOENT' ? 'no such file' : `cannot read it (${code ?? (err as Error).message})`, { file: typeof explicitData === 'string' ? explicitData : templatePath });
      }
    }
  }
  const ex = exportPytorch(doc, { weights: trained?.weights, weightsSource: weightsDir as string | undefined, dataFile, dataNote });
  for (const [k, v] of files) ex.files.set(k, v);
  writeExportFiles(resolve(outDir), ex.files);
  out.log(`Exported "${doc.name}" (${ex.model.params.toLocaleString('en-US')} parameters) to PyTorch in ${resolve(outDir)}:`);
  out.log(`  ${[...ex.files.keys()].sort().join(', ')}`);
  out.log(`Train: cd ${outDir} && ${trainHint(dataFile)}   (see README.md: one GPU, all GPUs, several machines, Slurm)`);
  return 0;
}
