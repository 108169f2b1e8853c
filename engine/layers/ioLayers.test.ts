/**
 * Numeric tests of the input, query and head layers against plain-JS expectations, and of the
 * masks and weight sharing of the compiled kinds (cpu backend).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../compile/compile.js';
import { setFormulation } from './ops.js';
import { FourierQueryArray, MultimodalPad, PixelNeighbourhood, TabularTokens } from './ioLayers.js';
import { TiedEmbeddingLogits } from './headLayers.js';
import { SpaceToDepth } from './perceiverLayers.js';
import { sketchGraph } from '../train/testModel.js';

const graph = sketchGraph;

beforeAll(async () => {
  await tf.setBackend('cpu');
  setFormulation('stock');
});

const seq = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe('preprocessing layers', () => {
  it('PixelNeighbourhood: channel order (di, dj, c) with zero padding', () => {
    const [h, w, c] = [3, 4, 2];
    const x = tf.tensor(seq(h * w * c), [1, h, w, c]);
    const y = new PixelNeighbourhood({ kernelSize: 3 }).apply(x) as tf.Tensor;
    expect(y.shape).toEqual([1, h, w, 18]);
    const got = y.dataSync();
    const at = (i: number, j: number, k: number) => (i < 0 || j < 0 || i >= h || j >= w ? 0 : (i * w + j) * c + k + 1);
    const expected: number[] = [];
    for (let i = 0; i < h; i++)
      for (let j = 0; j < w; j++)
        for (let di = 0; di < 3; di++)
          for (let dj = 0; dj < 3; dj++) for (let k = 0; k < c; k++) expected.push(at(i + di - 1, j + dj - 1, k));
    expect([...got]).toEqual(expected);
    tf.dispose([x, y]);
  });

  it('SpaceToDepth on two frames with t = 2 squeezes time: [2,H,W,C] → [H/s, W/s, 2·s·s·C]', () => {
    const x = tf.tensor(seq(2 * 4 * 4 * 1), [1, 2, 4, 4, 1]);
    const layer = new SpaceToDepth({ spatial: 2, temporal: 2, linearChannels: 0, squeezeTime: true });
    const y = layer.apply(x) as tf.Tensor;
    expect(y.shape).toEqual([1, 2, 2, 8]);
    // First token: pixels (0,0),(0,1),(1,0),(1,1) of both frames, time innermost before channels.
    expect([...y.dataSync().slice(0, 8)]).toEqual([1, 17, 2, 18, 5, 21, 6, 22]);
    tf.dispose([x, y]);
  });

  it('TabularTokens: token_j = x_j·w_j + b_j (perColumn) and x_j·w + b + e_j (shared)', () => {
    for (const encoding of ['perColumn', 'sharedWithColumnEmbedding'] as const) {
      const layer = new TabularTokens({ numColumns: 3, channels: 2, encoding, initScale: 0.02, seed: 1 });
      const x = tf.tensor2d([[1, -2, 0.5]]);
      const y = layer.apply(x) as tf.Tensor;
      const ws = Object.fromEntries(layer.weights.map((w) => [w.name.split('/').pop()!, [...w.read().dataSync()]]));
      const expected: number[] = [];
      [1, -2, 0.5].forEach((v, j) => {
        for (let k = 0; k < 2; k++) {
          expected.push(
            encoding === 'perColumn'
              ? v * ws.column_scale![j * 2 + k]! + ws.column_offset![j * 2 + k]!
              : v * ws.value_scale![k]! + ws.value_bias![k]! + ws.column_embedding![j * 2 + k]!,
          );
        }
      });
      [...y.dataSync()].forEach((g, i) => expect(g).toBeCloseTo(expected[i]!, 5));
      tf.dispose([x, y]);
      layer.dispose();
    }
  });

  it('MultimodalPad: sorted-name order, trainable padding, mask token with p = 1', () => {
    // Inputs in port order: "image" [1 token, 1 ch], "audio" [2 tokens, 2 ch]; order = audio, image.
    const layer = new MultimodalPad({
      widths: [1, 2],
      order: [1, 0],
      common: 3,
      maskProbs: [null, 1],
      initScale: 0.02,
      seed: 3,
    });
    const img = tf.tensor3d([[[7]]]);
    const aud = tf.tensor3d([
      [
        [1, 2],
        [3, 4],
      ],
    ]);
    const y = layer.apply([img, aud]) as tf.Tensor;
    expect(y.shape).toEqual([1, 3, 3]);
    const w = Object.fromEntries(layer.weights.map((v) => [v.name.split('/').pop()!, [...v.read().dataSync()]]));
    const mask = w.mask_token_1!;
    const got = [...y.dataSync()];
    // audio (masked with p = 1): both tokens are the mask token; then image padded with padding_0.
    expect(got.slice(0, 6)).toEqual([...mask, ...mask].map((v) => Math.fround(v)));
    expect(got.slice(6)).toEqual([7, ...w.padding_0!].map((v) => Math.fround(v)));
    expect(Object.keys(w).sort()).toEqual(['mask_token_1', 'padding_0', 'padding_1']);
    tf.dispose([img, aud, y]);
  });

  it('FourierQueryArray: a chunk uses the subsampled positions −1 + 2i/n', () => {
    const layer = new FourierQueryArray({
      indexDims: [8],
      numBands: 1,
      maxResolution: [8],
      concatPos: true,
      sineOnly: true,
      start: 4,
      count: 2,
      projectPosDim: 0,
    });
    const ref = tf.zeros([1, 1]);
    const y = layer.apply(ref) as tf.Tensor;
    const pos = [4, 5].map((i) => -1 + (2 * i) / 8);
    const expected = pos.flatMap((x) => [x, Math.sin(Math.PI * x)]);
    [...y.dataSync()].forEach((g, i) => expect(g).toBeCloseTo(expected[i]!, 6));
    tf.dispose([ref, y]);
    layer.dispose();
  });

  it('TiedEmbeddingLogits: h·Embᵀ + b', () => {
    const layer = new TiedEmbeddingLogits({ vocabSize: 3 });
    const h = tf.tensor3d([[[1, 2]]]);
    const emb = tf.tensor3d([
      [
        [1, 0],
        [0, 1],
        [1, 1],
      ],
    ]);
    const y = layer.apply([h, emb]) as tf.Tensor;
    layer.weights[0]!.write(tf.tensor1d([0.5, 0, -1]));
    const y2 = layer.apply([h, emb]) as tf.Tensor;
    expect([...y.dataSync()]).toEqual([1, 2, 3]);
    expect([...y2.dataSync()]).toEqual([1.5, 2, 2]);
    tf.dispose([h, emb, y, y2]);
  });
});

describe('compiled kinds', () => {
  const mlm = (len: number) =>
    graph(
      [
        ['text', 'TextBytes', { maxLength: len, channels: 8, vocabSize: 262 }],
        ['latents', 'LatentArray', { numLatents: 3, channels: 8 }],
        ['encoder', 'CrossAttention', { heads: 2 }],
        ['query', 'TrainableQuery', { numQueries: len, channels: 8 }],
        ['decoder', 'DecoderCrossAttention', { heads: 2 }],
        ['head', 'TiedEmbeddingDecoder', {}],
      ],
      [
        'latents->encoder.q',
        'text->encoder.kv',
        'text.mask->encoder.mask',
        'query->decoder.q',
        'encoder->decoder.kv',
        'text.mask->decoder.queryMask',
        'decoder->head.in',
        'text.embedding->head.embedding',
      ],
    );

  it('text padding is masked: the PAD embedding cannot reach the real positions, and all-PAD is finite', () => {
    const { model } = compile(mlm(6));
    const a = tf.tensor2d([[10, 20, 30, 0, 0, 0]], undefined, 'int32');
    const pad = tf.tensor2d([[0, 0, 0, 0, 0, 0]], undefined, 'int32');
    const emb = model.weights.find((w) => w.name.includes('embedding'))!;
    const original = emb.read().clone();
    const realLogits = () => tf.tidy(() => [...(model.predict(a) as tf.Tensor).dataSync().slice(0, 3 * 262)]);
    const base = realLogits();
    // Not a constant shift: LayerNorm on the inputs would cancel that.
    const bump = (row: number) =>
      emb.write(
        tf.tidy(() =>
          tf.add(
            original,
            tf.mul(
              tf.oneHot(tf.tensor1d([row], 'int32'), 262).reshape([262, 1]),
              tf.tensor2d([[3, -2, 1, 0, 4, -1, 2, -3]]),
            ),
          ),
        ),
      );
    bump(0); // the PAD row: hidden from the encoder by the mask; decoded positions 3–5 are masked
    const afterPad = realLogits();
    bump(10); // a real byte's row: must change the outputs
    const afterReal = realLogits();
    emb.write(original);
    // Logit 0 (PAD's own logit) moves with its tied row; every other logit must stay put.
    const diff = (x: number[]) => Math.max(...x.map((v, i) => (i % 262 === 0 ? 0 : Math.abs(v - base[i]!))));
    expect(diff(afterPad)).toBeLessThan(1e-5);
    expect(diff(afterReal)).toBeGreaterThan(1e-3);
    const yp = model.predict(pad) as tf.Tensor;
    expect([...yp.dataSync()].every(Number.isFinite)).toBe(true);
    tf.dispose([a, pad, yp, original]);
    model.dispose();
  });

  it('the tied decoder shares the embedding: one variable, gradients from both uses', () => {
    const { model } = compile(mlm(4));
    const emb = model.weights.filter((w) => w.name.includes('embedding'));
    expect(emb).toHaveLength(1);
    const x = tf.tensor2d([[7, 8, 9, 0]], undefined, 'int32');
    const labels = tf.oneHot(tf.tensor1d([7, 8, 9, 0], 'int32'), 262).expandDims(0);
    const v = (emb[0] as unknown as { val: tf.Variable }).val;
    const g = tf.tidy(() =>
      tf
        .variableGrads(() => tf.losses.softmaxCrossEntropy(labels, model.apply(x) as tf.Tensor) as tf.Scalar, [v])
        .grads[v.name]!.clone(),
    );
    // Rows of bytes never in the input still get gradient through the tied logits.
    const row = (k: number) => Math.max(...[...g.dataSync().slice(k * 8, (k + 1) * 8)].map(Math.abs));
    expect(row(200)).toBeGreaterThan(0);
    expect(row(7)).toBeGreaterThan(0);
    tf.dispose([x, labels, g]);
    model.dispose();
  });

  it('RepeatedCrossAttend sharing schemes create the right number of distinct weight sets', () => {
    const doc = (crossSharing: string, selfSharing: string) =>
      graph(
        [
          ['image', 'ImageInput', { height: 4, width: 4, channels: 1 }],
          ['fourier', 'FourierPosition', { numBands: 1 }],
          ['latents', 'LatentArray', { numLatents: 2, channels: 8 }],
          ['p', 'RepeatedCrossAttend', { depth: 3, selfPerCross: 2, selfHeads: 2, crossSharing, selfSharing }],
          ['head', 'MeanPoolClassifier', { numClasses: 3 }],
        ],
        ['image->fourier.in', 'fourier->p.kv', 'latents->p.q', 'p->head.in'],
      );
    const layers = (cs: string, ss: string) => {
      const { model, analysis } = compile(doc(cs, ss));
      expect(model.countParams()).toBe(analysis.totals.params);
      const names = model.layers.map((l) => l.name).filter((n) => n.startsWith('p__'));
      model.dispose();
      return [names.filter((n) => n.includes('cross')).length, names.filter((n) => n.includes('self')).length];
    };
    expect(layers('firstUnique', 'allShared')).toEqual([2, 2]);
    expect(layers('allShared', 'allShared')).toEqual([1, 2]);
    expect(layers('none', 'firstUnique')).toEqual([3, 4]);
    expect(layers('none', 'none')).toEqual([3, 6]);
  });

  it('ConvDownsample uses SAME padding: 15×15 → 8×8 → 4×4, and trains its BatchNorm statistics', () => {
    const { model, analysis } = compile(
      graph(
        [
          ['image', 'ImageInput', { height: 15, width: 15, channels: 3 }],
          ['conv', 'ConvDownsample', { numChannels: 4 }],
          ['fourier', 'FourierPosition', { numBands: 1 }],
          ['latents', 'LatentArray', { numLatents: 2, channels: 8 }],
          ['enc', 'CrossAttention', { heads: 1 }],
          ['head', 'MeanPoolClassifier', { numClasses: 2 }],
        ],
        ['image->conv.in', 'conv->fourier.in', 'latents->enc.q', 'fourier->enc.kv', 'enc->head.in'],
      ),
    );
    expect(analysis.nodes.get('conv')!.outputShapes.out).toEqual([4, 4, 4]);
    expect(model.countParams()).toBe(analysis.totals.params);
    const mean = model.getLayer('conv__bn0').getWeights()[2]!;
    const before = [...mean.dataSync()];
    const x = tf.randomUniform([2, 15, 15, 3], 0, 1, 'float32', 4);
    tf.dispose(tf.tidy(() => model.apply(x, { training: true }) as tf.Tensor));
    expect([...model.getLayer('conv__bn0').getWeights()[2]!.dataSync()]).not.toEqual(before);
    x.dispose();
    model.dispose();
  });
});
