/**
 * Test support for the ONNX export: graphs are compiled with perturbed weights, exported as
 * PyTorch packages (with export_onnx.py), converted to model.onnx by one Python process, then run
 * in ONNX Runtime (onnxruntime-node, CPU) on a batch of 3 (not the traced batch of 2, so the
 * dynamic batch axis is exercised) and compared with the engine's outputs for the same inputs.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { compile } from '../compile/compile.js';
import { exportPytorch } from '../export/pytorch/index.js';
import { namedWeights } from '../export/tfjsModel.js';
import type { GraphDoc } from '../graph/schema.js';
import { writeExportFiles } from './export.js';
import { runPython } from './exportHarness.js';

export interface OnnxCase {
  name: string;
  dir: string;
  doc: GraphDoc;
  /** Engine inputs and outputs for the batch of 3. */
  inputs: { name: string; shape: number[]; dtype: 'float32' | 'int32'; data: Float32Array | Int32Array }[];
  outputs: { shape: number[]; data: Float32Array }[];
}

/** Compile with perturbed weights, export the package, and record the engine's outputs on a batch of 3. */
export function prepareOnnxCase(name: string, doc: GraphDoc, work: string, batch = 3): OnnxCase {
  const { model } = compile(doc, { seed: 17 });
  try {
    // Zero-initialised heads, unit norms and BatchNorm statistics carry information too.
    model.weights.forEach((w, k) => {
      const noisy = tf.tidy(() => tf.add(w.read(), tf.randomNormal(w.shape as number[], 0, 0.05, 'float32', 300 + k)));
      w.write(noisy);
      noisy.dispose();
    });
    const ex = exportPytorch(doc, { weights: namedWeights(model), weightsSource: 'onnx parity test' });
    const dir = join(work, name.replace(/[^A-Za-z0-9_-]/g, '_'));
    mkdirSync(dir, { recursive: true });
    writeExportFiles(dir, ex.files);
    const xs = ex.model.inputs.map((inp, k) =>
      inp.dtype === 'int32'
        ? tf.randomUniform([batch, ...inp.shape], 0, inp.intHigh ?? 2, 'int32', 40 + k)
        : tf.randomUniform([batch, ...inp.shape], -1, 1, 'float32', 30 + k),
    );
    const out = model.predict(xs.length === 1 ? xs[0]! : xs);
    const ys = Array.isArray(out) ? out : [out];
    const c: OnnxCase = {
      name,
      dir,
      doc,
      inputs: ex.model.inputs.map((inp, k) => ({
        name: inp.arg,
        shape: xs[k]!.shape,
        dtype: inp.dtype,
        data: inp.dtype === 'int32' ? Int32Array.from(xs[k]!.dataSync()) : Float32Array.from(xs[k]!.dataSync()),
      })),
      outputs: ys.map((y) => ({ shape: y.shape, data: Float32Array.from(y.dataSync()) })),
    };
    tf.dispose([...xs, ...ys]);
    return c;
  } finally {
    model.dispose();
  }
}

const DRIVER = String.raw`
import importlib.util, json, os, sys
for folder in sys.argv[1:]:
    spec = importlib.util.spec_from_file_location("export_onnx_" + str(abs(hash(folder))), os.path.join(folder, "export_onnx.py"))
    mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
    try:
        res = mod.export(folder)
    except Exception as e:  # report and go on: the test names the case
        res = {"error": f"{type(e).__name__}: {e}"}
    res["case"] = folder
    sys.path.remove(folder) if folder in sys.path else None
    print(json.dumps(res), flush=True)
`;

/** Run export_onnx.py's export() for every case in one Python process; results by folder. */
export function exportOnnxAll(
  cases: OnnxCase[],
  timeoutMs = 240_000,
): Map<string, { onnx?: string; error?: string; inputs?: string[]; outputs?: string[]; opset?: number }> {
  const out = runPython(
    DRIVER,
    cases.map((c) => c.dir),
    { timeoutMs, env: { OMP_NUM_THREADS: '2' } },
  );
  return new Map(
    out
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map(
        (l) =>
          JSON.parse(l) as {
            case: string;
            onnx?: string;
            error?: string;
            inputs?: string[];
            outputs?: string[];
            opset?: number;
          },
      )
      .map((r) => [r.case, r]),
  );
}

/** Run model.onnx in ONNX Runtime on the case's inputs; max |Δ| against the engine and the largest |y|. */
export async function compareOnnx(
  c: OnnxCase,
  onnxPath: string,
): Promise<{ maxAbs: number; maxRef: number; outputNames: readonly string[]; inputNames: readonly string[] }> {
  const session = await ort.InferenceSession.create(onnxPath, { executionProviders: ['cpu'], intraOpNumThreads: 2 });
  try {
    const feeds: Record<string, ort.Tensor> = {};
    for (const x of c.inputs) {
      feeds[x.name] =
        x.dtype === 'int32'
          ? new ort.Tensor(
              'int64',
              BigInt64Array.from(x.data, (v) => BigInt(v)),
              x.shape,
            )
          : new ort.Tensor('float32', x.data as Float32Array, x.shape);
    }
    const result = await session.run(feeds);
    let maxAbs = 0;
    let maxRef = 0;
    session.outputNames.forEach((name, k) => {
      const got = result[name]!;
      const want = c.outputs[k]!;
      if (got.dims.join('x') !== want.shape.join('x'))
        throw new Error(
          `${c.name}: ONNX output "${name}" has shape [${got.dims.join(', ')}], the engine's [${want.shape.join(', ')}]`,
        );
      const g = got.data as Float32Array;
      for (let i = 0; i < want.data.length; i++) {
        maxAbs = Math.max(maxAbs, Math.abs(g[i]! - want.data[i]!));
        maxRef = Math.max(maxRef, Math.abs(want.data[i]!));
      }
    });
    return { maxAbs, maxRef, outputNames: session.outputNames, inputNames: session.inputNames };
  } finally {
    await session.release();
  }
}
