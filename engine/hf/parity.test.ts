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
async function runCase(
  cls: HfClassName,
  c: Case,
  extra: Map<string, HfArray> = new Map(),
): Promise<Map<string, HfArray>> {
  const config = readJson(cls, 'config.json');
  const arrays = new Map<string, HfArray>(extra);
  for (const [name, ref] of Object.entries(c.inputs)) {
    const arg = ref.hf_forward_arg;
    const m = /^inputs\['(\w+)'\]$/.exec(arg);
    arrays.set(m ? m[1]! : arg === 'inputs' ? 'inputs' : name, readNpy(cls, ref.file));
  }
  for (const [mod, ref] of Object.entries(c.subsampled_output_points ?? {}))
    if (ref && !arrays.has(`subsampled_output_points_${mod}`))
      arrays.set(`subsampled_output_points_${mod}`, readNpy(cls, ref.file));
  const { doc } = hfConfigToGraph(config, hfGraphOptionsForInputs(config, arrays));
  const weights = hfToWeights(
    config,
    doc,
    readSafetensors(readBytes(cls, 'model.safetensors'), `${cls}/model.safetensors`),
  );
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
    compiled.outputNodes.forEach((id, k) =>
      outs.set(id, { shape: [...list[k]!.shape], data: Float32Array.from(list[k]!.dataSync() as Float32Array) }),
    );
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
            measured.push(
              `  ${backend} ${cls}${c.name === '(default)' ? '' : ' ' + c.name} ${name}: ${maxDiff.toExponential(2)} (${tol.toExponential(2)})`,
            );
            expect(maxDiff, `${name} max |diff|`).toBeLessThanOrEqual(tol);
          }
        });
      }
    }
    it('PerceiverForMultimodalAutoencoding, scattered points: each decoded point equals HF decoding all points', async () => {
      await useNodeBackend(backend);
      const cls = 'PerceiverForMultimodalAutoencoding';
      const all = (readJson(cls, 'fixture.json') as { cases: Case[] }).cases[0]!;
      const image = [77, 3, 120, 3, 64];
      const audio = [3, 0];
      const got = await runCase(
        cls,
        all,
        new Map([
          ['subsampled_output_points_image', { shape: [image.length], data: Float32Array.from(image) }],
          ['subsampled_output_points_audio', { shape: [audio.length], data: Float32Array.from(audio) }],
        ]),
      );
      const wantImage = readNpy(cls, all.expected['logits[image]']!.file); // [1, T·H·W, 3]
      const wantAudio = readNpy(cls, all.expected['logits[audio]']!.file); // [1, patches · samples_per_patch]
      const spp = (readJson(cls, 'config.json') as { samples_per_patch: number }).samples_per_patch;
      expect(got.get('image')!.shape).toEqual([1, image.length, 3]);
      expect(got.get('audio')!.shape).toEqual([1, audio.length * spp]);
      let maxDiff = 0;
      let maxRef = 0;
      const compare = (a: number, b: number) => {
        maxDiff = Math.max(maxDiff, Math.abs(a - b));
        maxRef = Math.max(maxRef, Math.abs(b));
      };
      image.forEach((p, r) => {
        for (let ch = 0; ch < 3; ch++) compare(got.get('image')!.data[r * 3 + ch]!, wantImage.data[p * 3 + ch]!);
      });
      audio.forEach((p, r) => {
        for (let k = 0; k < spp; k++) compare(got.get('audio')!.data[r * spp + k]!, wantAudio.data[p * spp + k]!);
      });
      const tol = 1e-4 * Math.max(1, maxRef);
      measured.push(
        `  ${backend} ${cls} scattered points image+audio: ${maxDiff.toExponential(2)} (${tol.toExponential(2)})`,
      );
      expect(maxDiff).toBeLessThanOrEqual(tol);
    });
  });
}
