import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DataError } from './errors.js';
import { fileFolderDataset } from './fileFolder.js';
import type { DecodedImage } from './resize.js';
import { frameIndices, framesFromNpy, videoCodec, type VideoAccess } from './video.js';
import { mulberry32 } from './random.js';

function npyU8(shape: number[], data: Uint8Array): Uint8Array {
  const header = `{'descr': '|u1', 'fortran_order': False, 'shape': (${shape.join(', ')}), }`.padEnd(117, ' ') + '\n';
  const b = new Uint8Array(10 + header.length + data.length);
  b.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 255, header.length >> 8]);
  for (let i = 0; i < header.length; i++) b[10 + i] = header.charCodeAt(i);
  b.set(data, 10 + header.length);
  return b;
}

/** A fake frame store: "decoding" a file gives a grey frame whose value is the frame number. */
function access(frames: Record<string, { w: number; h: number }[]>): VideoAccess {
  return {
    readFile: async (p) => new TextEncoder().encode(p),
    decode: (bytes): DecodedImage => {
      const path = new TextDecoder().decode(bytes);
      const [clip, name] = [path.slice(0, path.lastIndexOf('/') + 1), path.slice(path.lastIndexOf('/') + 1)];
      const i = Number(name.replace(/\D/g, ''));
      const { w, h } = frames[clip]![i - 1]!;
      return { width: w, height: h, channels: 1, data: new Uint8Array(w * h).fill(i * 10) };
    },
    listFrames: async (clip) => frames[clip]!.map((_, i) => `${clip}${i + 1}.png`).reverse(),
  };
}

describe('video clips', () => {
  it('picks evenly spaced frames, a seeded offset within each stride when training, repeats when short', () => {
    expect(frameIndices(12, 4)).toEqual([1, 4, 7, 10]);
    expect(frameIndices(2, 4)).toEqual([0, 0, 1, 1]);
    const r = frameIndices(12, 4, mulberry32(2));
    r.forEach((v, i) => expect(v >= i * 3 && v < i * 3 + 3).toBe(true));
    expect(frameIndices(12, 4, mulberry32(2))).toEqual(r);
  });

  it('reads frame folders in numeric order and .npy clips, resized to the input', async () => {
    const acc = access({ 'r/a/c1/': Array.from({ length: 12 }, () => ({ w: 4, h: 4 })) });
    const codec = videoCodec({ frames: 3, height: 2, width: 2, channels: 1 }, acc);
    const x = await codec.load!('r/a/c1/', acc.readFile);
    // The centres of three strides of 4: frames 3, 7, 11 of 12 (1-based names); value = frame number · 10 / 255.
    expect([...x].filter((_, i) => i % 4 === 0).map((v) => Math.round(v * 255))).toEqual([30, 70, 110]);
    const clip = npyU8(
      [4, 2, 2, 1],
      Uint8Array.from({ length: 16 }, (_, i) => Math.floor(i / 4) * 50),
    );
    const y = await codec.load!('r/a/c2.npy', async () => clip);
    expect([...y].filter((_, i) => i % 4 === 0).map((v) => Math.round(v * 255))).toEqual([0, 100, 150]);
  });

  it('refuses a frame of another size, naming the clip and the frame; an empty clip; a wrong .npy shape', async () => {
    const acc = access({
      'r/a/bad/': [
        { w: 4, h: 4 },
        { w: 4, h: 4 },
        { w: 4, h: 3 },
        { w: 4, h: 4 },
      ],
      'r/a/empty/': [],
    });
    const codec = videoCodec({ frames: 4, height: 2, width: 2, channels: 1 }, acc);
    await expect(codec.load!('r/a/bad/', acc.readFile)).rejects.toThrow(
      "r/a/bad/: frame r/a/bad/3.png is 4×3 but the clip's first frame (r/a/bad/1.png) is 4×4; every frame of a clip must have one size — resize it or remove it",
    );
    await expect(codec.load!('r/a/empty/', acc.readFile)).rejects.toThrow(
      'r/a/empty/: the clip folder has no PNG or JPEG frames',
    );
    expect(() => framesFromNpy(npyU8([4, 4], new Uint8Array(16)), 'v.npy')).toThrow(
      'v.npy: a .npy video clip is [frames, height, width, channels ≤ 4], but this array is [4, 4]; save one clip per file',
    );
  });

  it('fuzz: mutated and truncated .npy clips decode or give a named DataError', () => {
    const base = npyU8(
      [3, 2, 2, 3],
      Uint8Array.from({ length: 36 }, (_, i) => i * 7),
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        fc.nat(base.length),
        (edits, cut) => {
          const b = base.slice(0, base.length - cut);
          for (const [i, v] of edits) if (i < b.length) b[i] = v;
          try {
            const frames = framesFromNpy(b, 'c.npy');
            expect(frames.length).toBeGreaterThan(0);
          } catch (err) {
            expect(err).toBeInstanceOf(DataError);
            expect((err as Error).message.startsWith('c.npy')).toBe(true);
          }
        },
      ),
      { numRuns: 300, seed: 5 },
    );
  });

  it('streams a class folder of clips through fileFolderDataset', async () => {
    const frames: Record<string, { w: number; h: number }[]> = {};
    const classes = ['a', 'b'].map((c) => ({ name: c, files: Array.from({ length: 5 }, (_, i) => `r/${c}/${i}/`) }));
    for (const c of classes) for (const f of c.files) frames[f] = Array.from({ length: 6 }, () => ({ w: 4, h: 4 }));
    const acc = access(frames);
    const ds = fileFolderDataset(
      { root: 'r', classes, looseFiles: [] },
      acc.readFile,
      videoCodec({ frames: 2, height: 4, width: 4, channels: 1 }, acc),
      { validationFraction: 0, testFraction: 0.2 },
    );
    expect(ds.inputShape).toEqual([2, 4, 4, 1]);
    let n = 0;
    for await (const b of ds.train.batches(4, { epoch: 0 })) n += b.n;
    expect(n).toBe(8);
  });
});
