/**
 * predict on ordinary PNGs for imported HF image classifiers whose image_size is not the image
 * processor's 224 (the 8/16/32-pixel fixtures): the processor's 224/256 centre crop, then a resize
 * to the model's own input — for a tiny 8×8 image too (the crop once came out 0 pixels wide).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { parseNpz } from '../data/npy.js';
import { npy } from '../export/archive.js';
import { perceiverCenterCrop, perceiverImageProcessor, pilBicubicResize } from '../hf/imageProcessor.js';
import { importHfCommand } from './importHf.js';
import { predictCommand } from './predict.js';

const fixtures = join(__dirname, '..', '..', '..', 'shared', 'hf-fixtures');
const tmp = mkdtempSync(join(tmpdir(), 'hf-img-predict-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function capture() {
  const lines: string[] = [];
  const errs: string[] = [];
  return { out: { log: (s: string) => lines.push(s), err: (s: string) => errs.push(s) }, lines, errs };
}

/** A deterministic RGB test picture (gradients and a square), as uint8 [H, W, 3] and as a PNG file. */
function picture(name: string, h: number, w: number): { file: string; hwc: Uint8Array } {
  const hwc = new Uint8Array(h * w * 3);
  const png = new PNG({ width: w, height: h });
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const inSquare = y > h / 4 && y < (3 * h) / 4 && x > w / 3 && x < (2 * w) / 3;
      const rgb = [
        Math.round((255 * x) / Math.max(1, w - 1)),
        Math.round((255 * y) / Math.max(1, h - 1)),
        inSquare ? 230 : 20,
      ];
      for (let c = 0; c < 3; c++) hwc[(y * w + x) * 3 + c] = png.data[(y * w + x) * 4 + c] = rgb[c]!;
      png.data[(y * w + x) * 4 + 3] = 255;
    }
  }
  const file = join(tmp, name);
  writeFileSync(file, PNG.sync.write(png));
  return { file, hwc };
}

describe('PerceiverImageProcessor for a model input other than 224', () => {
  it('crops by the processor (224/256 of the short side) and resizes to the model input', () => {
    const { hwc } = picture('p.png', 40, 48);
    const img = { shape: [40, 48, 3], data: hwc };
    const crop = perceiverCenterCrop(img);
    expect(crop.shape).toEqual([35, 35, 3]);
    const got = perceiverImageProcessor(img, { outputSize: 8 });
    expect(got.shape).toEqual([1, 3, 8, 8]);
    const resized = pilBicubicResize(crop, 8, 8);
    // Channel 0 of pixel (0, 0): the resized crop through ×1/255 and the ImageNet mean/std.
    expect(got.data[0]).toBeCloseTo((resized.data[0]! / 255 - 0.485) / 0.229, 5);
    // Non-square model inputs: [H, W].
    expect(perceiverImageProcessor(img, { outputSize: [6, 10] }).shape).toEqual([1, 3, 6, 10]);
    // The default is still the released processor: 224×224.
    expect(perceiverImageProcessor(img).shape).toEqual([1, 3, 224, 224]);
  });

  it('an 8×8 image crops to 7×7; a 1-pixel image is refused with a clear message', () => {
    const { hwc } = picture('tiny.png', 8, 8);
    expect(perceiverCenterCrop({ shape: [8, 8, 3], data: hwc }).shape).toEqual([7, 7, 3]);
    expect(perceiverImageProcessor({ shape: [8, 8, 3], data: hwc }, { outputSize: 8 }).shape).toEqual([1, 3, 8, 8]);
    expect(() => perceiverImageProcessor({ shape: [1, 5, 3], data: new Uint8Array(15) }, { outputSize: 8 })).toThrow(
      /too small for the image processor's centre crop.*at least 2 px/,
    );
    expect(() => perceiverImageProcessor({ shape: [8, 8, 3], data: hwc }, { outputSize: 0 })).toThrow(/output size/);
  });
});

describe('predict on a PNG for the imported Learned, Fourier and Conv image fixtures', () => {
  for (const kind of ['Learned', 'Fourier', 'ConvProcessing']) {
    it(`PerceiverForImageClassification${kind}: the PNG gives the logits of the processor's pixel values`, async () => {
      const dir = join(tmp, kind);
      const imp = capture();
      expect(
        await importHfCommand([join(fixtures, `PerceiverForImageClassification${kind}`), '--out', dir], imp.out),
        imp.errs.join('\n'),
      ).toBe(0);
      const graph = JSON.parse(readFileSync(join(dir, 'graph.json'), 'utf8')) as {
        nodes: { id: string; params: Record<string, unknown> }[];
      };
      const image = graph.nodes.find((n) => n.id === 'image')!;
      const [h, w] = [image.params.height as number, image.params.width as number];
      for (const [name, ph, pw] of [
        ['tiny', 8, 8],
        ['photo', 28, 36],
      ] as const) {
        const pic = picture(`${kind}-${name}.png`, ph, pw);
        const got = capture();
        const outA = join(tmp, `${kind}-${name}-a.npz`);
        expect(await predictCommand([dir, pic.file, '--out', outA, '--top-k', '1'], got.out), got.errs.join('\n')).toBe(
          0,
        );
        expect(got.lines.join('\n')).toMatch(new RegExp(`${kind}-${name}\\.png: LABEL_\\d+ \\d+\\.\\d%`));
        // The same input by hand, passed as NCHW pixel values.
        const pv = perceiverImageProcessor({ shape: [ph, pw, 3], data: pic.hwc }, { outputSize: [h, w] });
        expect(pv.shape).toEqual([1, 3, h, w]);
        const npyFile = join(tmp, `${kind}-${name}.npy`);
        writeFileSync(npyFile, npy({ shape: pv.shape, data: pv.data }));
        const outB = join(tmp, `${kind}-${name}-b.npz`);
        expect(await predictCommand([dir, '--input', `inputs=${npyFile}`, '--out', outB], capture().out)).toBe(0);
        const [a, b] = await Promise.all(
          [outA, outB].map(async (f) => (await parseNpz(new Uint8Array(readFileSync(f)))).get('logits')!),
        );
        expect(a!.shape[0]).toBe(1);
        expect(a!.data.length).toBe(a!.shape[1]);
        expect(Array.from(a!.data).every(Number.isFinite)).toBe(true);
        expect(Array.from(a!.data)).toEqual(Array.from(b!.data));
      }
    }, 60_000);
  }
});
