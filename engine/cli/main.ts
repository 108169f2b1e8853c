/**
 * perceiver-studio CLI: inspect and train templates in Node with the same engine the app uses.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { analyse, formatShape } from '../graph/analyse.js';
import { loadGraphDoc, TemplateError, type LoadOptions } from '../graph/load.js';
import type { GraphDoc } from '../graph/schema.js';

export const HELP = `perceiver-studio — compose and train Perceiver / Perceiver IO models

Usage:
  perceiver-studio inspect <template.json> [--json]
      Per-node output shapes and parameter counts, and the total. Exit 1 if the graph is invalid.
  perceiver-studio train <template.json> --data <mnist|file.csv|file.json|file.npy|file.npz|folder|file.txt>
                         [--target COLUMN] [--normalize none|minmax|standardize] [--skip-bad-rows]
                         [--epochs N] [--batch-size B] [--learning-rate LR] [--seed S]
                         [--checkpoints DIR] [--resume DIR] [--memory-limit GiB]
                         [--max-steps N] [--backend wasm|cpu] [--mask-rate R] [--json]
      Train in Node. An image folder has one subfolder per class (PNG/JPEG), streamed in batches.
      The head decides the loss: a classifier trains on classes (accuracy); a token head such as
      the Tied embedding decoder on a text file (.txt, .md…) cut into windows of the Text bytes
      node's maxLength with R (default 0.15) of the bytes hidden (masked-token accuracy); a
      regression head such as the Per-position projection on numeric targets (MSE): a CSV/.npy
      target column, or an .npz "y" array of any per-example shape.
      Input params set to 0 (e.g. TabularInput numColumns, ImageInput height) and a head's
      numClasses 0 are taken from the data, and a template whose input sizes or class count
      differ from the data is fitted to it (the changes are printed; --no-fit refuses instead). Prints one JSON line per epoch {epoch, loss, accuracy,
      valLoss, valAccuracy} and a final {done, testAccuracy, confusion, seconds} (with --json; a
      readable log otherwise). Exit 0 trained, 1 diverged or model error, 2 usage, 3 data error,
      4 the model does not fit in memory.
  perceiver-studio export <template.json> --format pytorch|tfjs --out DIR [--weights TRAINED_DIR]
      A PyTorch package (model.py, train.py for torchrun, data, README) or a web bundle (tfjs
      model files + an ES module page). TRAINED_DIR: a saved model folder (model.json + weights.bin).
  perceiver-studio --help

Options:
  --json            machine-readable output
  --epochs N        override the template's epochs
  --batch-size B    override the template's batch size
  --max-steps N     limit the steps per epoch (quick checks)
  --target COLUMN   the class (or value) column of a CSV/JSON (name or 1-based number), or label array of an .npz
  --mask-rate R     fraction of bytes hidden per window of a text file (default 0.15)
  --checkpoints DIR write a checkpoint (weights, optimizer state, epoch) there after every epoch
  --resume DIR      continue from the latest checkpoint in DIR (and keep writing checkpoints there)
  --memory-limit G  memory the backend may use, in GiB (default: wasm 4)
  --backend NAME    wasm (default, fastest in Node) or cpu
  --no-fit          keep the template's input sizes and class count; refuse data that differs
`;

export class UsageError extends Error {}

interface Args {
  command: string | undefined;
  positional: string[];
  flags: Map<string, string | true>;
}

export function parseArgs(argv: string[]): Args {
  const flags = new Map<string, string | true>();
  const positional: string[] = [];
  const valued = new Set(['--epochs', '--batch-size', '--backend', '--data', '--target', '--max-steps', '--out', '--format', '--weights', '--seed', '--learning-rate', '--resume', '--checkpoints', '--normalize', '--memory-limit', '--mask-rate']);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      if (eq > 0) flags.set(a.slice(0, eq), a.slice(eq + 1));
      else if (valued.has(a)) {
        const v = argv[++i];
        if (v === undefined || v.startsWith('--')) throw new UsageError(`${a} needs a value`);
        flags.set(a, v);
      } else flags.set(a, true);
    } else if (a === '-h') flags.set('--help', true);
    else positional.push(a);
  }
  return { command: positional.shift(), positional, flags };
}

function intFlag(args: Args, name: string): number | undefined {
  const v = args.flags.get(name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isInteger(n) || n < 1) throw new UsageError(`${name} must be a positive integer (got ${String(v)})`);
  return n;
}

function readTemplate(path: string | undefined, options: LoadOptions = {}): GraphDoc {
  if (!path) throw new UsageError('give a template file, e.g. templates/mnist-perceiver-io.json');
  let text: string;
  try {
    text = readFileSync(resolve(path), 'utf8');
  } catch (err) {
    throw new TemplateError(`Cannot read ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  return loadGraphDoc(text, path, options);
}

type Out = { log: (s: string) => void; err: (s: string) => void };

function inspect(args: Args, out: Out): number {
  const doc = readTemplate(args.positional[0]);
  const a = analyse(doc);
  const errors = a.problems.filter((p) => p.severity === 'error');
  if (args.flags.has('--json')) {
    out.log(
      JSON.stringify({
        valid: a.valid,
        errors: errors.map((p) => ({ message: p.message, nodeId: p.nodeId, port: p.port, param: p.param })),
        warnings: a.problems.filter((p) => p.severity === 'warning').map((p) => ({ message: p.message, nodeId: p.nodeId })),
        totalParams: a.totals.params,
        flopsPerExample: a.totals.flops,
        activationBytesPerExample: a.totals.activationBytes,
        nodes: doc.nodes.map((n) => {
          const na = a.nodes.get(n.id)!;
          return { id: n.id, kind: n.kind, outputShapes: Object.fromEntries(Object.entries(na.outputShapes).map(([k, s]) => [k, ['B', ...s]])), params: na.cost.params };
        }),
      }),
    );
  } else {
    out.log(`${doc.name}${doc.reproduces ? ` — reproduces ${doc.reproduces}` : ''}`);
    const w = Math.max(...doc.nodes.map((n) => n.id.length), 4);
    for (const id of a.order) {
      const na = a.nodes.get(id)!;
      const shapes = Object.values(na.outputShapes).map(formatShape).join(' ');
      out.log(`  ${id.padEnd(w)}  ${na.kind.padEnd(22)} ${shapes.padEnd(22)} ${na.cost.params.toLocaleString('en-US').padStart(14)}`);
    }
    out.log(`  total parameters: ${a.totals.params.toLocaleString('en-US')}; ${(a.totals.flops / 1e9).toFixed(3)} GFLOP per example`);
    for (const p of a.problems) (p.severity === 'error' ? out.err : out.log)(`${p.severity}: ${p.message}`);
  }
  return a.valid ? 0 : 1;
}

export async function runCli(argv: string[], out: Out = { log: (s) => console.log(s), err: (s) => console.error(s) }): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(argv);
    if (args.flags.has('--help') || !args.command || args.command === 'help') {
      out.log(HELP);
      return args.command || args.flags.has('--help') ? 0 : 2;
    }
    switch (args.command) {
      case 'inspect':
        return inspect(args, out);
      case 'export': {
        const { exportCommand } = await import('./export.js');
        return await exportCommand(args, readTemplate(args.positional[0]), args.positional[0]!, out);
      }
      case 'train': {
        const { trainCommand } = await import('./train.js');
        // Lenient: params left at 0 ("from data") are filled from the dataset, then the graph is
        // analysed in full before anything is built.
        return await trainCommand(args, readTemplate(args.positional[0], { lenient: true }), out, intFlag);
      }
      default:
        throw new UsageError(`unknown command "${args.command}"`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      out.err(`perceiver-studio: ${err.message}\nRun "perceiver-studio --help" for usage.`);
      return 2;
    }
    out.err(`perceiver-studio: ${(err as Error).message}`);
    return 1;
  }
}
