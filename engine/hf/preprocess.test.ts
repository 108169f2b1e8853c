import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { PixelNeighbourhood } from '../layers/ioLayers.js';
import { haveFixtures, readBytes, readJson, readNpy } from '../node/hfFixtures.js';
import { parseNpy } from '../data/npy.js';
import { flowPatches, perceiverCenterCrop, perceiverImageProcessor, pilBicubicResize } from './imageProcessor.js';
import { decodePerceiver, encodePerceiver } from './tokenizer.js';

describe.skipIf(!haveFixtures)('PerceiverTokenizer', () => {
  const cases = (haveFixtures ? readJson('PerceiverForMaskedLM', 'tokenizer_cases.json') : { cases: [] }) as {
    cases: { text: string; input_ids: number[]; attention_mask: number[] }[];
  };
  for (const c of cases.cases) {
    it(`"${c.text}" → HF's ids`, () => {
      const e = encodePerceiver(c.text);
      expect(e.inputIds).toEqual(c.input_ids);
      expect(e.attentionMask).toEqual(c.attention_mask);
      expect(decodePerceiver(e.inputIds)).toBe(c.text);
    });
  }
  it('the MLM fixture input row 0 is the tokenizer output padded to max_length', () => {
    const ids = readNpy('PerceiverForMaskedLM', 'inputs_input_ids.npy');
    const mask = readNpy('PerceiverForMaskedLM', 'inputs_attention_mask.npy');
    const e = encodePerceiver('Hello wörld!', { maxLength: 16, padToMaxLength: true });
    expect(Array.from(ids.data.subarray(0, 16))).toEqual(e.inputIds);
    expect(Array.from(mask.data.subarray(0, 16))).toEqual(e.attentionMask);
  });
  it('truncation keeps [CLS] … [SEP]; MASK decodes as the given text', () => {
    expect(encodePerceiver('abcdef', { maxLength: 4 }).inputIds).toEqual([4, 97 + 6, 98 + 6, 5]);
    expect(decodePerceiver([4, 78, 3, 3, 5], { maskText: '_' })).toBe('H__');
  });
});

describe.skipIf(!haveFixtures)('PerceiverImageProcessor', () => {
  const img = () => {
    const a = parseNpy(readBytes('PerceiverImageProcessor', 'input_image_hwc_uint8.npy'));
    return { shape: a.shape, data: Uint8Array.from(a.data) };
  };
  it('centre crop equals HF', () => {
    const want = readNpy('PerceiverImageProcessor', 'expected_after_center_crop_hwc_uint8.npy');
    const got = perceiverCenterCrop(img());
    expect(got.shape).toEqual(want.shape);
    expect(Array.from(got.data)).toEqual(Array.from(want.data));
  });
  it('pixel_values equal HF (PIL bicubic bit-exact in uint8, float32 normalisation)', () => {
    const want = readNpy('PerceiverImageProcessor', 'expected_pixel_values.npy');
    const got = perceiverImageProcessor(img());
    expect(got.shape).toEqual(want.shape);
    let maxDiff = 0;
    for (let i = 0; i < want.data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(want.data[i]! - got.data[i]!));
    expect(maxDiff).toBeLessThanOrEqual(1e-6);
  });
  it('resize to the same size is the identity; a constant image stays constant', () => {
    const flat = { shape: [5, 7, 3], data: new Uint8Array(105).fill(200) };
    expect(Array.from(pilBicubicResize(flat, 5, 7).data)).toEqual(Array.from(flat.data));
    expect(new Set(pilBicubicResize(flat, 11, 13).data)).toEqual(new Set([200]));
  });
});

describe('flow patch extraction', () => {
  it('[2, H, W, 3] → [1, 2, 27, H, W] in the order of the studio PixelNeighbourhood (row, column, channel)', () => {
    const h = 4;
    const w = 5;
    const data = Float32Array.from({ length: 2 * h * w * 3 }, (_, i) => Math.sin(i) * 10);
    const got = flowPatches({ shape: [2, h, w, 3], data });
    expect(got.shape).toEqual([1, 2, 27, h, w]);
    const layer = new PixelNeighbourhood({ kernelSize: 3 });
    const ref = tf.tidy(() => layer.apply(tf.tensor(data, [2, h, w, 3])) as tf.Tensor).arraySync() as number[][][][];
    for (let t = 0; t < 2; t++)
      for (let ch = 0; ch < 27; ch++)
        for (let y = 0; y < h; y++)
          for (let x = 0; x < w; x++)
            expect(got.data[((t * 27 + ch) * h + y) * w + x]).toBeCloseTo(ref[t]![y]![x]![ch]!, 6);
    // The centre tap (1, 1) is the pixel itself.
    expect(got.data[((0 * 27 + 12) * h + 2) * w + 3]).toBeCloseTo(data[(2 * w + 3) * 3 + 0]!, 6);
  });
});
