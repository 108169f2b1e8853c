/**
 * Every template: loads, analyses valid, reproduces its published count; the small ones compile
 * with countParams equal to the analyser. The large ones are analysed only (never allocated);
 * their builders are exercised on miniatures with the same wiring and smaller sizes.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyse } from '../graph/analyse.js';
import { loadGraphDoc } from '../graph/load.js';
import type { GraphDoc } from '../graph/schema.js';
import { compile } from './compile.js';
import { MINIATURES, shrink } from './miniatures.js';

const dir = join(__dirname, '../../templates');
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
const load = (f: string): GraphDoc => loadGraphDoc(readFileSync(join(dir, f), 'utf8'), f);

/** Published / reference counts (docs/ARCHITECTURE.md §B). */
const EXACT: Record<string, number> = {
  'perceiver-imagenet.json': 44_912_254,
  'perceiver-io-imagenet-fourier.json': 48_440_627,
  'perceiver-io-mlm.json': 201_108_230,
  'mnist-perceiver-io.json': 96_292,
  // docs/ARCHITECTURE.md §B.6 raw-pixel encoder in original-Perceiver form: 2,048 + 2·13,689 + 50,432 + 650
  'mnist-perceiver.json': 80_508,
};
const SMALL = ['mnist-perceiver-io.json', 'mnist-perceiver.json', 'tabular-perceiver.json', 'bytes-mlm-tiny.json'];

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('templates', () => {
  it('the issue’s templates are all there', () => {
    for (const f of [
      'perceiver-imagenet.json',
      'perceiver-io-imagenet-fourier.json',
      'perceiver-io-imagenet-conv.json',
      'perceiver-io-imagenet-learned.json',
      'perceiver-io-mlm.json',
      'perceiver-io-optical-flow.json',
      'perceiver-io-multimodal-autoencoder.json',
      ...SMALL,
    ]) {
      expect(files).toContain(f);
    }
  });

  for (const f of files) {
    it(`${f}: valid, described, and its count is what it claims`, () => {
      const doc = load(f);
      expect(doc.description.length).toBeGreaterThan(40);
      expect(doc.source.length).toBeGreaterThan(10);
      expect(doc.reproduces.length).toBeGreaterThan(10);
      const a = analyse(doc);
      expect(a.problems.filter((p) => p.severity === 'error')).toEqual([]);
      if (EXACT[f] !== undefined) expect(a.totals.params).toBe(EXACT[f]);
      // A count quoted in "reproduces" must be the analysed one.
      const quoted = doc.reproduces.match(/(\d{1,3}(?:,\d{3})+) parameters/);
      if (quoted) expect(a.totals.params.toLocaleString('en-US')).toBe(quoted[1]);
    });
  }

  it('per-block counts of the reference models (docs/ARCHITECTURE.md §B)', () => {
    const p = (f: string, id: string) => analyse(load(f)).nodes.get(id)!.cost.params;
    expect(p('perceiver-io-imagenet-fourier.json', 'encoder')).toBe(2_776_395);
    expect(p('perceiver-io-imagenet-fourier.json', 'stack')).toBe(37_810_176);
    expect(
      p('perceiver-io-imagenet-fourier.json', 'query') +
        p('perceiver-io-imagenet-fourier.json', 'decoder') +
        p('perceiver-io-imagenet-fourier.json', 'head'),
    ).toBe(7_329_768);
    expect(p('perceiver-imagenet.json', 'perceiver')).toBe(2 * 2_776_395 + 37_810_176);
    expect(p('perceiver-io-mlm.json', 'encoder')).toBe(6_434_816);
    expect(p('perceiver-io-mlm.json', 'stack')).toBe(26 * 7_219_712);
    expect(p('perceiver-io-mlm.json', 'decoder')).toBe(3_286_016);
    expect(p('perceiver-io-mlm.json', 'text')).toBe(1_774_080);
    expect(p('perceiver-io-imagenet-conv.json', 'conv')).toBe(49 * 3 * 64 + 4 * 64);
  });

  it('reference shapes: 56×56 conv tokens, 322/512/243/401-channel inputs, 52,097 multimodal tokens', () => {
    const out = (f: string, id: string) => analyse(load(f)).nodes.get(id)!.outputShapes;
    expect(out('perceiver-io-imagenet-conv.json', 'fourier').out).toEqual([3136, 322]);
    expect(out('perceiver-io-imagenet-learned.json', 'positions').out).toEqual([50176, 512]);
    expect(out('perceiver-io-optical-flow.json', 'fourier').out).toEqual([182528, 322]);
    expect(out('perceiver-io-optical-flow.json', 'flow').out).toEqual([368, 496, 2]);
    const mm = 'perceiver-io-multimodal-autoencoder.json';
    expect(out(mm, 'videoFourier').out).toEqual([50176, 243]);
    expect(out(mm, 'audioFourier').out).toEqual([1920, 401]);
    expect(out(mm, 'inputs').out).toEqual([52097, 704]);
    expect(out(mm, 'queries').out).toEqual([804737, 1026]);
    expect(out(mm, 'imageOut').out).toEqual([802816, 3]);
    expect(out(mm, 'audioOut').out).toEqual([30720]);
    expect(out(mm, 'labelOut').out).toEqual([700]);
  });

  it('the perceiver-imagenet FLOPs agree with the published 707 GFLOPs within 1%', () => {
    expect(Math.abs(analyse(load('perceiver-imagenet.json')).totals.flops / 707.2e9 - 1)).toBeLessThan(0.01);
  });

  for (const f of SMALL) {
    it(`${f} compiles with countParams equal to the analyser`, () => {
      const before = tf.memory().numTensors;
      const { model, analysis } = compile(load(f));
      expect(model.countParams()).toBe(analysis.totals.params);
      const xs = analysis.inputSpecs.map((s) =>
        s.dtype === 'int32'
          ? tf.randomUniform([2, ...s.shape], 0, 262, 'int32', 1)
          : tf.randomUniform([2, ...s.shape], 0, 1, 'float32', 1),
      );
      const y = model.predict(xs.length === 1 ? xs[0]! : xs) as tf.Tensor;
      expect(y.shape).toEqual([2, ...analysis.nodes.get(analysis.heads[0]!.nodeId)!.outputShapes.out!]);
      expect([...y.dataSync()].every(Number.isFinite)).toBe(true);
      tf.dispose([...xs, y]);
      model.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});

/** A copy with some nodes' params merged with smaller values. */
describe('miniatures of the large templates (same wiring, small sizes)', () => {
  for (const [f, patch] of Object.entries(MINIATURES)) {
    it(`${f}: compiles, countParams equals the analyser, predicts finite values`, () => {
      const before = tf.memory().numTensors;
      const { model, analysis } = compile(shrink(load(f), patch));
      expect(model.countParams()).toBe(analysis.totals.params);
      const xs = analysis.inputSpecs.map((s) =>
        s.dtype === 'int32'
          ? tf.randomUniform([2, ...s.shape], 0, 262, 'int32', 2)
          : tf.randomUniform([2, ...s.shape], -1, 1, 'float32', 2),
      );
      const ys = [model.predict(xs.length === 1 ? xs[0]! : xs)].flat() as tf.Tensor[];
      ys.forEach((y, k) => {
        expect(y.shape).toEqual([2, ...analysis.nodes.get(analysis.heads[k]!.nodeId)!.outputShapes.out!]);
        expect([...y.dataSync()].every(Number.isFinite)).toBe(true);
      });
      tf.dispose([...xs, ...ys]);
      model.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});
