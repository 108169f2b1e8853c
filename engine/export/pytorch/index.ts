/**
 * The PyTorch export: GraphDoc (+ optional trained weights) → the files of a self-contained
 * Python package. Pure: the Node side writes the files and supplies data and weights.
 */
import type { GraphDoc } from '../../graph/schema.js';
import { torchSaveStateDict } from '../torchSave.js';
import { encodeSafetensors, tfjsToTorch, weightNameMap, type NamedArrays } from '../weights.js';
import { ExportError, generateModelPy, type ModelPyResult } from './modelPy.js';
import { mdCode, mdText } from '../textSafety.js';
import { pyText } from './python.js';
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

/** Memory and throughput of the exported train.py on this repository's CPU machine (measured once). */
export const SCALE_NOTE = [
  'Memory does not grow with the data: one CPU rank (PyTorch 1.13, gloo machine of the test suite)',
  'training a 64×64×3-input export of `templates/mnist-perceiver-io.json` on folders of 64×64 RGB',
  'PNGs peaked at 309 MiB RSS with 1,000 images and 310 MiB with 4,000 (the train.py before this',
  'DataLoader version decoded the folder up front: 424 MiB and 703 MiB). Measured with',
  '`engine/export/torchScale.slow.test.ts`; two ranks on 1,500 training PNGs peak at 286–290 MiB each.',
].join('\n');

export function exportPytorch(doc: GraphDoc, opts: PytorchExportOptions = {}): PytorchExport {
  const model = generateModelPy(doc);
  const files = new Map<string, string | Uint8Array>();
  files.set('model.py', model.source);
  for (const [name, source] of PYTHON_SOURCES) files.set(name, source);
  files.set('__init__.py', `"""${pyText(doc.name.replace(/[\r\n]+/g, ' '))} (Perceiver Studio export)."""\n`);
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
      throw new ExportError(
        `The trained weights${opts.weightsSource ? ` in ${opts.weightsSource}` : ''} hold ${count.toLocaleString('en-US')} values but "${doc.name}" has ${model.params.toLocaleString('en-US')} parameters; they were trained on another template`,
      );
    }
    state = tfjsToTorch(opts.weights, weightNameMap(model.weightModules));
    files.set('weights.pt', torchSaveStateDict(state));
    files.set(
      'weights.safetensors',
      encodeSafetensors(state, { source: opts.weightsSource ?? 'Perceiver Studio', model: doc.name }),
    );
  }
  files.set('README.md', readme(doc, model, opts, state !== undefined));
  return { files, model, state };
}

/**
 * The command printed after an export and shown first in its README: it works on whatever
 * PyTorch the user has (train.py's --nproc starts torchrun with the flags that version needs).
 */
export function trainHint(dataFile?: string): string {
  return `python3 train.py${dataFile ? '' : ' --data PATH'} --nproc 2 --device cpu`;
}

/** What train.py can train of this model, for the README (it trains one head, as the app does). */
function trainability(m: ModelPyResult): string {
  if (m.heads.length !== 1) {
    return `This model has ${m.heads.length} outputs (${m.heads.map((h) => `\`${h.nodeId}\``).join(', ')}); \`train.py\` trains models with one head, as the app does, and says so when started: use \`model.py\` in your own loop, or keep one head in the app and export again.`;
  }
  const h = m.heads[0]!;
  const what =
    h.loss.type === 'classification'
      ? 'cross-entropy on one class per example'
      : h.loss.type === 'tokenClassification'
        ? 'cross-entropy per position over the masked positions (masked-byte text: windows of the text file with 15% of the bytes hidden, `--mask-rate`)'
        : 'mean squared error on real-valued targets';
  return `\`train.py\` trains the head \`${h.nodeId}\` with ${what}, from ${m.inputs.length === 1 ? `the input \`${m.inputs[0]!.arg}\`` : `the inputs ${m.inputs.map((i) => `\`${i.arg}\``).join(', ')} (an example folder holds one file per input, named after it)`}.`;
}

function readme(doc: GraphDoc, m: ModelPyResult, o: PytorchExportOptions, hasWeights: boolean): string {
  const t = doc.training;
  const data = o.dataFile ? '' : ' --data PATH';
  return `# ${mdText(doc.name)} — PyTorch export

Exported from Perceiver Studio. ${m.params.toLocaleString('en-US')} parameters (the same count as the app).

| file | what |
| --- | --- |
| \`model.py\` | \`${m.className}\`, a \`torch.nn.Module\` with one attribute per graph node (same names, shapes, shared weights and defaults); \`build_model(device=None)\`, \`example_inputs(batch_size)\`, \`INPUTS\`, \`HEADS\`; works with \`torch.jit.script\` and \`torch.jit.trace\` |
| \`perceiver_layers.py\` | the building blocks (attention block, latent stack, Fourier features, space-to-depth), the twins of the app's tfjs layers |
| \`data.py\` | a \`torch.utils.data.Dataset\` per data kind the app reads (CSV/TSV, JSON, \`.npy\`/\`.npz\` through memory maps, image folders, text, WAV audio, point clouds, clips, example folders), decoded lazily per example; the app's seeded split, batch order and normalisation |
| \`train.py\` | training under \`torchrun\` (DDP, or FSDP with \`--fsdp\`; NCCL on GPUs, gloo on CPUs; bf16/fp16 autocast), \`DataLoader\` workers, the template's optimizer and schedule, accumulation, resumable checkpoints |
| \`train.sbatch\` | a Slurm script: one \`torchrun\` per machine, all its GPUs |
| \`export_onnx.py\` | \`python3 export_onnx.py\` writes \`model.onnx\` (${hasWeights ? 'with weights.pt, ' : ''}every input and head named as in model.py, a dynamic batch axis, opset 17 by default: the highest PyTorch 1.13 writes) |
| \`requirements.txt\` | \`torch>=1.12\`, \`numpy\`, \`pillow\` (\`--compile\` needs torch ≥ 2) |
| \`config.json\`, \`graph.json\` | the training settings and the graph this package was generated from |
${hasWeights ? `| \`weights.pt\`, \`weights.safetensors\` | the trained weights${o.weightsSource ? ` (from ${mdCode(o.weightsSource)})` : ''}: a state dict for \`model.load_state_dict(torch.load("weights.pt"))\`, and the same as safetensors |\n` : ''}${o.dataFile ? `| ${mdCode(o.dataFile).replace(/\|/g, '\\|')} | ${mdText(o.dataNote ?? 'the training data, already split as in the app')} |\n` : ''}
Needs Python 3.8+ and \`pip install -r requirements.txt\` (PyTorch ≥ 1.12, NumPy; Pillow for images).

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

\`python3 model.py\` prints the parameter count and the output shape${hasWeights ? ' (with weights.pt loaded)' : ''}.
Inputs are channels-last, as in the app: ${m.inputs.map((i) => `\`${i.arg}\` [B, ${i.shape.join(', ')}]`).join(', ')}.

## Train

${trainability(m)}

\`\`\`sh
# one process (CPU, or one GPU when present)
python3 train.py${data}
# several processes on this machine: train.py starts torchrun with the flags this PyTorch needs
${trainHint(o.dataFile)}
\`\`\`

\`torchrun\` itself, in the form for your PyTorch (\`python3 train.py --nproc 2 --print-launch\` prints the one it would run):

\`\`\`sh
# PyTorch >= 2: all GPUs of one machine (NCCL, bf16 autocast where supported)
torchrun --standalone --nproc_per_node=gpu train.py${data} --device cuda --batch-size 1024
# PyTorch 1.13 on Python 3.11 (e.g. Debian 12's python3-torch): its default --redirects no longer parses
torchrun --standalone --nproc_per_node=2 --redirects 2 --tee 2 train.py${data} --device cpu
\`\`\`

Several machines: run the same command on each (N machines, G processes each; HOST is the first
machine, reachable from the others on the port), or submit the Slurm script:

\`\`\`sh
python3 train.py${data} --nproc G --nnodes N --rdzv-endpoint HOST:29500 --device cuda
# = torchrun --nnodes N --nproc_per_node G --rdzv_backend c10d --rdzv_endpoint HOST:29500 --rdzv_id perceiver train.py …
sbatch --nodes 2 --gpus-per-node 8 train.sbatch${data} --batch-size 2048
\`\`\`

The template's settings: ${t.optimizer === 'sgd' ? `SGD with momentum ${t.momentum}` : "AdamW (the app's Adam with decoupled weight decay; epsilon 1e-7 as tfjs)"}, learning rate ${t.learningRate}${t.warmupSteps ? `, ${t.warmupSteps} warm-up steps` : ''}, ${t.schedule} schedule, batch ${t.batchSize}, ${t.epochs} epochs${t.gradClipNorm ? `, gradient clipping at ${t.gradClipNorm}` : ''}${t.labelSmoothing ? `, label smoothing ${t.labelSmoothing}` : ''}${t.weightDecay ? `, weight decay ${t.weightDecay} (decoupled, kernels and arrays only)` : ''}${t.earlyStoppingPatience ? `, early stopping after ${t.earlyStoppingPatience} epochs without a better validation loss` : ''}, seed ${t.seed}.
\`--batch-size\` is the global batch (all processes and accumulation steps together), so steps per
epoch and the learning-rate schedule stay those of the app; \`--micro-batch M\` sets the examples
per process per forward pass and gradient accumulation makes up the rest (\`--batch-size\` must be a
multiple of M × processes). Raise the batch (and \`--lr\`) to use big GPUs well.

Data: \`--data\` takes a file or folder in any format the app reads; each rank reads only its share
(a \`DistributedSampler\` in the app's order for the seed), decoded by \`--workers\` DataLoader
processes (default 4 on GPU, 0 on CPU) into pinned memory, with the next batch copied to the GPU
while the current one trains. The train/validation/test split is the app's: the same seed puts the
same examples in each.

Other flags: \`--epochs\`, \`--lr\`, \`--precision auto|fp32|bf16|fp16\` (auto: bf16 on GPUs that have
it, else fp16 with a GradScaler; fp32 on CPU), \`--subset N\`, \`--max-steps N\`, \`--checkpoint-dir DIR\`,
\`--save-every N\` (steps), \`--resume\`, \`--stop-after E\` (stop after epoch E; \`--resume\` continues),
\`--weights FILE\`, \`--json\`, \`--compile\` (torch.compile, PyTorch ≥ 2), \`--activation-checkpointing\`
(recompute attention blocks in the backward pass: less memory for large templates),
\`--fsdp\` (shard parameters, gradients and optimizer state over the GPUs instead of DDP).

Rank 0 writes to \`checkpoints/\`: \`checkpoint.pt\` every epoch (model, optimizer, scheduler, grad
scaler, every rank's RNG state and the position in the epoch: \`--resume\` continues exactly as an
uninterrupted run), \`best.pt\` (the epoch with the lowest validation loss), and \`weights.pt\` +
\`weights.safetensors\`, always the best epoch's weights (the final weights when training ends or stops
early). \`metrics.jsonl\` has one JSON record per log line; with \`tensorboard\` installed the same
figures go to \`checkpoints/tensorboard\`.
Bring \`weights.safetensors\` back into Perceiver Studio with *File › Import trained weights…* or
\`perceiver-studio import-weights graph.json checkpoints/weights.safetensors --out DIR\`; the names map
one to one (\`encoder.q.weight\` [out, in] ↔ the app's \`encoder/q_kernel\` [in, out]).
\n## Measured\n\n${SCALE_NOTE}\n\n${o.gpuNote ?? REFERENCE_GPU_NOTE}\n`;
}
