/**
 * Try on imported HF image classifiers whose image_size is not 224 (the 8/16/32-pixel fixtures):
 * a drawn 8×8 pad goes through HF's image processor (224/256 centre crop, then resized to the
 * model's own input — it once came out 0 pixels wide) and predicts what the model gives for those
 * pixel values. The CLI side (predict on PNGs, equal to the same values as .npy) is
 * engine/cli/hfImagePredict.test.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../../engine/compile/compile';
import { applyNamedWeights } from '../../engine/export/tfjsModel';
import { perceiverImageProcessor } from '../../engine/hf/imageProcessor';
import { importHf } from './hfImport';
import type { FromWorkerTry, ToWorkerTry } from './protocol';
import { answerTry } from './tryModel';
import { softmax } from './tryInput';
import type { WorkerDataSources } from './dataSource';

// Node's fs, reached without Node types (the renderer project has none); tests run in Node.
const fs = (await import(/* @vite-ignore */ ['node', 'fs'].join(':'))) as { readFileSync(p: URL): Uint8Array };
const fixtures = new URL('../../../shared/hf-fixtures/', import.meta.url);
const file = (dir: string, name: string) =>
  new File([new Uint8Array(fs.readFileSync(new URL(`${dir}/${name}`, fixtures)))], name);

/** An 8×8 pad: a red-to-green gradient with a blue square. */
const W = 8;
const rgba = Uint8ClampedArray.from({ length: W * W * 4 }, (_, i) => {
  const p = Math.floor(i / 4);
  const [x, y] = [p % W, Math.floor(p / W)];
  return [Math.round((255 * x) / 7), Math.round((255 * y) / 7), x > 2 && x < 6 && y > 1 && y < 6 ? 240 : 10, 255][
    i % 4
  ]!;
});
const rgb = Uint8Array.from({ length: W * W * 3 }, (_, i) => rgba[Math.floor(i / 3) * 4 + (i % 3)]!);

async function ask(msg: ToWorkerTry): Promise<FromWorkerTry> {
  const posted: FromWorkerTry[] = [];
  await answerTry((m) => posted.push(m), msg, {
    sources: null as unknown as WorkerDataSources,
    ensureBackend: async () => undefined,
  });
  expect(posted).toHaveLength(1);
  return posted[0]!;
}

describe('Try with an imported HF image classifier of another image size', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  for (const kind of ['Learned', 'Fourier', 'ConvProcessing']) {
    it(`PerceiverForImageClassification${kind}: a drawn 8×8 pad predicts through HF's image processor at the model's input size`, async () => {
      const dir = `PerceiverForImageClassification${kind}`;
      const imp = await importHf({
        folder: dir,
        config: file(dir, 'config.json'),
        weights: file(dir, 'model.safetensors'),
      });
      const info = await ask({ type: 'tryInfo', requestId: 1, doc: imp.doc });
      expect(info).toMatchObject({ type: 'tryInfo', info: { source: 'imported', input: { kind: 'image' } } });
      const shape = (info as { info: { input: { shape: number[] } } }).info.input.shape;
      const res = await ask({
        type: 'tryPredict',
        requestId: 2,
        doc: imp.doc,
        input: { kind: 'pixels', width: W, height: W, rgba },
        topK: 1,
      });
      if (res.type !== 'tryResult' || !res.prediction || res.prediction.output.kind !== 'classes')
        throw new Error(JSON.stringify(res).slice(0, 400));

      // By hand: the processor's pixel values at the model's [H, W], channels last, through the imported weights.
      const [h, w] = shape as [number, number, number];
      const chw = perceiverImageProcessor({ shape: [W, W, 3], data: rgb }, { outputSize: [h, w] });
      const hwc = new Float32Array(h * w * 3);
      for (let k = 0; k < 3; k++) for (let i = 0; i < h * w; i++) hwc[i * 3 + k] = chw.data[k * h * w + i]!;
      expect(Array.from(res.prediction.seen.x)).toEqual(Array.from(hwc));
      const { model } = compile(imp.doc);
      applyNamedWeights(model, imp.weights, dir);
      const logits = tf.tidy(() => (model.predict(tf.tensor(hwc, [1, h, w, 3])) as tf.Tensor).dataSync());
      model.dispose();
      const p = Array.from(softmax(Float32Array.from(logits)));
      const best = p.indexOf(Math.max(...p));
      expect(res.prediction.output.top[0]!.index).toBe(best);
      expect(res.prediction.output.top[0]!.p).toBeCloseTo(p[best]!, 5);
    }, 60_000);
  }
});
