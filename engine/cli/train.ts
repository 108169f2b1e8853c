/**
 * `perceiver-studio train`: load data (built-in MNIST, a CSV/JSON/NumPy file, an image folder, or
 * a text file for masked-byte models),
 * fill "from data" params, refuse a model that will not fit in memory, then train with the same
 * engine code the app's worker runs, writing a checkpoint per epoch when asked.
 *
 * Exit codes: 0 trained; 1 the run diverged or the model/template is wrong; 2 usage;
 * 3 a data problem (file, row, column or image named); 4 the model does not fit in memory.
 */
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { audioCodec } from '../data/audio.js';
import { fileFolderDataset, folderContentKind } from '../data/fileFolder.js';
import { pointCodec } from '../data/pointcloud.js';
import { videoCodec } from '../data/video.js';
import { multimodalFolderDataset } from '../data/multimodal.js';
import { listVideoFolder, nodeVideoAccess } from '../node/videoFolder.js';
import type { PointCloudParams } from '../kinds/pointCloudInput.js';
import { compile } from '../compile/compile.js';
import { targetsOf, TINY_SPLIT, type Dataset } from '../data/dataset.js';
import { DataError, type Skipped } from '../data/errors.js';
import { imageFolderDataset } from '../data/images.js';
import { mnistDataset } from '../data/mnist.js';
import { arrayDataset, type Normalization, type NormalizeKind, type TargetKind } from '../data/tabular.js';
import { isTextFileName, textDataset } from '../data/text.js';
import { analyse } from '../graph/analyse.js';
import type { DataBinding, GraphDoc, TrainingSettings } from '../graph/schema.js';
import { getKind } from '../kinds/registry.js';
import { useNodeBackend, type NodeBackend } from '../node/backend.js';
import { readCheckpoint, writeCheckpoint } from '../node/checkpointFiles.js';
import { writeExportFiles } from '../node/export.js';
import { MODEL_FOLDER_FORMAT, MODEL_FOLDER_VERSION, writeModelFolder } from '../node/modelFolder.js';
import { applyStart, type PretrainedStart } from './fineTuneStart.js';
import { FileLimitError, readFileBounded } from '../node/boundedRead.js';
import { MAX_IN_MEMORY_FILE, nodeInflateRaw, readDataFile, readFolderFile } from '../node/files.js';
import { listImageFolder, nodeImageAccess } from '../node/imageFolder.js';
import { loadMnistBytes } from '../node/mnist.js';
import { BindError, bindToData, declaredInputShape } from '../train/bindData.js';
import { CheckpointError, type Checkpoint } from '../train/checkpoint.js';
import { fitToData, formatChange } from '../train/fitToData.js';
import { headTargets, npzHeads } from '../train/headTargets.js';
import { multimodalNpzDataset } from '../data/multimodalNpz.js';
import { parseNpz } from '../data/npy.js';
import {
  BACKEND_MEMORY_LIMITS,
  estimateTrainingMemory,
  formatBytes,
  GiB,
  MemoryGuardError,
} from '../train/memoryGuard.js';
import { headLossTypes, METRIC_LABEL, metricIsAccuracy, planTraining, type MetricKind } from '../train/losses.js';
import { train, type EvalResult } from '../train/train.js';
import { UsageError, type Args, type Out } from './main.js';
import { TrainProgress } from './progress.js';

/** 130: stopped by Ctrl-C (SIGINT), as shells report 128 + 2. */
export const EXIT = { ok: 0, failed: 1, usage: 2, data: 3, memory: 4, interrupted: 130 } as const;

/** Refuse a non-empty folder before a long run would fail to save into it. */
function checkSaveTarget(dir: string, force: boolean): void {
  let entries: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new UsageError(`--save-model ${dir} is a file; give a folder`);
    entries = readdirSync(dir);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    return; // missing: it is created
  }
  if (entries.length && !force)
    throw new UsageError(
      `--save-model ${dir} is not empty; give --force to replace it (its current content is removed), or choose another folder`,
    );
}

/** The data binding's source for a --data argument (what graph.json records of the data). */
function sourceOf(spec: string): DataBinding['source'] {
  if (spec === 'mnist') return 'mnist';
  const ext = spec.toLowerCase().split('.').pop() ?? '';
  if (ext === 'csv' || ext === 'tsv') return 'csv';
  if (ext === 'json' || ext === 'npy' || ext === 'npz') return ext;
  if (isTextFileName(spec)) return 'text';
  return 'images';
}

/** A shell-safe rendering of argv, for the "resume with" line. */
function shellJoin(argv: string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** The command line that resumes this run from `dir` (the same flags, --resume instead of --checkpoints). */
export function resumeCommand(rest: string[], dir: string): string {
  const kept: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    if (a === '--checkpoints' || a === '--resume') {
      i++;
      continue;
    }
    if (a.startsWith('--checkpoints=') || a.startsWith('--resume=')) continue;
    kept.push(a);
  }
  return `perceiver-studio train ${shellJoin([...kept, '--resume', dir])}`;
}

export interface DataSpec {
  spec: string;
  target?: string;
  normalize: NormalizeKind;
  badRows: 'error' | 'skip';
  /** 'values' for a regression head (real-valued targets). */
  targetKind?: TargetKind;
  /** Fraction of bytes hidden per window (text data). */
  maskRate?: number;
}

function readTextFile(path: string): Uint8Array {
  try {
    return new Uint8Array(readFileBounded(path, MAX_IN_MEMORY_FILE, 'text file'));
  } catch (err) {
    if (err instanceof FileLimitError) throw new DataError(err.reason, { file: path });
    const code = (err as NodeJS.ErrnoException).code;
    throw new DataError(code === 'ENOENT' ? 'no such file' : `cannot read it (${code ?? (err as Error).message})`, {
      file: path,
    });
  }
}

export async function loadDataFor(d: DataSpec, doc: GraphDoc): Promise<Dataset> {
  const split = {
    validationFraction: doc.data?.validationFraction,
    testFraction: doc.data?.testFraction,
    seed: doc.data?.seed,
    normalize: d.normalize,
  };
  if (d.spec === 'mnist') return mnistDataset(loadMnistBytes(), split);
  let isDir: boolean;
  try {
    isDir = statSync(d.spec).isDirectory();
  } catch {
    throw new DataError(
      'no such file or folder (give mnist, a .csv/.tsv/.json/.npy/.npz file, or a folder with one subfolder of images per class)',
      { file: d.spec },
    );
  }
  if (isDir) {
    // Several model inputs: a folder of multimodal examples (one file per input, by name, + label.txt).
    const specs = analyse(doc).inputSpecs;
    if (specs.length > 1) {
      const inputs = specs.map((sp) => {
        const node = doc.nodes.find((n) => n.id === sp.nodeId)!;
        return {
          id: node.id,
          kind: node.kind,
          params: getKind(node.kind)!.params.parse(node.params) as Record<string, unknown>,
          shape: [...sp.shape],
        };
      });
      const listing = listImageFolder(d.spec);
      const folders = { root: d.spec, examples: listing.classes.map((c) => ({ name: c.name, files: c.files })) };
      // Classifier heads train on label.txt; an autoencoder's regression heads on the input they reconstruct.
      const heads = headTargets(doc).map((h) =>
        h.kind === 'classes' ? h : { kind: 'input' as const, inputIndex: h.inputIndex },
      );
      return multimodalFolderDataset(folders, nodeImageAccess, inputs, {
        validationFraction: split.validationFraction,
        testFraction: split.testFraction,
        seed: split.seed,
        badFiles: d.badRows,
        heads,
      });
    }
    const input = doc.nodes.find((n) => getKind(n.kind)?.isModelInput);
    const parsed = input ? getKind(input.kind)!.params.safeParse(input.params) : undefined;
    const params = (parsed?.success ? parsed.data : {}) as Record<string, number>;
    const folder = {
      validationFraction: split.validationFraction,
      testFraction: split.testFraction,
      seed: split.seed,
      badFiles: d.badRows,
    };
    // An Image input with frames reads video clips: class/clip/<frames> or class/clip.npy.
    if (input?.kind === 'ImageInput' && params.frames! > 0) {
      const shape = {
        frames: params.frames!,
        height: params.height!,
        width: params.width!,
        channels: params.channels!,
      };
      return fileFolderDataset(
        listVideoFolder(d.spec),
        nodeVideoAccess.readFile,
        videoCodec(shape, nodeVideoAccess),
        folder,
      );
    }
    const listing = listImageFolder(d.spec);
    const readFile = async (path: string) => new Uint8Array(await readFolderFile(path));
    if (input?.kind === 'AudioInput')
      return fileFolderDataset(
        listing,
        readFile,
        audioCodec({ samples: params.samples!, channels: params.channels!, sampleRate: params.sampleRate! }),
        folder,
      );
    if (input?.kind === 'PointCloudInput') {
      const p = params as unknown as PointCloudParams;
      const shape = {
        points: p.points,
        features: p.features,
        upAxis: p.upAxis,
        augment: { rotate: p.augmentRotation, scale: p.augmentScale, jitter: p.augmentJitter },
      };
      return fileFolderDataset(listing, readFile, pointCodec(shape), folder);
    }
    const content = folderContentKind(listing);
    if (content === 'points')
      throw new BindError(
        `${d.spec} is a folder of point clouds / meshes, but the graph's input ${input ? `"${input.id}" is a ${input.kind}` : 'is missing'}; use a point-cloud template such as templates/pointcloud-perceiver.json (a Point cloud input node)`,
        input?.id,
      );
    if (content === 'audio')
      throw new BindError(
        `${d.spec} is a folder of audio clips, but the graph's input ${input ? `"${input.id}" is a ${input.kind}` : 'is missing'}; use an audio template such as templates/audio-perceiver.json (an Audio input node)`,
        input?.id,
      );
    // Resize images to what the input node declares; axes it leaves at 0 come from the images.
    const declared = declaredInputShape(doc);
    const [height, width, channels] = declared?.length === 3 ? declared : [0, 0, 0];
    return imageFolderDataset(listing, nodeImageAccess, { ...split, height, width, channels });
  }
  if (isTextFileName(d.spec) || doc.data?.source === 'text') {
    // Windows as long as the input node takes: a Text bytes node's maxLength.
    const declared = declaredInputShape(doc);
    if (!declared || declared.length !== 1 || !(declared[0]! > 0)) {
      const input = doc.nodes.find((n) => getKind(n.kind)?.isModelInput);
      throw new BindError(
        `${d.spec} is a text file: it trains a masked-byte model whose input is a Text bytes node, but the input ${input ? `"${input.id}" (${input.kind}) takes examples of shape [${declared?.join(', ') ?? '?'}]` : 'is missing'}; use a text template such as templates/bytes-mlm-tiny.json`,
        input?.id,
      );
    }
    return textDataset(readTextFile(d.spec), { file: d.spec, seqLen: declared[0]!, maskRate: d.maskRate, ...split });
  }
  // An .npz for a graph with several inputs or heads: an array per input and per head, by name.
  if (d.spec.toLowerCase().endsWith('.npz')) {
    const a = analyse(doc);
    if (a.inputSpecs.length > 1 || a.heads.length > 1) {
      const inputs = a.inputSpecs.map((sp) => {
        const node = doc.nodes.find((n) => n.id === sp.nodeId)!;
        return {
          id: node.id,
          kind: node.kind,
          params: getKind(node.kind)!.params.parse(node.params) as Record<string, unknown>,
          shape: [...sp.shape],
        };
      });
      const arrays = await parseNpz(readTextFile(d.spec), { file: d.spec, inflateRaw: nodeInflateRaw });
      return multimodalNpzDataset(d.spec, arrays, inputs, npzHeads(doc), {
        validationFraction: split.validationFraction,
        testFraction: split.testFraction,
        seed: split.seed,
      });
    }
  }
  const t = await readDataFile(d.spec, { target: d.target, badRows: d.badRows, targetKind: d.targetKind });
  return arrayDataset(d.spec, t, split);
}

function reportSkipped(s: Skipped, out: Out): void {
  if (s.count === 0) return;
  out.log(`skipped ${s.count} item${s.count === 1 ? '' : 's'}:`);
  for (const r of s.reasons.slice(0, 10)) out.log(`  ${r}`);
  if (s.count > 10) out.log(`  … and ${s.count - 10} more`);
}

function formatConfusion(r: EvalResult, classNames: string[]): string[] {
  const names = classNames.map((n) => (n.length > 10 ? n.slice(0, 9) + '…' : n));
  const w = Math.max(6, ...names.map((n) => n.length), ...r.confusion.flat().map((v) => String(v).length)) + 1;
  const lines = [`${'true\\pred'.padEnd(w + 2)}${names.map((n) => n.padStart(w)).join('')}   accuracy`];
  r.confusion.forEach((row, i) => {
    const acc = r.perClassAccuracy[i]!;
    lines.push(
      `${names[i]!.padEnd(w + 2)}${row.map((v) => String(v).padStart(w)).join('')}   ${Number.isNaN(acc) ? '   n/a' : (acc * 100).toFixed(1).padStart(5) + '%'}`,
    );
  });
  return lines;
}

/** "acc 12.3%" or "MSE 0.0123", as the metric reads. */
export function formatMetric(metric: MetricKind | undefined, value: number): string {
  const m = metric ?? 'accuracy';
  const label = m === 'accuracy' ? 'acc' : METRIC_LABEL[m];
  return metricIsAccuracy(m) ? `${label} ${(value * 100).toFixed(1)}%` : `${label} ${value.toPrecision(4)}`;
}

function enumFlag<T extends string>(args: Args, name: string, allowed: readonly T[], fallback: T): T {
  const v = args.flags.get(name);
  if (v === undefined) return fallback;
  if (typeof v !== 'string' || !allowed.includes(v as T))
    throw new UsageError(`${name} must be one of ${allowed.join(', ')} (got ${String(v)})`);
  return v as T;
}

function stringFlag(args: Args, name: string): string | undefined {
  const v = args.flags.get(name);
  if (v === true) throw new UsageError(`${name} needs a value`);
  return v;
}

export async function trainCommand(
  args: Args,
  template: GraphDoc,
  out: Out,
  intFlag: (a: Args, n: string) => number | undefined,
  start?: PretrainedStart,
): Promise<number> {
  try {
    return await runTrain(args, template, out, intFlag, start);
  } catch (err) {
    const code =
      err instanceof DataError
        ? EXIT.data
        : err instanceof MemoryGuardError
          ? EXIT.memory
          : err instanceof BindError || err instanceof CheckpointError
            ? EXIT.failed
            : undefined;
    if (code === undefined) throw err;
    out.err(`perceiver-studio: ${(err as Error).message}`);
    return code;
  }
}

async function runTrain(
  args: Args,
  template: GraphDoc,
  out: Out,
  intFlag: (a: Args, n: string) => number | undefined,
  start?: PretrainedStart,
): Promise<number> {
  if (args.flags.has('--freeze-encoder') && !start)
    throw new UsageError(
      '--freeze-encoder fine-tunes a model folder: give train a model folder (import-hf, train --save-model), not a template',
    );
  const json = args.flags.has('--json');
  const backend = enumFlag<NodeBackend>(args, '--backend', ['wasm', 'cpu'], 'wasm');
  const dataSpec = stringFlag(args, '--data');
  if (dataSpec === undefined)
    throw new UsageError('train needs --data (mnist, a .csv/.json/.npy/.npz file, or an image folder)');
  const resumeDir = stringFlag(args, '--resume');
  const checkpointDir = stringFlag(args, '--checkpoints') ?? resumeDir;
  const memLimit = stringFlag(args, '--memory-limit');
  const memoryLimit = memLimit === undefined ? undefined : Number(memLimit) * GiB;
  if (memoryLimit !== undefined && !(memoryLimit > 0))
    throw new UsageError(`--memory-limit is in GiB and must be positive (got ${memLimit})`);
  const backendMax = BACKEND_MEMORY_LIMITS[backend];
  if (memoryLimit !== undefined && backendMax !== undefined && memoryLimit > backendMax) {
    throw new UsageError(
      `--memory-limit ${memLimit} GiB is more than the ${backend} backend can hold: ${formatBytes(backendMax)}${backend === 'wasm' ? ' (a 32-bit WebAssembly heap)' : " (Node's default heap)"}; give --memory-limit ${backendMax / GiB} or less`,
    );
  }
  const saveDir = stringFlag(args, '--save-model');
  if (saveDir !== undefined) checkSaveTarget(resolve(saveDir), args.flags.has('--force'));

  let resume: Checkpoint | undefined;
  let settings: TrainingSettings = { ...template.training };
  if (resumeDir) {
    resume = readCheckpoint(resumeDir);
    // A resumed run continues with the settings it started with (its schedule depends on them).
    settings = { ...resume.manifest.settings };
  }
  settings.epochs = intFlag(args, '--epochs') ?? settings.epochs;
  settings.batchSize = intFlag(args, '--batch-size') ?? settings.batchSize;
  const lr = stringFlag(args, '--learning-rate');
  if (lr !== undefined) {
    if (!(Number(lr) > 0)) throw new UsageError(`--learning-rate must be a positive number (got ${lr})`);
    settings.learningRate = Number(lr);
  }
  const seed = intFlag(args, '--seed');
  if (seed !== undefined) settings.seed = seed;
  const maxSteps = intFlag(args, '--max-steps');
  const maskRateFlag = stringFlag(args, '--mask-rate');
  const maskRate = maskRateFlag === undefined ? undefined : Number(maskRateFlag);
  if (maskRate !== undefined && !(maskRate > 0 && maskRate < 1))
    throw new UsageError(`--mask-rate is the fraction of bytes hidden, between 0 and 1 (got ${maskRateFlag})`);
  if (resume && resume.manifest.epoch >= settings.epochs) {
    throw new UsageError(
      `the checkpoint in ${resumeDir} has finished ${resume.manifest.epoch} of ${settings.epochs} epochs; give --epochs N with N > ${resume.manifest.epoch} to train further`,
    );
  }

  const dataTarget = stringFlag(args, '--target') ?? template.data?.target;
  const dataNormalize = enumFlag<NormalizeKind>(
    args,
    '--normalize',
    ['none', 'minmax', 'standardize'],
    template.data?.normalize ?? 'none',
  );
  const data = await loadDataFor(
    {
      spec: dataSpec,
      target: dataTarget,
      normalize: dataNormalize,
      badRows: args.flags.has('--skip-bad-rows') ? 'skip' : 'error',
      // A regression head reads its targets as numbers rather than classes.
      targetKind: headLossTypes(template)[0]?.type === 'regression' ? 'values' : 'classes',
      maskRate,
    },
    template,
  );
  // Generic templates fit themselves to the data (input sizes, class count), saying what they set;
  // --no-fit keeps the template's sizes and refuses data that does not match them.
  const fit = args.flags.has('--no-fit')
    ? undefined
    : fitToData(template, data, { classTargets: targetsOf(data).some((t) => t.kind === 'classes') });
  const { doc, filled } = bindToData(fit && !fit.problem ? fit.doc : template, data);
  if (fit && !fit.problem)
    filled.unshift(
      ...fit.changes.map((c) =>
        c.from === 0
          ? `${c.nodeId}.${c.param} = ${c.to} (from data)`
          : `${formatChange(c)} (fitted to the data; --no-fit keeps the template's sizes)`,
      ),
    );
  const analysis = analyse(doc);
  if (!analysis.valid) {
    const first = analysis.problems.find((p) => p.severity === 'error')!;
    throw new BindError(`The graph cannot be trained: ${first.message}`, first.nodeId);
  }
  const plan = planTraining(analysis, data);
  const metric = plan.heads[0]!.metric;
  const estimate = estimateTrainingMemory(analysis, settings, backend, memoryLimit);
  if (!estimate.fits) throw new MemoryGuardError(estimate);

  const be = await useNodeBackend(backend);
  const compiled = compile({ ...doc, training: settings });
  const model = compiled.model;
  // Fine-tuning a model folder: its weights wherever name and shape still match.
  const started = start ? applyStart(model, doc, start, args.flags.has('--freeze-encoder'), out, json) : undefined;
  if (!json) {
    const targetText = (t: (typeof plan.heads)[number]['target']) =>
      t.kind === 'classes'
        ? `${data.numClasses} classes`
        : t.kind === 'tokens'
          ? `${t.masked ? 'masked ' : ''}tokens (${t.classes} ids${'maskRate' in data ? `, ${((data.maskRate as number) * 100).toFixed(0)}% hidden` : ''})`
          : `real-valued targets [${t.shape.join(', ')}] (MSE)`;
    const what =
      plan.heads.length === 1
        ? targetText(plan.heads[0]!.target)
        : `${plan.heads.length} heads (${plan.heads.map((h) => `${h.nodeId}: ${targetText(h.target)}${h.weight !== 1 ? ` ×${h.weight}` : ''}`).join('; ')})`;
    out.log(
      `Training "${doc.name}" (${model.countParams().toLocaleString('en-US')} parameters) on ${data.name}: ${data.train.size} train / ${data.validation.size} validation / ${data.test.size} test, ${what}, ${data.moreInputShapes ? `inputs ${analysis.inputSpecs.map((sp, i) => `${sp.nodeId} [${(i === 0 ? data.inputShape : data.moreInputShapes![i - 1]!).join(', ')}]`).join(', ')}` : `input [${data.inputShape.join(', ')}]`}; backend ${be.note}`,
    );
    if (data.classNames.some((n, i) => n !== String(i)))
      out.log(`classes: ${data.classNames.map((n, i) => `${i}=${n}`).join(', ')}`);
    for (const f of filled) out.log(`  ${f}`);
    for (const [name, split] of [
      ['validation', data.validation],
      ['test', data.test],
    ] as const) {
      if (split.size > 0 && split.size < TINY_SPLIT)
        out.log(
          `  note: the ${name} split has only ${split.size} example${split.size === 1 ? '' : 's'}; its figures are noisy (more data, or a larger data.${name}Fraction, helps)`,
        );
    }
    out.log(`  ${estimate.message}`);
    reportSkipped(data.skipped, out);
    if (resume)
      out.log(`resuming from ${resumeDir} after epoch ${resume.manifest.epoch} (step ${resume.manifest.step})`);
  } else {
    out.log(
      JSON.stringify({
        start: true,
        metric,
        params: model.countParams(),
        train: data.train.size,
        validation: data.validation.size,
        test: data.test.size,
        classes: data.classNames,
        filled,
        skipped: data.skipped,
        estimateBytes: estimate.totalBytes,
        resumedFromEpoch: resume?.manifest.epoch ?? null,
      }),
    );
  }
  // What a model folder (and a checkpoint folder, read by export --weights and predict) keeps of
  // the data binding: the bound graph, class names and the normalisation fitted on the training split.
  // (data.path is left out: relative to the template's folder, it would not resolve from the model folder.)
  const { path: _templateDataPath, ...binding } = doc.data ?? {
    source: sourceOf(dataSpec),
    validationFraction: 0.1,
    testFraction: 0.2,
    normalize: 'none' as const,
    seed: 1,
  };
  const savedDoc: GraphDoc = {
    ...doc,
    training: settings,
    data: { ...binding, ...(dataTarget !== undefined ? { target: dataTarget } : {}), normalize: dataNormalize },
  };
  const classTargets = targetsOf(data)[0]!.kind === 'classes';
  const normalisation = 'normalization' in data ? (data as { normalization: Normalization }).normalization : undefined;
  const modelInfo = {
    classNames: classTargets && data.classNames.length ? data.classNames : undefined,
    normalisation: normalisation && normalisation.kind !== 'none' ? normalisation : undefined,
  };
  if (checkpointDir) {
    mkdirSync(checkpointDir, { recursive: true });
    writeExportFiles(
      checkpointDir,
      new Map([
        ['graph.json', JSON.stringify(savedDoc, null, 2)],
        [
          'model-info.json',
          JSON.stringify(
            { format: MODEL_FOLDER_FORMAT, version: MODEL_FOLDER_VERSION, name: doc.name, ...modelInfo },
            null,
            2,
          ),
        ],
      ]),
    );
  }
  const progress = new TrainProgress(json ? { ...out, progressLines: false } : out, settings.epochs);
  // Ctrl-C: stop after the current step, write a checkpoint that resumes at the next batch (with
  // --checkpoints), exit 130. A second Ctrl-C exits at once.
  let interrupted = false;
  let lastYield = Date.now();
  let stopCheckpoint: string | undefined;
  const onSigint = () => {
    if (interrupted) {
      progress.clear();
      out.err('perceiver-studio: interrupted again; exiting without waiting for the checkpoint');
      process.exit(EXIT.interrupted);
    }
    interrupted = true;
    progress.clear();
    out.err(
      `perceiver-studio: interrupted; stopping after this step${checkpointDir ? ' and writing a checkpoint' : ''} (Ctrl-C again to quit at once)`,
    );
  };
  process.on('SIGINT', onSigint);
  const skippedAtStart = data.skipped.count;
  let result;
  let saved: { dir: string; files: string[] } | undefined;
  try {
    result = await train(model, data, settings, {
      maxStepsPerEpoch: maxSteps,
      // --max-steps is for quick checks: evaluation reads at most that many batches per split too.
      maxEvalExamples: maxSteps !== undefined ? maxSteps * settings.batchSize : undefined,
      reportEvery: progress.live ? 1 : 10,
      plan,
      resume,
      shouldStop: () => interrupted,
      // Training runs on promises that resolve without the event loop; yield to it ~10 times a
      // second so Ctrl-C (a signal, delivered by the loop) is seen.
      waitIfPaused: () => {
        const now = Date.now();
        if (now - lastYield < 100) return Promise.resolve();
        lastYield = now;
        return new Promise<void>((ok) => setImmediate(ok));
      },
      skipTestWhenStopped: true,
      onStep: (e) => progress.step(e),
      onStopCheckpoint: checkpointDir
        ? async (capture) => {
            stopCheckpoint = writeCheckpoint(checkpointDir, await capture());
          }
        : undefined,
      onCheckpoint: checkpointDir
        ? async (epoch, capture) => {
            const path = writeCheckpoint(checkpointDir, await capture());
            progress.clear();
            if (!json) out.log(`  checkpoint: ${path}`);
          }
        : undefined,
      onEpoch: (e) => {
        progress.clear();
        if (json)
          out.log(
            JSON.stringify({
              epoch: e.epoch,
              loss: e.loss,
              accuracy: e.accuracy,
              metric: e.metric,
              valLoss: e.valLoss,
              valAccuracy: e.valAccuracy,
              seconds: e.seconds,
              ...(e.heads ? { heads: e.heads } : {}),
            }),
          );
        else {
          out.log(
            `epoch ${e.epoch}: loss ${e.loss.toFixed(4)} ${formatMetric(e.metric, e.accuracy)}` +
              (e.valLoss !== null
                ? `  val loss ${e.valLoss.toFixed(4)} val ${formatMetric(e.metric, e.valAccuracy!)}`
                : '') +
              `  (${e.seconds.toFixed(1)} s)`,
          );
          // Several heads: each head's own loss (the total above is Σ weight · loss).
          if (e.heads)
            out.log(
              `  per head: ${e.heads.map((h) => `${h.nodeId} ${h.loss.toPrecision(4)}${h.valLoss !== null ? ` (val ${h.valLoss.toPrecision(4)})` : ''}${h.weight !== 1 ? ` ×${h.weight}` : ''}`).join(', ')}`,
            );
        }
      },
    });
    progress.clear();
    if (saveDir !== undefined && !interrupted && result.status !== 'diverged') {
      const trainedInfo = {
        ...modelInfo,
        source: {
          kind: 'trained' as const,
          run: {
            epochs: result.epochs.length,
            steps: result.steps,
            testAccuracy: result.test?.accuracy ?? null,
            finishedAt: new Date().toISOString(),
            ...(start
              ? {
                  startedFrom:
                    start.source?.kind === 'huggingface'
                      ? { kind: 'huggingface' as const, class: start.source.class }
                      : { kind: 'model-folder' as const, path: start.dir },
                }
              : {}),
          },
          ...(start?.source ? { pretrained: start.source } : {}),
          ...(started
            ? {
                fineTune: {
                  loaded: started.loaded,
                  replaced: started.replaced.map((r) => r.name),
                  frozenNodes: started.frozenNodes,
                },
              }
            : {}),
        },
      };
      saved = await writeModelFolder(
        resolve(saveDir),
        { model, doc: savedDoc, inputNodes: compiled.inputNodes, info: trainedInfo },
        { force: args.flags.has('--force') },
      );
    }
  } finally {
    process.off('SIGINT', onSigint);
    model.dispose();
  }
  if (interrupted) {
    // result.epochs holds a resumed run's earlier epochs too: the stop was inside the next one.
    const at = `epoch ${result.epochs.length + 1} (step ${result.steps} overall)`;
    if (json)
      out.log(
        JSON.stringify({
          done: false,
          status: 'interrupted',
          steps: result.steps,
          checkpoint: stopCheckpoint ?? null,
          resume: checkpointDir ? resumeCommand(args.rest, checkpointDir) : null,
        }),
      );
    if (stopCheckpoint && checkpointDir) {
      out.err(
        `perceiver-studio: interrupted at ${at}; checkpoint written to ${stopCheckpoint}. Resume with:\n  ${resumeCommand(args.rest, checkpointDir)}`,
      );
    } else {
      out.err(
        `perceiver-studio: interrupted at ${at}; nothing was saved (train with --checkpoints DIR to be able to resume)`,
      );
    }
    return EXIT.interrupted;
  }
  const final = {
    done: result.status !== 'diverged',
    status: result.status,
    metric,
    testAccuracy: result.test?.accuracy ?? null,
    testLoss: result.test?.loss ?? null,
    // Several heads: each head's metric and own (unweighted) loss on the test split.
    testHeads:
      result.test && plan.heads.length > 1
        ? result.test.heads.map((h, i) => ({ ...h, loss: result.test!.headLosses[i]!, weight: plan.heads[i]!.weight }))
        : null,
    perClassAccuracy: result.test?.perClassAccuracy ?? null,
    confusion: result.test && metric === 'accuracy' ? result.test.confusion : null,
    classes: data.classNames,
    seconds: result.seconds,
    steps: result.steps,
    backend: be.backend,
    message: result.message,
    // Streamed folders find bad files while training (--skip-bad-rows): the count at the end.
    skipped: data.skipped,
    testExamples: result.test?.examples ?? null,
    savedModel: saved?.dir ?? null,
  };
  if (json) out.log(JSON.stringify(final));
  else {
    if (data.skipped.count > skippedAtStart) {
      out.log(`while streaming the data:`);
      reportSkipped(
        { count: data.skipped.count - skippedAtStart, reasons: data.skipped.reasons.slice(skippedAtStart) },
        out,
      );
    }
    if (result.message) (result.status === 'diverged' ? out.err : out.log)(result.message);
    if (result.test && metric === 'accuracy') for (const l of formatConfusion(result.test, data.classNames)) out.log(l);
    const label = METRIC_LABEL[metric];
    const value = result.test
      ? metricIsAccuracy(metric)
        ? (result.test.accuracy * 100).toFixed(2) + '%'
        : result.test.accuracy.toPrecision(4)
      : 'n/a';
    const partial =
      result.test && result.test.examples < data.test.size
        ? ` on the first ${result.test.examples} of ${data.test.size} test examples (--max-steps limits evaluation)`
        : '';
    out.log(
      `test ${label} ${value}${result.test ? ` (loss ${result.test.loss.toFixed(4)})` : ''}${partial} after ${result.seconds.toFixed(1)} s`,
    );
    if (final.testHeads)
      out.log(
        `test per head: ${final.testHeads.map((h) => `${h.nodeId} loss ${h.loss.toPrecision(4)} ${formatMetric(h.metric, h.value)}`).join(', ')}`,
      );
    if (saved) out.log(`saved the model to ${saved.dir}: ${saved.files.map((f) => basename(f)).join(', ')}`);
    else if (saveDir !== undefined)
      out.err(`perceiver-studio: the model was not saved to ${saveDir} (the run diverged)`);
  }
  return result.status === 'diverged' ? EXIT.failed : EXIT.ok;
}
