import { describe, expect, it } from 'vitest';
import { loadImage, type DecodedImage } from '../../engine/data/images';
import { imageToInput } from '../../engine/data/resize';
import { BYTE_OFFSET, MASK_ID, PAD_ID } from '../../engine/data/text';
import type { Normalization } from '../../engine/data/tabular';
import {
  codecFileToInput,
  fileCodecFor,
  filledText,
  imageFileToInput,
  npyToInput,
  pixelsToInput,
  rowToInput,
  softmax,
  textToTokens,
  tokenText,
  topK,
  TryInputError,
} from './tryInput';

/** A black 280×280 RGBA pad with a white rectangle [x0, x1) × [y0, y1). */
function pad(w: number, h: number, x0: number, x1: number, y0: number, y1: number): Uint8ClampedArray {
  const rgba = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const on = x >= x0 && x < x1 && y >= y0 && y < y1 ? 255 : 0;
      rgba.set([on, on, on, 255], (y * w + x) * 4);
    }
  return rgba;
}

describe('pad pixels → model input', () => {
  it('resizes a 280×280 drawing to 28×28 grey in 0…1 with the same values an image file gets in training', async () => {
    const rgba = pad(280, 280, 100, 180, 60, 220);
    const x = pixelsToInput(rgba, 280, 280, [28, 28, 1], null);
    expect(x.length).toBe(784);
    // Inside the stroke: white; far outside: black; the stroke's columns 10…17, rows 6…21.
    expect(x[14 * 28 + 14]).toBeCloseTo(1, 5);
    expect(x[2 * 28 + 2]).toBeCloseTo(0, 5);
    expect(x[14 * 28 + 9]).toBeLessThan(0.5);
    // The image-folder loader (read → decode → resize) on the same pixels gives identical values.
    const img: DecodedImage = { width: 280, height: 280, channels: 4, data: new Uint8Array(rgba.buffer) };
    const viaLoader = await loadImage({ readFile: async () => new Uint8Array(1), decode: () => img }, 'pad.png', {
      height: 28,
      width: 28,
      channels: 1,
    });
    expect(Array.from(x)).toEqual(Array.from(viaLoader));
    // The mass sits where it was drawn (centre of the rectangle: column 14, row 14).
    let m = 0,
      cx = 0,
      cy = 0;
    for (let i = 0; i < 784; i++) {
      m += x[i]!;
      cx += (i % 28) * x[i]!;
      cy += Math.floor(i / 28) * x[i]!;
    }
    expect(cx / m).toBeCloseTo(13.5, 0);
    expect(cy / m).toBeCloseTo(13.5, 0);
  });

  it('applies the training data normalisation per channel', () => {
    const rgba = pad(20, 20, 0, 10, 0, 20);
    const norm: Normalization = { kind: 'standardize', offset: [0.5, 0.25, 0], scale: [2, 4, 1] };
    const x = pixelsToInput(rgba, 20, 20, [10, 10, 3], norm);
    const plain = imageToInput({ width: 20, height: 20, channels: 4, data: new Uint8Array(rgba.buffer) }, 10, 10, 3);
    for (let i = 0; i < x.length; i++)
      expect(x[i]).toBeCloseTo((plain[i]! - norm.offset[i % 3]!) * norm.scale[i % 3]!, 6);
  });

  it('refuses a non-image input shape and a wrong pixel count', () => {
    expect(() => pixelsToInput(new Uint8ClampedArray(16), 2, 2, [8], null)).toThrow(
      /draws images, but this input takes shape \[8\]/,
    );
    expect(() => pixelsToInput(new Uint8ClampedArray(12), 2, 2, [2, 2, 1], null)).toThrow(TryInputError);
  });

  it('names an image file that cannot be decoded', async () => {
    const access = {
      readFile: async () => new Uint8Array([1, 2, 3]),
      decode: () => Promise.reject(new Error('not a valid PNG or JPEG')),
    };
    await expect(imageFileToInput('broken.png', access, [28, 28, 1], null)).rejects.toThrow(
      /broken\.png.*cannot decode the image: not a valid PNG or JPEG/,
    );
  });
});

describe('text → Text bytes ids', () => {
  it('encodes bytes + 6, pads with PAD, hides "_" and marked characters', () => {
    const t = textToTokens('ab_d', [0], 8);
    expect(Array.from(t.ids)).toEqual([
      MASK_ID,
      98 + BYTE_OFFSET,
      MASK_ID,
      100 + BYTE_OFFSET,
      PAD_ID,
      PAD_ID,
      PAD_ID,
      PAD_ID,
    ]);
    expect(t.masked).toEqual([0, 2]);
    expect(t.bytes).toBe(4);
  });
  it('hides every byte of a marked multi-byte character and refuses too long a text', () => {
    const t = textToTokens('é!', [0], 4);
    expect(t.masked).toEqual([0, 1]);
    expect(t.ids[2]).toBe(33 + BYTE_OFFSET);
    expect(() => textToTokens('12345', [], 4)).toThrow(/longer than the model's 4 bytes/);
  });
  it('lays text out as Hugging Face’s tokenizer does for an imported PerceiverForMaskedLM', () => {
    const t = textToTokens('a_', [], 6, { hf: true });
    // [CLS] a [MASK] [SEP] pad pad — the layout engine/hf/tokenizer encodePerceiver gives (with "_" as [MASK]).
    expect(Array.from(t.ids)).toEqual([4, 97 + BYTE_OFFSET, MASK_ID, 5, PAD_ID, PAD_ID]);
    expect(t.masked).toEqual([2]);
    expect(t.offset).toBe(1);
    expect(() => textToTokens('abcde', [], 6, { hf: true })).toThrow(
      /longer than the model's 4 bytes \(6 tokens less \[CLS\] and \[SEP\]\)/,
    );
  });
  it('fills masked positions with the best byte and shows special ids by name', () => {
    const t = textToTokens('c_t', [], 8);
    expect(filledText(t.ids, new Map([[1, 97 + BYTE_OFFSET]]), t.bytes)).toBe('cat');
    expect(tokenText(MASK_ID)).toBe('⟨mask⟩');
    expect(tokenText(97 + BYTE_OFFSET)).toBe('a');
    expect(tokenText(32 + BYTE_OFFSET)).toBe('space');
  });
});

describe('rows and arrays', () => {
  it('parses a row like CSV cells and normalises with the training statistics', () => {
    const norm: Normalization = { kind: 'standardize', offset: [1, 10], scale: [0.5, 0.1] };
    expect(Array.from(rowToInput(['3', ' 20 '], ['a', 'b'], [2], norm))).toEqual([1, 1]);
    expect(() => rowToInput(['3', 'x'], ['sepal', 'petal'], [2], null)).toThrow(
      /the field “petal” has "x", which is not a number/,
    );
    expect(() => rowToInput(['3'], ['a', 'b'], [2], null)).toThrow(/1 values but the model takes 2/);
  });
  it('reads a .npy of the input shape (a leading 1 allowed) and names a wrong shape', () => {
    const npy = (shape: number[], values: number[]) => {
      let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
      while ((10 + header.length + 1) % 64) header += ' ';
      header += '\n';
      const out = new Uint8Array(10 + header.length + values.length * 4);
      out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 255, header.length >> 8]);
      for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
      new Float32Array(out.buffer, 10 + header.length).set(values);
      return out;
    };
    expect(Array.from(npyToInput('a.npy', npy([1, 2, 2], [1, 2, 3, 4]), [2, 2], null))).toEqual([1, 2, 3, 4]);
    expect(() => npyToInput('b.npy', npy([3], [1, 2, 3]), [2, 2], null)).toThrow(
      /b\.npy: the array has shape \[3\] but this model's input takes \[2, 2\]/,
    );
    expect(() => npyToInput('c.npy', new Uint8Array([1, 2, 3]), [2], null)).toThrow(/c\.npy/);
  });
});

describe('softmax and top-k', () => {
  it('is a stable softmax over a row at an offset', () => {
    const p = softmax([0, 1000, 1001, 1000], 1, 3);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    expect(p[1]).toBeGreaterThan(p[0]!);
    expect(p[0]).toBeCloseTo(p[2]!, 6);
  });
  it('orders by probability, ties by index, and clamps k', () => {
    expect(topK([0.1, 0.5, 0.1, 0.3], 3)).toEqual([
      { index: 1, p: 0.5 },
      { index: 3, p: 0.3 },
      { index: 0, p: 0.1 },
    ]);
    expect(topK([0.2, 0.8], 10).map((t) => t.index)).toEqual([1, 0]);
    expect(topK([0.2], 0)).toEqual([]);
  });
});

describe('audio and point-cloud files through the dataset codecs', () => {
  /** A mono 16-bit PCM WAV. */
  function wav(samples: number[], rate: number): Uint8Array {
    const out = new Uint8Array(44 + samples.length * 2);
    const v = new DataView(out.buffer);
    const str = (o: number, t: string) => [...t].forEach((c, i) => (out[o + i] = c.charCodeAt(0)));
    str(0, 'RIFF');
    v.setUint32(4, 36 + samples.length * 2, true);
    str(8, 'WAVE');
    str(12, 'fmt ');
    v.setUint32(16, 16, true);
    v.setUint16(20, 1, true);
    v.setUint16(22, 1, true);
    v.setUint32(24, rate, true);
    v.setUint32(28, rate * 2, true);
    v.setUint16(32, 2, true);
    v.setUint16(34, 16, true);
    str(36, 'data');
    v.setUint32(40, samples.length * 2, true);
    samples.forEach((s, i) => v.setInt16(44 + i * 2, Math.round(s * 32767), true));
    return out;
  }

  it('reads a WAV for an Audio input as its codec does (padded to the input length) and names a wrong file', () => {
    const codec = fileCodecFor({ kind: 'AudioInput', params: { samples: 8, sampleRate: 8000, channels: 1 } })!;
    expect(codec.formats).toMatch(/WAV/);
    const x = codecFileToInput(codec, 'clip.wav', wav([0.5, -0.5, 0.25, 0], 8000), [8]);
    expect(Array.from(x).map((v) => Number(v.toFixed(3)))).toEqual([0.5, -0.5, 0.25, 0, 0, 0, 0, 0]);
    expect(() => codecFileToInput(codec, 'clip.mp3', new Uint8Array(4), [8])).toThrow(
      'clip.mp3: not a WAV or .npy file (the audio clip formats this input reads)',
    );
    expect(() => codecFileToInput(codec, 'bad.wav', new Uint8Array([1, 2, 3]), [8])).toThrow(/bad\.wav/);
  });

  it('reads an XYZ point cloud for a Point cloud input (centred, unit sphere) and has no codec for other inputs', () => {
    const codec = fileCodecFor({ kind: 'PointCloudInput', params: { points: 4, features: 0 } })!;
    const x = codecFileToInput(codec, 'cloud.xyz', new TextEncoder().encode('0 0 0\n2 0 0\n0 2 0\n0 0 2\n'), [4, 3]);
    expect(x.length).toBe(12);
    expect(Math.max(...Array.from(x).map(Math.abs))).toBeLessThanOrEqual(1 + 1e-6);
    expect(fileCodecFor({ kind: 'ImageInput', params: {} })).toBeNull();
    expect(fileCodecFor(undefined)).toBeNull();
  });
});
