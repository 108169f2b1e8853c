/**
 * The PyTorch export (engine/export/pytorch) of every imported HF graph, with the HF weights, run
 * by python3 + torch on the fixture inputs, against HF's expected logits: the emitters know the
 * options the import uses (conv stem 'torch' padding, Fourier point ranges, erf GELU). Skipped
 * without torch.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyse } from '../graph/analyse.js';
import { exportPytorch } from '../export/pytorch/index.js';
import { encodeSafetensors, type NamedArrays } from '../export/weights.js';
import { runPython, torchUnavailable } from '../node/exportHarness.js';
import { writeExportFiles } from '../node/export.js';
import { FIXTURE_CLASSES, haveFixtures, readBytes, readJson, readNpy } from '../node/hfFixtures.js';
import { hfConfigToGraph, hfToWeights } from './convert.js';
import { hfGraphOptionsForInputs, hfInputsToModel, type HfArray } from './io.js';
import { readSafetensors } from './safetensors.js';

const skip = !haveFixtures ? 'no HF fixtures' : torchUnavailable();

/** Output node → HF logits name, per class. */
const HF_NAME: Record<string, string> = {
  head: 'logits',
  flow: 'logits',
  audioOut: 'audio',
  imageOut: 'image',
  labelOut: 'label',
};

const RUN_PY = String.raw`
import importlib.util, json, sys, torch
torch.set_num_threads(1)
for case in sys.argv[1:]:
    sys.path.insert(0, case)
    sys.modules.pop("perceiver_layers", None)
    spec = importlib.util.spec_from_file_location("hf_export_" + str(abs(hash(case))), case + "/model.py")
    m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
    L = sys.modules["perceiver_layers"]
    io = L.load_safetensors(case + "/io.safetensors")
    net = m.build_model()
    L.load_weights(net, case + "/weights.pt")
    net.eval()
    xs = [io[f"x{k}"].long() if name in m.INT_INPUTS else io[f"x{k}"] for k, name in enumerate(m.INPUTS)]
    with torch.no_grad():
        out = net(*xs)
    outs = list(out.values()) if isinstance(out, dict) else [out]
    diffs = [(o.reshape(io[f"y{k}"].shape) - io[f"y{k}"]).abs().max().item() for k, o in enumerate(outs)]
    refs = [io[f"y{k}"].abs().max().item() for k in range(len(outs))]
    sys.path.remove(case)
    print(json.dumps({"case": case, "diffs": diffs, "refs": refs}), flush=True)
`;

describe.skipIf(skip !== null)(`PyTorch export of imported HF graphs${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const work = haveFixtures ? mkdtempSync(join(tmpdir(), 'ps-hf-export-')) : '';
  afterAll(() => work && rmSync(work, { recursive: true, force: true }));

  it('reproduces HF logits for every class within 1e-4·max(1, |expected|)', () => {
    const dirs: { cls: string; dir: string }[] = [];
    for (const cls of FIXTURE_CLASSES) {
      const config = readJson(cls, 'config.json');
      const fx = readJson(cls, 'fixture.json') as {
        cases: {
          inputs: Record<string, { file: string; hf_forward_arg: string }>;
          expected: Record<string, { file: string }>;
          subsampled_output_points?: Record<string, { file: string } | null>;
        }[];
      };
      const c = fx.cases[fx.cases.length - 1]!;
      const arrays = new Map<string, HfArray>();
      for (const [name, ref] of Object.entries(c.inputs)) {
        const m = /^inputs\['(\w+)'\]$/.exec(ref.hf_forward_arg);
        arrays.set(m ? m[1]! : ref.hf_forward_arg === 'inputs' ? 'inputs' : name, readNpy(cls, ref.file));
      }
      for (const [mod, ref] of Object.entries(c.subsampled_output_points ?? {}))
        if (ref) arrays.set(`subsampled_output_points_${mod}`, readNpy(cls, ref.file));
      const { doc } = hfConfigToGraph(config, hfGraphOptionsForInputs(config, arrays));
      const weights = hfToWeights(config, doc, readSafetensors(readBytes(cls, 'model.safetensors')));
      const ex = exportPytorch(doc, { weights });
      const dir = join(work, cls);
      writeExportFiles(dir, ex.files);
      const ins = hfInputsToModel(cls, config, doc, arrays);
      const a = analyse(doc);
      const io: NamedArrays = new Map();
      a.modelInputs.forEach((id, k) => io.set(`x${k}`, ins.get(id)!));
      a.heads.forEach((h, k) => {
        const e = Object.entries(c.expected).find(
          ([key]) => key === 'logits' || key === `logits[${HF_NAME[h.nodeId]}]`,
        );
        io.set(`y${k}`, readNpy(cls, e![1].file));
      });
      writeFileSync(join(dir, 'io.safetensors'), encodeSafetensors(io));
      dirs.push({ cls, dir });
      if (cls === 'PerceiverForMultimodalAutoencoding') {
        // Scattered points (a listed FourierQuery): rows of HF's decode-all logits.
        const image = [77, 3, 120, 3, 64];
        const audio = [3, 0];
        const pts = new Map(arrays);
        pts.set('subsampled_output_points_image', { shape: [image.length], data: Float32Array.from(image) });
        pts.set('subsampled_output_points_audio', { shape: [audio.length], data: Float32Array.from(audio) });
        const g = hfConfigToGraph(config, hfGraphOptionsForInputs(config, pts)).doc;
        const d2 = join(work, `${cls}-scattered`);
        writeExportFiles(
          d2,
          exportPytorch(g, { weights: hfToWeights(config, g, readSafetensors(readBytes(cls, 'model.safetensors'))) })
            .files,
        );
        const all = fx.cases[0]!.expected;
        const wi = readNpy(cls, all['logits[image]']!.file);
        const wa = readNpy(cls, all['logits[audio]']!.file);
        const spp = (config as { samples_per_patch: number }).samples_per_patch;
        const rows = (src: Float32Array, idx: number[], w: number) =>
          Float32Array.from(idx.flatMap((p) => Array.from(src.subarray(p * w, (p + 1) * w))));
        const want: Record<string, HfArray> = {
          audioOut: { shape: [1, audio.length * spp], data: rows(wa.data, audio, spp) },
          imageOut: { shape: [1, image.length, 3], data: rows(wi.data, image, 3) },
          labelOut: readNpy(cls, all['logits[label]']!.file),
        };
        const a2 = analyse(g);
        const ins2 = hfInputsToModel(cls, config, g, pts);
        const io2: NamedArrays = new Map();
        a2.modelInputs.forEach((id, k) => io2.set(`x${k}`, ins2.get(id)!));
        a2.heads.forEach((h, k) => io2.set(`y${k}`, want[h.nodeId]!));
        writeFileSync(join(d2, 'io.safetensors'), encodeSafetensors(io2));
        dirs.push({ cls: `${cls} (scattered points)`, dir: d2 });
      }
    }
    const out = runPython(
      RUN_PY,
      dirs.map((d) => d.dir),
      { timeoutMs: 110_000 },
    );
    const res = new Map(
      out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { case: string; diffs: number[]; refs: number[] })
        .map((r) => [r.case, r]),
    );
    const report: string[] = [];
    for (const { cls, dir } of dirs) {
      const r = res.get(dir)!;
      r.diffs.forEach((d, k) => {
        report.push(`${cls} output ${k}: max |Δ| ${d.toExponential(2)}`);
        expect(d, `${cls} output ${k}`).toBeLessThanOrEqual(1e-4 * Math.max(1, r.refs[k]!));
      });
    }
    console.log(report.join('\n'));
  }, 120_000);
});
