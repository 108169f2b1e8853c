/**
 * Numeric parity with Hugging Face: every fixture class and case, on the cpu and wasm backends,
 * max |ours − HF| ≤ 1e-4 · max(1, max |expected|) per output array (issue 12, point 3).
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { compile } from '../compile/compile.js';
import { applyNamedWeights } from '../export/tfjsModel.js';
import { useNodeBackend } from '../node/backend.js';
import { FIXTURE_CLASSES, haveFixtures, readBytes, readJson, readNpy } from '../node/hfFixtures.js';
import { hfConfigToGraph, hfToWeights, type HfClassName } from './convert.js';
import { hfGraphOptionsForInputs, hfInputsToModel, modelOutputsToHf, type HfArray } from './io.js';
import { readSafetensors } from './safetensors.js';

interface FileRef {
  file: string;
}
interface Case {
  name: string;
  inputs: Record<string, FileRef & { hf_forward_arg: string }>;
  expected: Record<string, FileRef>;
  subsampled_output_points?: Record<string, FileRef | null>;
}

/** Run one fixture case through the imported graph; returns HF-named outputs. */
async function runCase(cls: HfClassName, c: Case): Promise<Map<string, HfArray>> {
  const config = readJson(cls, 'config.json');
  const arrays = new Map<string, HfArray>();
  for (const [name, ref] of Object.entries(c.inputs)) {
    const arg = ref.hf_forward_arg;
    const m = /^inputs\['(\w+)'\]$/.exec(arg);
    arrays.set(m ? m[1]! : arg === 'inputs' ? 'inputs' : name, readNpy(cls, ref.file));
  }
  for (const [mod, ref] of Object.entries(c.subsampled_output_points ?? {})) if (ref) arrays.set(`subsampled_output_points_${mod}`, readNpy(cls, ref.file));
  const { doc } = hfConfigToGraph(config, hfGraphOptionsForInputs(config, arrays));
  const weights = hfToWeights(config, doc, readSafetensors(readBytes(cls, 'model.safetensors'), `${cls}/model.safetensors`));
  const compiled = compile(doc);
  try {
    const names = compiled.model.weights.map((w) => w.originalName).sort();
    expect(names).toEqual([...weights.keys()].sort());
    applyNamedWeights(compiled.model, weights, 'the HF checkpoint');
    const ins = hfInputsToModel(cls, config, doc, arrays);
    const feeds = compiled.inputNodes.map((id) => {
      const a = ins.get(id)!;
      return tf.tensor(a.dtype === 'int32' ? Int32Array.from(a.data) : a.data, a.shape, a.dtype);
    });
    const ys = compiled.model.predict(feeds.length === 1 ? feeds[0]! : feeds) as tf.Tensor | tf.Tensor[];
    const list = Array.isArray(ys) ? ys : [ys];
    const outs = new Map<string, HfArray>();
    compiled.outputNodes.forEach((id, k) => outs.set(id, { shape: [...list[k]!.shape], data: Float32Array.from(list[k]!.dataSync() as Float32Array) }));
    tf.dispose([...feeds, ...list]);
    return modelOutputsToHf(cls, outs);
  } finally {
    compiled.model.dispose();
  }
}

const measured: string[] = [];
afterAll(() => {
  if (measured.length) console.log(`HF parity, max |diff| (tolerance):\n${measured.join('\n')}`);
});

for (const backend of ['cpu', 'wasm'] as const) {
  describe.skipIf(!haveFixtures)(`HF parity on ${backend}`, () => {
    for (const cls of FIXTURE_CLASSES) {
      const fx = haveFixtures ? (readJson(cls, 'fixture.json') as { cases: Case[] }) : { cases: [] };
      for (const c of fx.cases) {
        it(`${cls} ${c.name}`, async () => {
          await useNodeBackend(backend);
          const got = await runCase(cls, c);
          for (const [key, ref] of Object.entries(c.expected)) {
            if (key !== 'logits' && !key.startsWith('logits[')) continue;
            const name = key === 'logits' ? 'logits' : key.slice(7, -1);
            const want = readNpy(cls, ref.file);
            const have = got.get(name)!;
            expect(have.shape, `${name} shape`).toEqual(want.shape);
            let maxAbs = 0;
            let maxDiff = 0;
            for (let i = 0; i < want.data.length; i++) {
              maxAbs = Math.max(maxAbs, Math.abs(want.data[i]!));
              maxDiff = Math.max(maxDiff, Math.abs(want.data[i]! - have.data[i]!));
            }
            const tol = 1e-4 * Math.max(1, maxAbs);
            measured.push(`  ${backend} ${cls}${c.name === '(default)' ? '' : ' ' + c.name} ${name}: ${maxDiff.toExponential(2)} (${tol.toExponential(2)})`);
            expect(maxDiff, `${name} max |diff|`).toBeLessThanOrEqual(tol);
          }
        });
      }
    }
  });
}
