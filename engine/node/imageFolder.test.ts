import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageFolderDataset, type ImageAccess } from '../data/images.js';
import { decodeImageBytes, listImageFolder, nodeImageAccess } from './imageFolder.js';

function png(w: number, h: number, value: number): Buffer {
  const p = new PNG({ width: w, height: h });
  for (let i = 0; i < w * h; i++) p.data.set([value, value, value, 255], i * 4);
  return PNG.sync.write(p);
}

let root: string;
const PER_CLASS = 100;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'ps-images-'));
  // Three classes of 100 small PNGs each; brightness encodes the class.
  ['bright', 'dark', 'mid'].forEach((cls, k) => {
    mkdirSync(join(root, cls));
    const v = [230, 20, 128][k]!;
    for (let i = 0; i < PER_CLASS; i++)
      writeFileSync(join(root, cls, `${String(i).padStart(3, '0')}.png`), png(12, 10, v));
  });
  writeFileSync(join(root, 'mid', 'notes.txt'), 'not an image');
  writeFileSync(join(root, 'README.md'), 'loose file');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Counts reads so tests can see decoding is lazy. */
function counting(): ImageAccess & { reads: number } {
  const a = {
    reads: 0,
    readFile: async (p: string) => (a.reads++, nodeImageAccess.readFile(p)),
    decode: nodeImageAccess.decode,
  };
  return a;
}

describe('image folders', () => {
  it('lists classes, counts skipped files, and decodes nothing up front', async () => {
    const access = counting();
    const d = await imageFolderDataset(listImageFolder(root), access, { height: 8, width: 8, channels: 1, seed: 2 });
    expect(d.classNames).toEqual(['bright', 'dark', 'mid']);
    // The class balance is the training split's (issue 17: it once counted all 300 under "training split").
    expect(d.classCounts.reduce((a, b) => a + b, 0)).toBe(d.train.size);
    expect(d.train.size + d.validation.size + d.test.size).toBe(300);
    expect(d.skipped.count).toBe(2);
    expect(d.skipped.reasons.join('\n')).toMatch(/README\.md: not inside a class folder/);
    expect(d.skipped.reasons.join('\n')).toMatch(/notes\.txt: not a PNG or JPEG file/);
    expect(access.reads).toBe(0);
    expect(d.inputShape).toEqual([8, 8, 1]);
    const perClass = [0, 0, 0];
    for (let i = 0; i < d.train.size; i++) perClass[(await d.train.example(i)).y]!++;
    expect(d.classCounts).toEqual(perClass);
  });

  it('streams batches: decodes per batch, at most one batch ahead, each image once per epoch', async () => {
    const access = counting();
    const d = await imageFolderDataset(listImageFolder(root), access, { height: 8, width: 8, channels: 1, seed: 2 });
    const B = 16;
    const it = d.train.batches(B, { shuffle: true, seed: 1, epoch: 0 })[Symbol.asyncIterator]();
    const first = await it.next();
    expect(first.value!.n).toBe(B);
    // The first batch and the prefetched second, nothing more.
    expect(access.reads).toBeLessThanOrEqual(2 * B);
    let n = first.value!.n;
    const bright = first.value!.x;
    for (let r = 0; r < B; r++) {
      const expected = [230, 20, 128][first.value!.y[r]!]! / 255;
      expect(bright[r * 64]!).toBeCloseTo(expected, 2);
    }
    for (let b = await it.next(); !b.done; b = await it.next()) n += b.value.n;
    expect(n).toBe(d.train.size);
    expect(access.reads).toBe(d.train.size);
    expect(d.stream.maxAhead).toBeLessThanOrEqual(2 * B);
  });

  it('takes the shape from the first image when the input asks for it, and resizes', async () => {
    const d = await imageFolderDataset(listImageFolder(root), nodeImageAccess, { seed: 2 });
    expect(d.inputShape).toEqual([10, 12, 1]);
    const e = await d.test.example(0);
    expect(e.x.length).toBe(120);
  });

  it('standardises with statistics sampled from the train split', async () => {
    const access = counting();
    const d = await imageFolderDataset(listImageFolder(root), access, {
      height: 4,
      width: 4,
      channels: 1,
      normalize: 'standardize',
      statsSample: 40,
      seed: 2,
    });
    expect(access.reads).toBe(40);
    expect(d.normalization.offset[0]).toBeGreaterThan(0.3);
    expect(d.normalization.offset[0]).toBeLessThan(0.6);
    let sum = 0;
    let count = 0;
    for await (const b of d.train.batches(64)) {
      for (const v of b.x) sum += v;
      count += b.x.length;
    }
    expect(Math.abs(sum / count)).toBeLessThan(0.3);
  });

  it('names an unreadable image and an empty class', async () => {
    const bad = mkdtempSync(join(tmpdir(), 'ps-bad-'));
    try {
      mkdirSync(join(bad, 'a'));
      mkdirSync(join(bad, 'b'));
      writeFileSync(join(bad, 'a', 'ok.png'), png(4, 4, 1));
      writeFileSync(join(bad, 'b', 'broken.png'), Buffer.from('this is not a png'));
      const d = await imageFolderDataset(listImageFolder(bad), nodeImageAccess, {
        height: 4,
        width: 4,
        channels: 1,
        validationFraction: 0,
        testFraction: 0,
      });
      const consume = async () => {
        for await (const _ of d.train.batches(2)) void _;
      };
      await expect(consume()).rejects.toThrow(
        `${join(bad, 'b', 'broken.png')}: cannot decode the image: it is neither PNG nor JPEG`,
      );
      mkdirSync(join(bad, 'empty'));
      await expect(imageFolderDataset(listImageFolder(bad), nodeImageAccess, {})).rejects.toThrow(
        'the class folder "empty" has no PNG or JPEG images',
      );
      expect(() => listImageFolder(join(bad, 'missing'))).toThrow(/missing: cannot list the folder \(ENOENT\)/);
    } finally {
      rmSync(bad, { recursive: true, force: true });
    }
  });

  it('decodes JPEG by content', () => {
    const data = Buffer.alloc(6 * 4 * 4, 200);
    const enc = jpeg.encode({ width: 6, height: 4, data }, 95);
    const img = decodeImageBytes(new Uint8Array(enc.data));
    expect([img.width, img.height, img.channels]).toEqual([6, 4, 4]);
    expect(Math.abs(img.data[0]! - 200)).toBeLessThan(4);
  });
});
