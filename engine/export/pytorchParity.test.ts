/**
 * The exported PyTorch module against the engine: the same parameter count for every template,
 * and, with the weights of a tfjs model (compiled, random init, cpu backend), the same outputs
 * within 1e-4 max abs for the small templates and generated graphs. Needs /usr/bin/python3 with
 * torch (CI installs python3-torch); skipped with the reason otherwise.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../compile/compile.js';
import { MINIATURES, shrink } from '../compile/miniatures.js';
import { loadGraphDoc } from '../graph/load.js';
import type { GraphDoc } from '../graph/schema.js';
import { randomGraph, runPython, torchUnavailable } from '../node/exportHarness.js';
import { writeExportFiles } from '../node/export.js';
import { exportPytorch } from './pytorch/index.js';
import { namedWeights } from './tfjsModel.js';
import { encodeSafetensors } from './weights.js';

const skipReason = torchUnavailable();
const templatesDir = join(__dirname, '..', '..', 'templates');
/** Forward parity runs on the cpu backend: keep it to models that evaluate in a blink. */
const PARITY_MAX_FLOPS = 3e8;

// The miniatures of the large templates (engine/compile/miniatures.ts) have the same wiring at
// small sizes, so every kind they use (conv stems, learned positions, repeated cross-attends,
// multimodal padding, Fourier queries, flow and audio heads, tied embeddings, masks) is checked
// numerically here, not just counted.

const CHECK_PY = String.raw`
import importlib.util, json, sys, torch, warnings
torch.set_num_threads(1)
for case in sys.argv[1:]:
    sys.path.insert(0, case)
    sys.modules.pop("perceiver_layers", None)
    spec = importlib.util.spec_from_file_location("exported_" + str(abs(hash(case))), case + "/model.py")
    m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
    L = sys.modules["perceiver_layers"]
    meta = m.build_model(device="meta")
    res = {"case": case, "metaParams": m.count_parameters(meta)}
    try:
        io = L.load_safetensors(case + "/io.safetensors")
    except FileNotFoundError:
        io = None
    if io is not None:
        net = m.build_model()
        L.load_weights(net, case + "/weights.pt")
        net.eval()
        xs = [io[f"x{k}"].long() if name in m.INT_INPUTS else io[f"x{k}"] for k, name in enumerate(m.INPUTS)]
        with torch.no_grad():
            out = net(*xs)
        outs = list(out.values()) if isinstance(out, dict) else [out]
        res["params"] = m.count_parameters(net)
        res["maxAbs"] = max((o - io[f"y{k}"]).abs().max().item() for k, o in enumerate(outs))
        res["maxRef"] = max(io[f"y{k}"].abs().max().item() for k in range(len(outs)))
        res["shape"] = [list(o.shape) for o in outs]
        flat = lambda o: list(o.values()) if isinstance(o, dict) else ([o] if torch.is_tensor(o) else list(o))
        gap = lambda got: max((a - io[f"y{k}"]).abs().max().item() for k, a in enumerate(flat(got)))
        try:
            scripted = torch.jit.script(net)
            with torch.no_grad():
                res["scriptMaxAbs"] = gap(scripted(*xs))
        except Exception as e:
            res["scriptError"] = str(e)[-1500:]
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                traced = torch.jit.trace(net, tuple(x[:2] for x in xs), strict=False, check_trace=False)
            with torch.no_grad():  # traced on a batch of 2, run on 3: the batch axis stays free
                res["traceMaxAbs"] = gap(traced(*xs))
        except Exception as e:
            res["traceError"] = str(e)[-1500:]
    sys.path.remove(case)
    print(json.dumps(res), flush=True)
`;

interface Case {
  name: string;
  doc: GraphDoc;
  dir: string;
  params: number;
  parity: boolean;
}

describe.skipIf(skipReason !== null)(`PyTorch export parity${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  const work = mkdtempSync(join(tmpdir(), 'ps-export-parity-'));
  const cases: Case[] = [];
  let results = new Map<
    string,
    {
      metaParams: number;
      params?: number;
      maxAbs?: number;
      maxRef?: number;
      shape?: number[];
      scriptMaxAbs?: number;
      scriptError?: string;
      traceMaxAbs?: number;
      traceError?: string;
    }
  >();

  beforeAll(async () => {
    await tf.setBackend('cpu');
    const docs: { name: string; doc: GraphDoc }[] = readdirSync(templatesDir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => ({ name: f, doc: loadGraphDoc(readFileSync(join(templatesDir, f), 'utf8'), f) }));
    for (const [f, patch] of Object.entries(MINIATURES)) {
      const full = docs.find((d) => d.name === f);
      if (full) docs.push({ name: `mini-${f}`, doc: shrink(full.doc, patch) });
    }
    for (let seed = 1; seed <= 8; seed++) docs.push({ name: `generated-${seed}`, doc: randomGraph(seed) });
    for (const { name, doc } of docs) {
      const dir = join(work, name.replace(/[^A-Za-z0-9_-]/g, '_'));
      let ex;
      try {
        ex = exportPytorch(doc);
      } catch (err) {
        throw new Error(`${name}: ${(err as Error).message}`, { cause: err });
      }
      const a = ex.model.analysis;
      const parity = a.totals.flops <= PARITY_MAX_FLOPS;
      if (parity) {
        const before = tf.memory().numTensors;
        const { model } = compile(doc, { seed: 17 });
        // Perturb every weight so zero-initialised heads, unit norms and BatchNorm statistics
        // carry information too (otherwise a wrong mapping of them could go unseen).
        model.weights.forEach((w, k) => {
          const noisy = tf.tidy(() =>
            tf.add(w.read(), tf.randomNormal(w.shape as number[], 0, 0.05, 'float32', 100 + k)),
          );
          w.write(noisy);
          noisy.dispose();
        });
        const withWeights = exportPytorch(doc, { weights: namedWeights(model) });
        writeExportFiles(dir, withWeights.files);
        const xs = withWeights.model.inputs.map((inp, k) =>
          inp.dtype === 'int32'
            ? tf.randomUniform([3, ...inp.shape], 0, inp.intHigh ?? 2, 'int32', 5 + k)
            : tf.randomUniform([3, ...inp.shape], -1, 1, 'float32', 3 + k),
        );
        const out = model.predict(xs.length === 1 ? xs[0]! : xs);
        const ys = Array.isArray(out) ? out : [out];
        const io = new Map<string, { shape: number[]; data: Float32Array }>();
        xs.forEach((x, k) => io.set(`x${k}`, { shape: x.shape, data: Float32Array.from(x.dataSync()) }));
        ys.forEach((y, k) => io.set(`y${k}`, { shape: y.shape, data: Float32Array.from(y.dataSync()) }));
        writeFileSync(join(dir, 'io.safetensors'), encodeSafetensors(io));
        tf.dispose([...xs, ...ys]);
        expect(model.countParams(), `${name}: tfjs params`).toBe(a.totals.params);
        model.dispose();
        expect(tf.memory().numTensors, `${name}: tensors left after the check`).toBe(before);
      } else {
        writeExportFiles(dir, ex.files);
      }
      cases.push({ name, doc, dir, params: a.totals.params, parity });
    }
    const out = runPython(
      CHECK_PY,
      cases.map((c) => c.dir),
      { timeoutMs: 110_000 },
    );
    results = new Map(
      out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
        .map((r) => [r.case, r]),
    );
  }, 120_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('scripts (torch.jit.script) and traces (torch.jit.trace) to the same outputs', () => {
    const report: string[] = [];
    for (const c of cases.filter((k) => k.parity)) {
      const r = results.get(c.dir)!;
      expect(r.scriptError, `${c.name}: torch.jit.script`).toBeUndefined();
      expect(r.scriptMaxAbs!, `${c.name}: scripted`).toBeLessThan(1e-4);
      expect(r.traceError, `${c.name}: torch.jit.trace`).toBeUndefined();
      expect(r.traceMaxAbs!, `${c.name}: traced`).toBeLessThan(1e-4);
      report.push(`${c.name}: script ${r.scriptMaxAbs!.toExponential(1)}, trace ${r.traceMaxAbs!.toExponential(1)}`);
    }
    console.log(report.join('\n'));
  });

  it('covers the templates and generated graphs', () => {
    expect(cases.filter((c) => c.name.endsWith('.json')).length).toBeGreaterThanOrEqual(1);
    expect(cases.filter((c) => c.parity).length).toBeGreaterThanOrEqual(9);
    // Every miniature is small enough for the numeric check.
    for (const c of cases.filter((k) => k.name.startsWith('mini-'))) expect(c.parity, c.name).toBe(true);
  });

  it('has the engine parameter count for every template and graph', () => {
    for (const c of cases) expect(results.get(c.dir)?.metaParams, c.name).toBe(c.params);
    const mnist = cases.find((c) => c.name === 'mnist-perceiver-io.json')!;
    expect(results.get(mnist.dir)!.metaParams).toBe(96_292);
  });

  it('matches the tfjs forward pass within 1e-4 with the same weights', () => {
    const report: string[] = [];
    for (const c of cases.filter((k) => k.parity)) {
      const r = results.get(c.dir)!;
      expect(r.params, c.name).toBe(c.params);
      expect(r.maxRef!, `${c.name}: outputs are not all zero`).toBeGreaterThan(1e-3);
      expect(r.maxAbs!, c.name).toBeLessThan(1e-4);
      report.push(`${c.name}: max |Δ| ${r.maxAbs!.toExponential(2)} (|y| ≤ ${r.maxRef!.toFixed(3)})`);
    }
    console.log(report.join('\n'));
  });
});
