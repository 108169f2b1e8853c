/**
 * `perceiver-studio export [template.json] --format pytorch|tfjs|onnx --out DIR [--weights DIR] [--force]`
 *
 * --weights takes a model folder (train --save-model, import-hf) or a checkpoint folder (train
 * --checkpoints); the graph saved with the weights (graph.json) is the one exported, else the
 * template's. A non-empty --out is refused unless --force, which replaces it whole (written
 * beside it, then swapped in: no stale files). onnx: the PyTorch package plus model.onnx, written
 * by its export_onnx.py with the local Python + torch (exit 1, package kept, when there is none).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { DataError } from '../data/errors.js';
import { exportPytorch, trainHint } from '../export/pytorch/index.js';
import { namedWeights } from '../export/tfjsModel.js';
import type { NamedArrays } from '../export/weights.js';
import type { GraphDoc } from '../graph/schema.js';
import { useNodeBackend } from '../node/backend.js';
import { FileLimitError, readFileBounded, resolveTemplateDataPath } from '../node/boundedRead.js';
import { mnistNpzFile } from '../node/export.js';
import { MAX_IN_MEMORY_FILE } from '../node/files.js';
import { isCheckpointFolder, readModelFolder, replaceFolder } from '../node/modelFolder.js';
import { findPythonWithTorch, INSTALL_TORCH, ONNX_OPSET, OnnxExportError, runExportOnnx } from '../node/onnxExport.js';
import { UsageError, type Args, type Out } from './main.js';
import { shQuote } from '../export/textSafety.js';

const FORMATS = ['pytorch', 'tfjs', 'onnx'] as const;

/** Refuse a non-empty --out unless --force (checked before any work). */
function checkOutDir(out: string, force: boolean): void {
  let entries: string[];
  try {
    if (!statSync(out).isDirectory()) throw new UsageError(`--out ${out} is a file; give a folder`);
    entries = readdirSync(out);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    return; // missing: created
  }
  if (entries.length && !force)
    throw new UsageError(
      `--out ${out} is not empty; give --force to replace it (its current content is removed), or choose another folder`,
    );
}

interface Trained {
  doc: GraphDoc;
  weights: NamedArrays;
  classNames?: string[];
  from: 'model' | 'checkpoint';
  graphFrom: string;
}

/** A model folder or checkpoint folder: the graph saved with it (else the template) and its weights. */
async function readWeightsFolder(
  dir: string,
  template: GraphDoc | undefined,
  templatePath: string | undefined,
  out: Out,
): Promise<Trained> {
  const checkpoint = isCheckpointFolder(dir);
  const graphs = checkpoint ? [join(dir, 'graph.json'), join(dirname(dir), 'graph.json')] : [join(dir, 'graph.json')];
  const saved = graphs.find((g) => existsSync(g));
  if (!saved && !template)
    throw new UsageError(
      `${dir} has no graph.json; give the template it was trained with: export TEMPLATE.json --weights ${dir} …`,
    );
  await useNodeBackend('cpu');
  const loaded = await readModelFolder(dir, saved ? {} : { doc: template });
  try {
    if (saved && template && templatePath) {
      const ids = (d: GraphDoc) =>
        d.nodes
          .map((n) => `${n.id}:${n.kind}`)
          .sort()
          .join(',');
      if (ids(template) !== ids(loaded.doc))
        out.log(`note: exporting the graph saved with the weights (${saved}), which differs from ${templatePath}`);
    }
    return {
      doc: loaded.doc,
      weights: namedWeights(loaded.model),
      classNames: loaded.info.classNames,
      from: loaded.from,
      graphFrom: saved ?? templatePath ?? 'the template',
    };
  } finally {
    loaded.model.dispose();
  }
}

export async function exportCommand(
  args: Args,
  template: GraphDoc | undefined,
  templatePath: string | undefined,
  out: Out,
): Promise<number> {
  const format = args.flags.get('--format');
  if (typeof format !== 'string' || !(FORMATS as readonly string[]).includes(format))
    throw new UsageError(
      `export needs --format pytorch, tfjs, onnx or hf${typeof format === 'string' ? ` (got ${format})` : ''}`,
    );
  const outFlag = args.flags.get('--out');
  if (typeof outFlag !== 'string') throw new UsageError('export needs --out DIR (the folder to write)');
  const outDir = resolve(outFlag);
  const force = args.flags.has('--force');
  const json = args.flags.has('--json');
  const weightsDir = args.flags.get('--weights');
  if (weightsDir === true) throw new UsageError('--weights needs a folder (a model folder or a checkpoint folder)');
  if (weightsDir === undefined && !template)
    throw new UsageError(
      'export needs a template file, or --weights DIR (a model or checkpoint folder with its graph.json)',
    );
  checkOutDir(outDir, force);
  const trained =
    typeof weightsDir === 'string'
      ? await readWeightsFolder(resolve(weightsDir), template, templatePath, out)
      : undefined;
  const doc = trained?.doc ?? template!;
  // A data path is relative to the graph file it is in.
  const docPath = trained
    ? trained.graphFrom.endsWith('graph.json')
      ? trained.graphFrom
      : templatePath
    : templatePath;
  const weightsSource =
    typeof weightsDir === 'string'
      ? `${trained!.from === 'checkpoint' ? 'checkpoint' : 'model'} folder ${weightsDir}`
      : undefined;

  if (format === 'tfjs') {
    const backend = (args.flags.get('--backend') ?? 'cpu') as string;
    if (backend !== 'wasm' && backend !== 'cpu') throw new UsageError(`--backend must be wasm or cpu (got ${backend})`);
    const { exportTfjsFolder } = await import('../node/exportWeb.js');
    const r = await exportTfjsFolder(doc, outDir, {
      weights: trained?.weights,
      weightsSource,
      backend,
      classNames: trained?.classNames,
      force,
    });
    if (json) out.log(JSON.stringify({ format, out: outDir, files: r.files, weights: weightsSource ?? null }));
    else {
      out.log(`Exported "${doc.name}" for the web to ${outDir}: ${r.files.join(', ')}`);
      out.log(
        `Serve the folder over http (e.g. npx http-server ${outFlag}) and open index.html; README.md shows the lines a web page needs.`,
      );
    }
    return 0;
  }

  let dataFile: string | undefined;
  let dataNote: string | undefined;
  const explicitData = args.flags.get('--data');
  if (explicitData === true) throw new UsageError('--data needs a file (the data to copy into the package)');
  const files = new Map<string, string | Uint8Array>();
  // An ONNX export is for inference: no data copy unless --data asks for one.
  const copyData = !args.flags.has('--no-data') && (format !== 'onnx' || typeof explicitData === 'string');
  if (copyData && (doc.data || typeof explicitData === 'string')) {
    if (doc.data?.source === 'mnist' && typeof explicitData !== 'string') {
      dataFile = 'data/mnist.npz';
      dataNote = 'the built-in MNIST digits as bytes (scale 1/255), split exactly as the app splits them';
      files.set(dataFile, mnistNpzFile(doc));
    } else if ((doc.data?.path && docPath) || typeof explicitData === 'string') {
      // The template is untrusted: its data.path stays inside the template's folder (no absolute
      // paths, "..", or symlinks out); the user's own --data may point anywhere. Either way only a
      // regular file within the size limit is copied (no devices, FIFOs or /proc files).
      let src: string;
      try {
        src =
          typeof explicitData === 'string'
            ? resolve(explicitData)
            : resolveTemplateDataPath(resolve(docPath!), doc.data!.path!);
        if (!statSync(src).isDirectory()) {
          const bytes = readFileBounded(src, MAX_IN_MEMORY_FILE, 'data file');
          dataFile = `data/${basename(src)}`;
          files.set(dataFile, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
          dataNote = `a copy of ${typeof explicitData === 'string' ? explicitData : doc.data!.path}, read with the app's rules`;
        } // else a folder of images: train.py takes --data PATH
      } catch (err) {
        if (err instanceof FileLimitError)
          throw new DataError(err.reason, { file: typeof explicitData === 'string' ? explicitData : docPath });
        const code = (err as NodeJS.ErrnoException).code;
        throw new DataError(code === 'ENOENT' ? 'no such file' : `cannot read it (${code ?? (err as Error).message})`, {
          file: typeof explicitData === 'string' ? explicitData : docPath,
        });
      }
    }
  }
  const ex = exportPytorch(doc, { weights: trained?.weights, weightsSource, dataFile, dataNote });
  for (const [k, v] of files) ex.files.set(k, v);
  replaceFolder(outDir, ex.files, { force });
  if (format === 'pytorch') {
    if (json)
      out.log(
        JSON.stringify({
          format,
          out: outDir,
          files: [...ex.files.keys()].sort(),
          params: ex.model.params,
          weights: weightsSource ?? null,
        }),
      );
    else {
      out.log(
        `Exported "${doc.name}" (${ex.model.params.toLocaleString('en-US')} parameters) to PyTorch in ${outDir}:`,
      );
      out.log(`  ${[...ex.files.keys()].sort().join(', ')}`);
      // Quoted: the line is meant to be pasted into a shell, and a folder name may hold $( ) or spaces.
      out.log(
        `Train: cd ${shQuote(outFlag)} && ${trainHint(dataFile)}   (see README.md: one GPU, all GPUs, several machines, Slurm)`,
      );
    }
    return 0;
  }

  // onnx: the package is written; its export_onnx.py makes model.onnx with the local torch.
  const py = findPythonWithTorch();
  if (!('python' in py)) {
    out.err(
      `perceiver-studio: model.onnx was not written: no Python with torch here (tried ${py.tried.join('; ')}). To make it, ${INSTALL_TORCH}, then run: cd ${outFlag} && python3 export_onnx.py`,
    );
    out.err(`The PyTorch package (with export_onnx.py${trained ? ' and the weights' : ''}) is in ${outDir}.`);
    if (json)
      out.log(
        JSON.stringify({
          format,
          out: outDir,
          onnx: null,
          files: [...ex.files.keys()].sort(),
          weights: weightsSource ?? null,
        }),
      );
    return 1;
  }
  let r;
  try {
    r = runExportOnnx(outDir, py.python, { opset: ONNX_OPSET });
  } catch (err) {
    if (err instanceof OnnxExportError) {
      out.err(`perceiver-studio: ${err.message}`);
      out.err(
        `The PyTorch package is in ${outDir}; fix the error above and run: cd ${outFlag} && python3 export_onnx.py`,
      );
      return 1;
    }
    throw err;
  }
  const shapes = ex.model.inputs
    .map((i) => `${i.arg} [batch, ${i.shape.join(', ')}] ${i.dtype === 'int32' ? 'int64 ids' : 'float32'}`)
    .join('; ');
  if (json)
    out.log(
      JSON.stringify({
        format,
        out: outDir,
        onnx: r.onnx,
        opset: r.opset,
        inputs: r.inputs,
        outputs: r.outputs,
        files: [...ex.files.keys(), 'model.onnx'].sort(),
        weights: weightsSource ?? null,
        python: py.python,
        torch: py.torch,
      }),
    );
  else {
    out.log(
      `Exported "${doc.name}" to ONNX: ${r.onnx} (opset ${r.opset}, dynamic batch; inputs ${shapes}; outputs ${r.outputs.join(', ')}) with ${py.python} (torch ${py.torch})`,
    );
    out.log(`  beside the PyTorch package it was made from: ${[...ex.files.keys()].sort().join(', ')}`);
  }
  return 0;
}
