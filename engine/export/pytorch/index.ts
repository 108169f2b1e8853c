/**
 * The PyTorch export: GraphDoc (+ optional trained weights) → the files of a self-contained
 * Python package. Pure: the Node side writes the files and supplies data and weights.
 */
import type { GraphDoc } from '../../graph/schema.js';
import { torchSaveStateDict } from '../torchSave.js';
import { encodeSafetensors, tfjsToTorch, weightNameMap, type NamedArrays } from '../weights.js';
import { ExportError, generateModelPy, type ModelPyResult } from './modelPy.js';
import { PYTHON_SOURCES } from './sources.js';

export { ExportError, generateModelPy } from './modelPy.js';

export interface PytorchExportOptions {
  /** Trained weights by tfjs name (model.json manifest names); omitted: the package starts fresh. */
  weights?: NamedArrays;
  /** Where the weights came from, for the README. */
  weightsSource?: string;
  /** The data file written beside the package (relative path), e.g. "data/mnist.npz". */
  dataFile?: string;
  /** A line about the data for the README. */
  dataNote?: string;
  /** Measured GPU throughput to record in the README. */
  gpuNote?: string;
}

export interface ExportFiles {
  /** Relative path → contents. */
  files: Map<string, string | Uint8Array>;
}

export interface PytorchExport extends ExportFiles {
  model: ModelPyResult;
  /** The converted state dict (torch names), when weights were given. */
  state?: NamedArrays;
}

/**
 * What this exported train.py measured on a GPU, once, recorded for every export so users know
 * what to expect (run by the lead on a lent GPU machine; see bench/gpu/README.md).
 */
export const REFERENCE_GPU_NOTE = [
  'Measured once on 2026-11-26 with the export of `templates/mnist-perceiver-io.json` (96,292',
  'parameters, the built-in MNIST digits) on one NVIDIA H100 80GB HBM3 with the PyTorch of that',
  "machine's image (2.11, CUDA 13) and `--precision auto` (bf16 autocast on that GPU), one process:",
  '`python3 train.py --device cuda --epochs 2 --batch-size 256 --json` trained its second epoch',
  '(7,000 digits) in 0.37 s, about 19,100 examples/s; `--batch-size 1024 --lr 0.002` reported',
  'about 8,300 examples/s over a single epoch that includes CUDA start-up. A model this small is',
  'launch-bound on such a GPU: larger batches or `--compile` use it better.',
].join('\n');

export function exportPytorch(doc: GraphDoc, opts: PytorchExportOptions = {}): PytorchExport {
  const model = generateModelPy(doc);
  const files = new Map<string, string | Uint8Array>();
  files.set('model.py', model.source);
  for (const [name, source] of PYTHON_SOURCES) files.set(name, source);
  files.set('__init__.py', `"""${doc.name.replace(/["\\]/g, '')} (Perceiver Studio export)."""\n`);
  files.set(
    'config.json',
    JSON.stringify(
      {
        name: doc.name,
        className: model.className,
        params: model.params,
        inputs: model.inputs.map((i) => ({ name: i.arg, node: i.nodeId, shape: i.shape })),
        heads: model.heads.map((h) => ({ node: h.nodeId, loss: h.loss })),
        training: doc.training,
        data: { ...(doc.data ?? { source: 'none' }), file: opts.dataFile ?? null },
        exportedFrom: 'Perceiver Studio',
      },
      null,
      2,
    ) + '\n',
  );
  files.set('graph.json', JSON.stringify(doc, null, 2) + '\n');
  let state: NamedArrays | undefined;
  if (opts.weights) {
    const count = [...opts.weights.values()].reduce((n, a) => n + a.data.length, 0);
    if (count !== model.params) {
      throw new ExportError(`The trained weights${opts.weightsSource ? ` in ${opts.weightsSource}` : ''} hold ${count.toLocaleString('en-US')} values but "${doc.name}" has ${model.params.toLocaleString('en-US')} parameters; they were trained on another template`);
    }
    state = tfjsToTorch(opts.weights, weightNameMap(model.weightModules));
    files.set('weights.pt', torchSaveStateDict(state));
    files.set('weights.safetensors', encodeSafetensors(state, { source: opts.weightsSource ?? 'Perceiver Studio', model: doc.name }));
  }
  files.set('README.md', readme(doc, model, opts, state !== undefined));
  return { files, model, state };
}

function readme(doc: GraphDoc, m: ModelPyResult, o: PytorchExportOptions, hasWeights: boolean): string {
  const t = doc.training;
  const data = o.dataFile ? `--data ${o.dataFile}` : '--data PATH';
  return `# ${doc.name} — PyTorch export

Exported from Perceiver Studio. ${m.params.toLocaleString('en-US')} parameters (the same count as the app).

| file | what |
| --- | --- |
| \`model.py\` | \`${m.className}\`, a \`torch.nn.Module\` with one attribute per graph node (same names, shapes, shared weights and defaults); \`build_model(device=None)\`, \`example_inputs(batch_size)\`, \`INPUTS\`, \`HEADS\` |
| \`perceiver_layers.py\` | the building blocks (attention block, latent stack, Fourier features, space-to-depth), the twins of the app's tfjs layers |
| \`data.py\` | the data formats the app reads (CSV/TSV, JSON, NPY, NPZ, image folders), the app's seeded split and normalisation |
| \`train.py\` | training with DistributedDataParallel under \`torchrun\` (NCCL on GPUs, gloo on CPUs; bf16/fp16 autocast on GPUs), the template's optimizer and schedule, checkpoints |
| \`config.json\`, \`graph.json\` | the training settings and the graph this package was generated from |
${hasWeights ? `| \`weights.pt\`, \`weights.safetensors\` | the trained weights${o.weightsSource ? ` (from ${o.weightsSource})` : ''}: a state dict for \`model.load_state_dict(torch.load("weights.pt"))\`, and the same as safetensors |\n` : ''}${o.dataFile ? `| \`${o.dataFile}\` | ${o.dataNote ?? 'the training data, already split as in the app'} |\n` : ''}
Needs Python 3.8+, PyTorch ≥ 1.12 and NumPy (Pillow only for image folders).

## Use the model

\`\`\`python
import torch
from model import build_model, example_inputs
from perceiver_layers import load_weights

model = build_model()
${hasWeights ? 'load_weights(model, "weights.pt")  # or "weights.safetensors"\n' : ''}model.eval()
with torch.no_grad():
    out = model(*example_inputs(4))
\`\`\`

\`python model.py\` prints the parameter count and the output shape${hasWeights ? ' (with weights.pt loaded)' : ''}.
Inputs are channels-last, as in the app: ${m.inputs.map((i) => `\`${i.arg}\` [B, ${i.shape.join(', ')}]`).join(', ')}.

## Train

\`\`\`sh
# one process (CPU, or one GPU when present)
python train.py ${data}
# two processes on one CPU machine (gloo)
torchrun --standalone --nproc_per_node=2 train.py ${data} --device cpu
# all GPUs of one machine (NCCL, bf16 autocast where supported)
torchrun --standalone --nproc_per_node=gpu train.py ${data} --device cuda --batch-size 1024
# several machines: on each, torchrun --nnodes N --nproc_per_node G --rdzv_backend c10d --rdzv_endpoint HOST:29500 train.py …
\`\`\`

PyTorch 1.13 on Python 3.11 (e.g. Debian 12's python3-torch): torchrun fails at start with
\`AttributeError: 'NoneType' object has no attribute 'get'\` (its default \`--redirects 0\` no longer
parses); add \`--redirects 2 --tee 2\` (stderr also goes to a log file). Newer PyTorch needs nothing.

The template's settings: ${t.optimizer}, learning rate ${t.learningRate}${t.warmupSteps ? `, ${t.warmupSteps} warm-up steps` : ''}, ${t.schedule} schedule, batch ${t.batchSize}, ${t.epochs} epochs${t.gradClipNorm ? `, gradient clipping at ${t.gradClipNorm}` : ''}${t.labelSmoothing ? `, label smoothing ${t.labelSmoothing}` : ''}${t.weightDecay ? `, weight decay ${t.weightDecay} (decoupled, kernels and arrays only)` : ''}, seed ${t.seed}.
\`--batch-size\` is the global batch, split over the processes, so steps per epoch and the
learning-rate schedule stay those of the app; raise it (and \`--lr\`) to use big GPUs well.
Other flags: \`--epochs\`, \`--lr\`, \`--precision fp32|bf16|fp16\`, \`--subset N\` (first N training
examples), \`--max-steps N\`, \`--checkpoint-dir DIR\`, \`--resume\`, \`--weights FILE\`, \`--json\`, \`--compile\`.
It prints the loss and examples/s while it trains.

Every epoch rank 0 writes to \`checkpoints/\`: \`checkpoint.pt\` (model + optimizer, for \`--resume\`),
\`weights.pt\` (state dict) and \`weights.safetensors\` (the same weights as float32 safetensors).
Bring \`weights.safetensors\` back into Perceiver Studio with *Import PyTorch weights*; the names
map one to one (\`encoder.q.weight\` [out, in] ↔ the app's \`encoder/q_kernel\` [in, out]).
\n## Measured\n\n${o.gpuNote ?? REFERENCE_GPU_NOTE}\n`;
}
