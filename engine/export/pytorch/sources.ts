/**
 * The Python files every PyTorch export carries, kept as real files in ./py (so Python tooling
 * reads, lints and tests them) and imported here as text with Vite's `?raw` suffix:
 * - vitest and the Vite renderer build handle `?raw` natively;
 * - the esbuild CLI bundle loads them through scripts/esbuild-raw.mjs (the `?raw` plugin);
 * - tsc types them through ./raw.d.ts.
 * Node with tsx alone cannot load `?raw`: run the engine's exporter through vitest, the built
 * CLI (bin/perceiver-studio.js) or the app.
 *
 * py/perceiver_layers.py: the PyTorch twins of engine/layers/perceiverLayers.ts (same maths:
 * pre-LN, head-major split, 1/√(qk/h), LN eps 1e-5, tanh or erf GELU; same defaults and
 * Haiku-style inits; a tfjs weight `<layer>/<name>_kernel` is `<module>.<name>.weight` there,
 * transposed).
 * py/data.py: datasets for the exported train.py with the app's rules (engine/data).
 * py/train.py: DistributedDataParallel training with the template's settings, matching
 * engine/train/train.ts step for step; py/train.sbatch (Slurm), py/requirements.txt.
 * py/export_onnx.py: model.py (+ weights.pt) → model.onnx with a dynamic batch axis.
 * These files are copied verbatim (no templating): whatever depends on the graph lives in
 * model.py (modelPy.ts) and config.json.
 */
import DATA_PY from './py/data.py?raw';
import EXPORT_ONNX_PY from './py/export_onnx.py?raw';
import PERCEIVER_LAYERS_PY from './py/perceiver_layers.py?raw';
import REQUIREMENTS_TXT from './py/requirements.txt?raw';
import TRAIN_PY from './py/train.py?raw';
import TRAIN_SBATCH from './py/train.sbatch?raw';

export { DATA_PY, EXPORT_ONNX_PY, PERCEIVER_LAYERS_PY, REQUIREMENTS_TXT, TRAIN_PY, TRAIN_SBATCH };

/** File name in the package → contents, for the files copied verbatim. */
export const PYTHON_SOURCES: ReadonlyMap<string, string> = new Map([
  ['perceiver_layers.py', PERCEIVER_LAYERS_PY],
  ['data.py', DATA_PY],
  ['train.py', TRAIN_PY],
  ['requirements.txt', REQUIREMENTS_TXT],
  ['train.sbatch', TRAIN_SBATCH],
  // ONNX (model.onnx, dynamic batch, opset 17) from model.py + weights.pt; `export --format onnx` runs it.
  ['export_onnx.py', EXPORT_ONNX_PY],
]);
