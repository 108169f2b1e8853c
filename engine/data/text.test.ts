import { describe, expect, it } from 'vitest';
import { BYTE_OFFSET, MASK_ID, maskWindow, PAD_ID, textBytes, textDataset, textWindow } from './text.js';

const enc = (s: string) => new TextEncoder().encode(s);

async function firstBatch(
  split: {
    batches(
      n: number,
      o?: { epoch?: number; shuffle?: boolean },
    ): AsyncIterable<{ x: Float32Array; y: Int32Array | Float32Array; mask?: Float32Array; n: number }>;
  },
  epoch: number,
) {
  for await (const b of split.batches(64, { epoch })) return b;
  throw new Error('empty split');
}

describe('text bytes', () => {
  it('uses the Text bytes ids: byte b ↦ b + 6, PAD 0 past the end', () => {
    const t = textBytes(enc('AB\u00e9'), { seqLen: 6 });
    // é is two UTF-8 bytes (0xC3 0xA9).
    expect(Array.from(textWindow(t, 0))).toEqual([
      65 + BYTE_OFFSET,
      66 + BYTE_OFFSET,
      0xc3 + BYTE_OFFSET,
      0xa9 + BYTE_OFFSET,
      PAD_ID,
      PAD_ID,
    ]);
  });

  it('masks only real bytes, at least one per window, and keeps the true ids as targets', () => {
    const tokens = Int32Array.from([10, 11, 12, PAD_ID, PAD_ID]);
    for (let seed = 0; seed < 50; seed++) {
      const m = maskWindow(tokens, 0.01, seed);
      expect(m.weights.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1);
      expect(Array.from(m.targets)).toEqual(Array.from(tokens));
      m.weights.forEach((w, k) => {
        expect(m.inputs[k]).toBe(w ? MASK_ID : tokens[k]);
        if (tokens[k] === PAD_ID) expect(w).toBe(0);
      });
    }
  });

  it('a dataset: windows split with the seed, fresh masks per training epoch, fixed masks for evaluation', async () => {
    const d = textDataset(enc('0123456789abcdef'.repeat(20)), {
      file: 'digits.txt',
      seqLen: 16,
      validationFraction: 0.25,
      testFraction: 0.25,
      seed: 4,
    });
    expect([d.train.size, d.validation.size, d.test.size]).toEqual([10, 5, 5]);
    expect(d.inputShape).toEqual([16]);
    expect(d.targets).toEqual([{ kind: 'tokens', shape: [16], classes: 262, masked: true }]);
    const a = await firstBatch(d.train, 0);
    const b = await firstBatch(d.train, 1);
    expect(Array.from(a.mask!)).not.toEqual(Array.from(b.mask!));
    const v0 = await firstBatch(d.validation, 0);
    const v1 = await firstBatch(d.validation, 3);
    expect(Array.from(v1.mask!)).toEqual(Array.from(v0.mask!));
    // Masked inputs show MASK where the mask is 1; targets are the bytes.
    for (let k = 0; k < a.x.length; k++) expect(a.x[k]).toBe(a.mask![k] ? MASK_ID : a.y[k]);
    expect(d.validation.maskedText(0)).toMatch(/^[0-9a-f_]{16}$/);
  });

  it('refuses an empty file and a text too short for the splits, naming the file', () => {
    expect(() => textDataset(new Uint8Array(0), { file: 'e.txt', seqLen: 8 })).toThrow('e.txt: the text file is empty');
    expect(() =>
      textDataset(enc('abc'), { file: 's.txt', seqLen: 8, testFraction: 0.5, validationFraction: 0.5 }),
    ).toThrow('s.txt: 3 bytes make 1 window of 8, which leave nothing to train on');
  });
});
