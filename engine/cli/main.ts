/**
 * perceiver-studio CLI: inspect and train templates in Node with the same engine the app uses.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs as nodeParseArgs } from 'node:util';
import { DataError } from '../data/errors.js';
import { analyse, formatShape } from '../graph/analyse.js';
import { loadGraphDoc, TemplateError, type LoadOptions } from '../graph/load.js';
import { LIMITS, type GraphDoc } from '../graph/schema.js';
import { FileLimitError, readFileBounded } from '../node/boundedRead.js';

export const HELP = `perceiver-studio — compose and train Perceiver / Perceiver IO models

Usage:
  perceiver-studio inspect <template.json> [--json]
      Per-node output shapes and parameter counts, and the total. Exit 1 if the graph is invalid.
  perceiver-studio train <template.json> --data <mnist|file.csv|file.json|file.npy|file.npz|folder|file.txt>
                         [--target COLUMN] [--normalize none|minmax|standardize] [--skip-bad-rows]
                         [--epochs N] [--batch-size B] [--learning-rate LR] [--seed S]
                         [--checkpoints DIR] [--resume DIR] [--memory-limit GiB]
                         [--max-steps N] [--backend wasm|cpu] [--mask-rate R] [--json]
                         [--save-model DIR [--force]] [--no-fit]
  perceiver-studio train <model-dir> --data … [--freeze-encoder] [same options]
      Fine-tune a model folder (import-hf, train --save-model): its graph, fitted to the data (a
      head resized for the data's classes starts fresh), starts from its weights wherever name
      and shape match; --freeze-encoder trains only the decoder, its queries and the head.
      Train in Node. An image folder has one subfolder per class (PNG/JPEG), streamed in batches;
      so do audio (WAV/.npy, for an Audio input), point-cloud (PLY/OFF/XYZ/CSV/.npy, for a Point
      cloud input) and video folders (per class: clip folders of frames or .npy [T,H,W,C], for an
      Image input with frames).
      The head decides the loss: a classifier trains on classes (accuracy); a token head such as
      the Tied embedding decoder on a text file (.txt, .md…) cut into windows of the Text bytes
      node's maxLength with R (default 0.15) of the bytes hidden (masked-token accuracy); a
      regression head such as the Per-position projection on numeric targets (MSE): a CSV/.npy
      target column, or an .npz "y" array of any per-example shape.
      Input params set to 0 (e.g. TabularInput numColumns, ImageInput height) and a head's
      numClasses 0 are taken from the data, and a template whose input sizes or class count
      differ from the data is fitted to it (the changes are printed; --no-fit refuses instead).
      With --json: a first line {start: true, metric, params, train, validation, test, classes,
      filled, skipped, estimateBytes, resumedFromEpoch} (what the run is about to do), one line
      per epoch {epoch, loss, accuracy, valLoss, valAccuracy, seconds} and a final {done, status,
      testAccuracy, testLoss, confusion, testExamples, savedModel, seconds, steps}; a readable log
      otherwise. Progress (step, loss, examples/s, ETA) goes to stderr: a bar redrawn in place on
      a terminal, a plain line every 10 s otherwise (PERCEIVER_PROGRESS=bar|lines|off forces one).
      Ctrl-C stops after the current step; with --checkpoints it writes a checkpoint that resumes
      at the next batch and prints the command that resumes. --save-model DIR writes a model
      folder (model.json, weights.bin, graph.json, model-info.json with the class names and the
      normalisation) for predict and export --weights. Exit 0 trained, 1 diverged or model
      error, 2 usage, 3 data error, 4 the model does not fit in memory, 130 interrupted (Ctrl-C).
  perceiver-studio export [template.json] --format pytorch|tfjs|onnx --out DIR [--weights DIR] [--data FILE]
                          [--force] [--json]
      A PyTorch package (model.py, train.py for torchrun, export_onnx.py, data, README), a web
      bundle (model.json + weights.bin, perceiver-layers.js with registerPerceiverLayers(tf) for
      the page's own tfjs 4.x, a demo page, README) or ONNX: the PyTorch package plus model.onnx
      (opset 17, dynamic batch), written by its export_onnx.py with the local Python + torch
      ($PERCEIVER_PYTHON, python3, /usr/bin/python3); without one it says what to install, keeps
      the package and exits 1. --weights: a model folder (train --save-model, import-hf) or a
      checkpoint folder (train --checkpoints); its graph.json is exported (the template is then
      optional). A non-empty --out is refused unless --force, which replaces it whole.
      The package copies FILE, or else the template's data.path, which must stay inside the
      template's folder (no absolute paths, "..", or symlinks out); only regular files up to 2 GiB.
      Exit 3 when the data file is refused.
  perceiver-studio export <model-dir> --format hf --out DIR [--force]
      A model folder imported from Hugging Face (or fine-tuned from one) as config.json +
      model.safetensors with the original class's keys, shapes and dtypes (from_pretrained loads it).
  perceiver-studio predict <model-dir|checkpoint-dir> [files…] [--input NAME=FILE.npy …] [--out OUT.npz]
                           [--top-k K] [--json] [--graph TEMPLATE.json]
      Run a model folder (train --save-model, import-hf) or a checkpoint folder on new input
      (images, text, CSV rows, .npy); top-k classes or an .npz. predict --help for details.
  perceiver-studio import-weights <package-dir> [weights.safetensors] --out <model-dir> [--force] [--json]
      Weights trained by an exported PyTorch package (checkpoints/weights.safetensors, the best
      epoch's) back into a model folder for the app and predict. import-weights --help for details.
  perceiver-studio import-hf <folder> --out <model-dir> [--force] [--memory-limit GiB] [--json]
      A downloaded Hugging Face Perceiver checkpoint as a model folder. import-hf --help for details.
  perceiver-studio --help | --version | <command> --help

  A misspelt command or flag is refused (exit 2) with the nearest valid one.

Options:
  --json            machine-readable output
  --epochs N        override the template's epochs
  --batch-size B    override the template's batch size
  --max-steps N     limit the steps per epoch, and evaluation to N batches per split (quick checks)
  --target COLUMN   the class (or value) column of a CSV/JSON (name or 1-based number), or label array of an .npz
  --mask-rate R     fraction of bytes hidden per window of a text file (default 0.15)
  --checkpoints DIR write a checkpoint (weights, optimizer state, epoch) there after every epoch
  --resume DIR      continue from the latest checkpoint in DIR (and keep writing checkpoints there)
  --memory-limit G  memory the backend may use, in GiB (default and most: wasm 4, cpu 4)
  --backend NAME    wasm (default, fastest in Node) or cpu
  --no-fit          keep the template's input sizes and class count; refuse data that differs
  --save-model DIR  after training, write the model folder DIR (refused if not empty, unless --force)
  --force           replace a non-empty output folder (its old files are removed)
  --version, -v     print the version (and the tfjs and Node versions)
`;

export class UsageError extends Error {}

/** A parsed command line: the command, its positional arguments, and its flags by their "--name". */
export interface Args {
  command: string | undefined;
  positional: string[];
  flags: Map<string, string | true>;
  /** The arguments after the command, as given (for commands that parse again themselves). */
  rest: string[];
  /** Every value of a repeatable flag ('strings'), by "--name". */
  lists: Map<string, string[]>;
}

/** How the CLI prints: lines to stdout / stderr; `progress` draws a live progress bar (a terminal's stderr). */
export interface Out {
  log: (s: string) => void;
  err: (s: string) => void;
  /** Overwrite the progress bar (no newline); '' clears it. Only where stderr is a terminal. */
  progress?: (s: string) => void;
  /** No terminal: print a plain progress line on stderr now and then (a log file stays readable). */
  progressLines?: boolean;
}

/** 'strings': a flag that may be given several times (args.lists holds every value). */
type OptionKind = 'string' | 'strings' | 'boolean';

/**
 * One command of the dispatch table: its flags (each "--name" a value or a switch), how many
 * positional arguments it takes, and what runs it. A command is added by one entry here (and its
 * lines in HELP); the parser refuses flags the entry does not list, naming the nearest one.
 */
export interface CommandSpec {
  options: Record<string, OptionKind>;
  positionals: { min: number; max: number; what: string };
  run: (args: Args, out: Out) => number | Promise<number>;
  /** `perceiver-studio <command> --help` prints this (the general HELP otherwise). */
  help?: () => Promise<string>;
}

const TRAIN_OPTIONS: Record<string, OptionKind> = {
  '--data': 'string',
  '--target': 'string',
  '--normalize': 'string',
  '--skip-bad-rows': 'boolean',
  '--epochs': 'string',
  '--batch-size': 'string',
  '--learning-rate': 'string',
  '--seed': 'string',
  '--checkpoints': 'string',
  '--resume': 'string',
  '--memory-limit': 'string',
  '--max-steps': 'string',
  '--backend': 'string',
  '--mask-rate': 'string',
  '--json': 'boolean',
  '--no-fit': 'boolean',
  '--save-model': 'string',
  '--force': 'boolean',
  '--freeze-encoder': 'boolean',
};

export const COMMANDS: Record<string, CommandSpec> = {
  inspect: {
    options: { '--json': 'boolean' },
    positionals: { min: 1, max: 1, what: 'a template file' },
    run: (args, out) => inspect(args, out),
  },
  train: {
    options: TRAIN_OPTIONS,
    positionals: { min: 1, max: 1, what: 'a template (or model folder) to train' },
    run: async (args, out) => {
      const { trainCommand } = await import('./train.js');
      // A model folder (import-hf, train --save-model): fine-tune its graph from its weights.
      const ft = await import('./fineTuneStart.js');
      if (ft.isModelFolderDir(args.positional[0]!)) {
        const { doc, start } = await ft.loadPretrainedStart(args.positional[0]!);
        return trainCommand(args, doc, out, intFlag, start);
      }
      // Lenient: params left at 0 ("from data") are filled from the dataset, then the graph is
      // analysed in full before anything is built.
      return trainCommand(args, readTemplate(args.positional[0], { lenient: true }), out, intFlag);
    },
  },
  export: {
    options: {
      '--format': 'string',
      '--out': 'string',
      '--weights': 'string',
      '--backend': 'string',
      '--data': 'string',
      '--no-data': 'boolean',
      '--force': 'boolean',
      '--json': 'boolean',
    },
    positionals: { min: 0, max: 1, what: 'a template file (optional with --weights DIR that holds its graph.json)' },
    run: async (args, out) => {
      if (args.flags.get('--format') === 'hf') {
        // A model folder (import-hf, or a fine-tune of one) back to config.json + model.safetensors.
        const { exportHfCommand } = await import('./exportHf.js');
        const o = args.flags.get('--out');
        return exportHfCommand(
          {
            modelDir: args.positional[0],
            out: typeof o === 'string' ? o : undefined,
            force: args.flags.has('--force'),
            json: args.flags.has('--json'),
          },
          out,
        );
      }
      const { exportCommand } = await import('./export.js');
      const path = args.positional[0];
      // With --weights the graph saved beside them is exported; the template may leave sizes "from data".
      return exportCommand(
        args,
        path === undefined ? undefined : readTemplate(path, { lenient: args.flags.has('--weights') }),
        path,
        out,
      );
    },
  },
  predict: {
    options: {
      '--input': 'strings',
      '--out': 'string',
      '--top-k': 'string',
      '--json': 'boolean',
      '--graph': 'string',
      '--backend': 'string',
    },
    positionals: { min: 1, max: Infinity, what: 'a model folder (or checkpoint folder) and input files' },
    run: async (args, out) => (await import('./predict.js')).predictCommand(args.rest, out),
    help: async () => (await import('./predict.js')).PREDICT_HELP,
  },
  'import-weights': {
    options: { '--out': 'string', '--force': 'boolean', '--json': 'boolean' },
    positionals: {
      min: 1,
      max: 2,
      what: 'an exported PyTorch package folder (or graph.json / template) and optionally its weights.safetensors',
    },
    run: async (args, out) => (await import('./importWeights.js')).importWeightsCommand(args, out),
    help: async () => (await import('./importWeights.js')).IMPORT_WEIGHTS_HELP,
  },
  'import-hf': {
    options: { '--out': 'string', '--force': 'boolean', '--memory-limit': 'string', '--json': 'boolean' },
    positionals: { min: 1, max: 1, what: 'a downloaded Hugging Face Perceiver folder' },
    run: async (args, out) => (await import('./importHf.js')).importHfCommand(args.rest, out),
    help: async () => (await import('./importHf.js')).IMPORT_HF_HELP,
  },
};

/** Flags every command takes. */
const GLOBAL_OPTIONS: Record<string, OptionKind> = { '--help': 'boolean', '--version': 'boolean' };

/** Edit distance (insertions, deletions, substitutions, adjacent swaps). */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/** The closest of `candidates` to `word`, when it is close enough to be what was meant. */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = c.startsWith(word) || word.startsWith(c) ? Math.min(distance(word, c), 1) : distance(word, c);
    if (d < bestD) [best, bestD] = [c, d];
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

/**
 * Parse argv (node:util parseArgs, strict) against the command's entry in COMMANDS: unknown
 * flags, misspelt commands, missing values and extra arguments are UsageErrors that name the
 * nearest valid spelling.
 */
export function parseArgs(argv: string[]): Args {
  const first = argv.findIndex((a) => !a.startsWith('-'));
  const command = first >= 0 ? argv[first] : undefined;
  if (command !== undefined && command !== 'help' && !COMMANDS[command]) {
    const near = nearest(command, [...Object.keys(COMMANDS), 'help']);
    throw new UsageError(
      `unknown command "${command}"${near ? `; did you mean "${near}"?` : ''} (commands: ${Object.keys(COMMANDS).join(', ')})`,
    );
  }
  const spec = command && command !== 'help' ? COMMANDS[command]! : undefined;
  const allowed: Record<string, OptionKind> = { ...GLOBAL_OPTIONS, ...(spec?.options ?? {}) };
  const rest = first >= 0 ? [...argv.slice(0, first), ...argv.slice(first + 1)] : [...argv];
  let parsed: ReturnType<typeof nodeParseArgs>;
  try {
    parsed = nodeParseArgs({
      args: rest,
      strict: true,
      allowPositionals: true,
      options: Object.fromEntries(
        Object.entries(allowed).map(([name, kind]) => {
          const type = kind === 'boolean' ? 'boolean' : 'string';
          return [
            name.slice(2),
            name === '--help'
              ? { type, short: 'h' }
              : name === '--version'
                ? { type, short: 'v' }
                : kind === 'strings'
                  ? { type, multiple: true }
                  : { type },
          ];
        }),
      ),
    });
  } catch (err) {
    throw new UsageError(explainParseError(err as Error & { code?: string }, command, allowed));
  }
  const flags = new Map<string, string | true>();
  const lists = new Map<string, string[]>();
  for (const [k, v] of Object.entries(parsed.values)) {
    if (v === undefined || v === false) continue;
    if (Array.isArray(v)) {
      const values = v.filter((x): x is string => typeof x === 'string');
      lists.set(`--${k}`, values);
      if (values.length) flags.set(`--${k}`, values[values.length - 1]!);
    } else flags.set(`--${k}`, typeof v === 'string' ? v : true);
  }
  const positional = parsed.positionals;
  if (spec && !flags.has('--help')) {
    if (positional.length > spec.positionals.max) {
      throw new UsageError(
        `${command} takes ${spec.positionals.what}; got ${positional.length} arguments (${positional.map((p) => `"${p}"`).join(', ')}). Give each flag's value right after it (e.g. --epochs 5)`,
      );
    }
  }
  return { command, positional, flags, lists, rest: first >= 0 ? argv.slice(first + 1) : [] };
}

function explainParseError(
  err: Error & { code?: string },
  command: string | undefined,
  allowed: Record<string, OptionKind>,
): string {
  const where = command && command !== 'help' ? command : 'perceiver-studio';
  if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const flag = /Unknown option '([^']+)'/.exec(err.message)?.[1] ?? err.message;
    const name = flag.startsWith('--') ? flag.split('=')[0]! : flag;
    const near = name.startsWith('--') ? nearest(name, Object.keys(allowed)) : undefined;
    const owners = Object.entries(COMMANDS)
      .filter(([, c]) => name in c.options)
      .map(([n]) => n);
    const hint = near ? `; did you mean ${near}?` : owners.length ? ` (it is an option of ${owners.join(', ')})` : '';
    return `unknown option ${name} for ${where}${hint}. ${where === 'perceiver-studio' ? 'Options' : `Options of ${where}`}: ${Object.keys(allowed).join(', ')}`;
  }
  if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const name = /Option '(?:-\w, )?(--[\w-]+)/.exec(err.message)?.[1] ?? '';
    if (allowed[name] === 'boolean') return `${name} is a switch and takes no value`;
    if (/ambiguous/.test(err.message))
      return `${name} needs a value; to give one that starts with "-", write ${name}=VALUE`;
    return `${name} needs a value`;
  }
  return err.message;
}

/** "perceiver-studio 0.1.0 (tfjs 4.22.0, Node v20…)", from package.json beside the sources or the bundle. */
export function versionLine(): string {
  // engine/cli/main.ts and dist/cli/perceiver-studio.mjs both sit two levels below the root.
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  let version = 'unknown';
  let tfjs = 'unknown';
  try {
    version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
    tfjs = (
      JSON.parse(readFileSync(join(root, 'node_modules', '@tensorflow', 'tfjs', 'package.json'), 'utf8')) as {
        version: string;
      }
    ).version;
  } catch {
    // a copy without package.json or node_modules: say what we know
  }
  return `perceiver-studio ${version} (tfjs ${tfjs}, Node ${process.version})`;
}

function intFlag(args: Args, name: string): number | undefined {
  const v = args.flags.get(name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isInteger(n) || n < 1)
    throw new UsageError(`${name} must be a positive integer (got ${String(v)})`);
  return n;
}

function readTemplate(path: string | undefined, options: LoadOptions = {}): GraphDoc {
  if (!path) throw new UsageError('give a template file, e.g. templates/mnist-perceiver-io.json');
  let text: string;
  try {
    // Bounded: a device, FIFO or 3 GB file is refused before it is read, not after.
    text = readFileBounded(resolve(path), LIMITS.maxFileBytes, 'template').toString('utf8');
  } catch (err) {
    if (err instanceof FileLimitError) throw new TemplateError(`Cannot read the template ${err.message}`);
    throw new TemplateError(
      `Cannot read ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`,
    );
  }
  return loadGraphDoc(text, path, options);
}

function inspect(args: Args, out: Out): number {
  const doc = readTemplate(args.positional[0]);
  if (doc.nodes.length === 0) {
    // Nothing to count: "valid, 0 parameters" would hide that the file holds no model.
    throw new TemplateError(
      `${args.positional[0]} has no nodes: it holds no model. Add nodes in the app (or start from a file in templates/) and save it again.`,
      'nodes',
    );
  }
  const a = analyse(doc);
  const errors = a.problems.filter((p) => p.severity === 'error');
  if (args.flags.has('--json')) {
    out.log(
      JSON.stringify({
        valid: a.valid,
        errors: errors.map((p) => ({ message: p.message, nodeId: p.nodeId, port: p.port, param: p.param })),
        warnings: a.problems
          .filter((p) => p.severity === 'warning')
          .map((p) => ({ message: p.message, nodeId: p.nodeId })),
        totalParams: a.totals.params,
        flopsPerExample: a.totals.flops,
        activationBytesPerExample: a.totals.activationBytes,
        nodes: doc.nodes.map((n) => {
          const na = a.nodes.get(n.id)!;
          return {
            id: n.id,
            kind: n.kind,
            outputShapes: Object.fromEntries(Object.entries(na.outputShapes).map(([k, s]) => [k, ['B', ...s]])),
            params: na.cost.params,
          };
        }),
      }),
    );
  } else {
    out.log(`${doc.name}${doc.reproduces ? ` — reproduces ${doc.reproduces}` : ''}`);
    const w = Math.max(...doc.nodes.map((n) => n.id.length), 4);
    for (const id of a.order) {
      const na = a.nodes.get(id)!;
      const shapes = Object.values(na.outputShapes).map(formatShape).join(' ');
      out.log(
        `  ${id.padEnd(w)}  ${na.kind.padEnd(22)} ${shapes.padEnd(22)} ${na.cost.params.toLocaleString('en-US').padStart(14)}`,
      );
    }
    out.log(
      `  total parameters: ${a.totals.params.toLocaleString('en-US')}; ${(a.totals.flops / 1e9).toFixed(3)} GFLOP per example`,
    );
    for (const p of a.problems) (p.severity === 'error' ? out.err : out.log)(`${p.severity}: ${p.message}`);
  }
  return a.valid ? 0 : 1;
}

/** Where stderr is a terminal: a progress bar redrawn in place; otherwise plain lines (PERCEIVER_PROGRESS=bar|lines|off forces one). */
function defaultOut(): Out {
  const mode = process.env.PERCEIVER_PROGRESS;
  const bar = mode === 'bar' || (mode !== 'lines' && mode !== 'off' && process.stderr.isTTY === true);
  let shown = false;
  const clear = () => {
    if (shown) process.stderr.write('\r\x1b[2K');
    shown = false;
  };
  return {
    log: (s) => {
      clear();
      console.log(s);
    },
    err: (s) => {
      clear();
      console.error(s);
    },
    progress: bar
      ? (s) => {
          clear();
          if (s) process.stderr.write(s);
          shown = s !== '';
        }
      : undefined,
    progressLines: !bar && mode !== 'off',
  };
}

export async function runCli(argv: string[], out: Out = defaultOut()): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(argv);
    if (args.flags.has('--version')) {
      out.log(versionLine());
      return 0;
    }
    const own =
      args.command === 'help' ? COMMANDS[args.positional[0] ?? ''] : args.command ? COMMANDS[args.command] : undefined;
    if ((args.flags.has('--help') || args.command === 'help') && own?.help) {
      out.log(await own.help());
      return 0;
    }
    if (args.flags.has('--help') || !args.command || args.command === 'help') {
      out.log(HELP);
      return args.command || args.flags.has('--help') ? 0 : 2;
    }
    const spec = COMMANDS[args.command]!;
    if (args.positional.length < spec.positionals.min)
      throw new UsageError(`${args.command} needs ${spec.positionals.what}`);
    return await spec.run(args, out);
  } catch (err) {
    if (err instanceof UsageError) {
      out.err(`perceiver-studio: ${err.message}\nRun "perceiver-studio --help" for usage.`);
      return 2;
    }
    out.err(`perceiver-studio: ${(err as Error).message}`);
    // Bad data (a refused data file, a data path out of the template's folder) is exit code 3, as in train.
    return err instanceof DataError ? 3 : 1;
  }
}
