import { describe, expect, it } from 'vitest';
import { haveFixtures, readJson } from '../node/hfFixtures.js';
import { hfConfigToGraph } from './convert.js';
import { hfGraphOptionsForInputs, hfInputsToModel, modelOutputsToHf, type HfArray } from './io.js';

const arr = (shape: number[], f: (i: number) => number = () => 0): HfArray => ({
  shape,
  data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => f(i)),
});

describe.skipIf(!haveFixtures)('HF inputs → model inputs', () => {
  it('MaskedLM: ids right-padded with PAD to max_position_embeddings, int32; mask checked against PAD', () => {
    const config = readJson('PerceiverForMaskedLM', 'config.json');
    const { doc } = hfConfigToGraph(config);
    const ids = { shape: [1, 4], data: Float32Array.from([4, 10, 0, 0]) };
    const m = hfInputsToModel(
      'PerceiverForMaskedLM',
      config,
      doc,
      new Map([
        ['inputs', ids],
        ['attention_mask', { shape: [1, 4], data: Float32Array.from([1, 1, 0, 0]) }],
      ]),
    );
    expect(m.get('text')!.shape).toEqual([1, 16]);
    expect(m.get('text')!.dtype).toBe('int32');
    expect(Array.from(m.get('text')!.data.subarray(0, 5))).toEqual([4, 10, 0, 0, 0]);
    expect(() =>
      hfInputsToModel(
        'PerceiverForMaskedLM',
        config,
        doc,
        new Map([
          ['inputs', ids],
          ['attention_mask', arr([1, 4], () => 1)],
        ]),
      ),
    ).toThrow(/attention_mask\[0, 2\] = 1 but the token there is PAD/);
    // A real token HF masks out is PAD to the graph (the same result: it is only a key/value).
    const masked = hfInputsToModel(
      'PerceiverForMaskedLM',
      config,
      doc,
      new Map([
        ['inputs', ids],
        ['attention_mask', { shape: [1, 4], data: Float32Array.from([1, 0, 0, 0]) }],
      ]),
    );
    expect(Array.from(masked.get('text')!.data.subarray(0, 3))).toEqual([4, 0, 0]);
    expect(() =>
      hfInputsToModel('PerceiverForMaskedLM', config, doc, new Map([['inputs', arr([1, 17], () => 7)]])),
    ).toThrow(/17 tokens.*at most max_position_embeddings = 16/);
    expect(() =>
      hfInputsToModel('PerceiverForMaskedLM', config, doc, new Map([['inputs', arr([1, 3], () => 300)]])),
    ).toThrow(/is not a token id \(0 … 261\)/);
    expect(() => hfInputsToModel('PerceiverForMaskedLM', config, doc, new Map())).toThrow(
      /missing input "inputs" or "input_ids"/,
    );
  });
  it('image classifiers: NCHW → NHWC, size checked; pixel_values accepted', () => {
    const config = readJson('PerceiverForImageClassificationLearned', 'config.json');
    const { doc } = hfConfigToGraph(config);
    const x = arr([1, 3, 8, 8], (i) => i);
    const m = hfInputsToModel('PerceiverForImageClassificationLearned', config, doc, new Map([['pixel_values', x]]));
    const y = m.get('image')!;
    expect(y.shape).toEqual([1, 8, 8, 3]);
    // [0, c, h, w] → [0, h, w, c]
    expect(y.data[(2 * 8 + 5) * 3 + 1]).toBe(1 * 64 + 2 * 8 + 5);
    expect(() =>
      hfInputsToModel('PerceiverForImageClassificationLearned', config, doc, new Map([['inputs', arr([1, 3, 9, 8])]])),
    ).toThrow(/shape \[1, 3, 9, 8\]; expected \[\?, 3, 8, 8\]/);
  });
  it('Fourier classifier: the graph follows the input size', () => {
    const config = readJson('PerceiverForImageClassificationFourier', 'config.json');
    const opts = hfGraphOptionsForInputs(config, new Map([['inputs', arr([2, 3, 12, 20])]]));
    expect(opts).toEqual({ imageSize: [12, 20] });
    const { doc } = hfConfigToGraph(config, opts);
    expect(
      hfInputsToModel(
        'PerceiverForImageClassificationFourier',
        config,
        doc,
        new Map([['inputs', arr([2, 3, 12, 20])]]),
      ).get('image')!.shape,
    ).toEqual([2, 12, 20, 3]);
  });
  it('flow: [B, 2, 27, H, W] → [B, 2, H, W, 27]', () => {
    const config = readJson('PerceiverForOpticalFlow', 'config.json');
    const { doc } = hfConfigToGraph(config);
    const x = arr([1, 2, 27, 8, 12], (i) => i);
    const y = hfInputsToModel('PerceiverForOpticalFlow', config, doc, new Map([['inputs', x]])).get('frames')!;
    expect(y.shape).toEqual([1, 2, 8, 12, 27]);
    expect(y.data[((1 * 8 + 3) * 12 + 4) * 27 + 5]).toBe(((1 * 27 + 5) * 8 + 3) * 12 + 4);
  });
  it('multimodal: point ranges and lists become graph options; points outside the grid are refused by name', () => {
    const config = readJson('PerceiverForMultimodalAutoencoding', 'config.json');
    const pts = (xs: number[]) => ({ shape: [xs.length], data: Float32Array.from(xs) });
    expect(hfGraphOptionsForInputs(config, new Map([['subsampled_output_points_image', pts([4, 5, 6])]]))).toEqual({
      subsample: { image: { start: 4, count: 3 } },
    });
    expect(hfGraphOptionsForInputs(config, new Map([['subsampled_output_points_image', pts([4, 6, 1])]]))).toEqual({
      subsample: { image: { indices: [4, 6, 1] } },
    });
    expect(() => hfGraphOptionsForInputs(config, new Map([['subsampled_output_points_audio', pts([3, 4])]]))).toThrow(
      /\[1\] = 4 is not one of the 4 output points/,
    );
    const { doc } = hfConfigToGraph(config);
    const m = hfInputsToModel(
      'PerceiverForMultimodalAutoencoding',
      config,
      doc,
      new Map([
        ['image', arr([1, 2, 3, 8, 8])],
        ['audio', arr([1, 16, 1])],
        ['label', arr([1, 10])],
      ]),
    );
    expect([...m.keys()].sort()).toEqual(['audio', 'label', 'video']);
    expect(m.get('audio')!.shape).toEqual([1, 16]);
    expect(m.get('video')!.shape).toEqual([1, 2, 8, 8, 3]);
    expect(() =>
      hfInputsToModel('PerceiverForMultimodalAutoencoding', config, doc, new Map([['image', arr([1, 2, 3, 8, 8])]])),
    ).toThrow(/missing input "audio"/);
  });
  it('outputs are named as HF returns them', () => {
    const o = arr([1, 2]);
    expect([...modelOutputsToHf('PerceiverForOpticalFlow', new Map([['flow', o]])).keys()]).toEqual(['logits']);
    expect([
      ...modelOutputsToHf(
        'PerceiverForMultimodalAutoencoding',
        new Map([
          ['audioOut', o],
          ['imageOut', o],
          ['labelOut', o],
        ]),
      ).keys(),
    ]).toEqual(['audio', 'image', 'label']);
    expect(() => modelOutputsToHf('PerceiverForMaskedLM', new Map())).toThrow(/no output "head"/);
  });
});
