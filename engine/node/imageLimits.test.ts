/**
 * Issue 16: a PNG or JPEG is refused by the size in its header before a decoder allocates
 * anything, and a truncated file says so in words (not pngjs's "read requests waitng on
 * finished stream", nor a Node buffer size).
 */
import { deflateSync } from 'node:zlib';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { crc32 } from '../export/archive.js';
import { checkImageSize, imageSize, MAX_IMAGE_PIXELS } from '../data/imageHeader.js';
import { decodeImageBytes } from './imageFolder.js';

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/** A PNG header claiming width×height RGBA with `idatBytes` of deflated zero rows behind it. */
function claimingPng(width: number, height: number, idatBytes = 1024 * 1024): Uint8Array {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 6; // RGBA
  // Deflated zero rows, as a real bomb carries (1 MB of them would inflate to about 1 GB).
  const piece = deflateSync(Buffer.alloc(1024 * 1000)).subarray(0, 1024);
  const idat = Buffer.concat(Array.from({ length: Math.ceil(idatBytes / 1024) }, () => piece)).subarray(0, idatBytes);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', idat),
    chunk('IEND', new Uint8Array()),
  ]);
}

function realPng(w: number, h: number): Buffer {
  const png = new PNG({ width: w, height: h });
  for (let i = 0; i < png.data.length; i++) png.data[i] = (i * 13) % 256;
  return PNG.sync.write(png);
}

/** A JPEG whose frame header (SOF0) claims width×height. */
function claimingJpeg(width: number, height: number): Uint8Array {
  const real = Buffer.from(jpeg.encode({ width: 8, height: 8, data: Buffer.alloc(8 * 8 * 4, 128) }, 80).data);
  for (let i = 2; i < real.length - 9; i++) {
    if (real[i] === 0xff && real[i + 1] === 0xc0) {
      real.writeUInt16BE(height, i + 5);
      real.writeUInt16BE(width, i + 7);
      return real;
    }
  }
  throw new Error('no SOF0 in the encoded JPEG');
}

describe('image pixel caps before decoding', () => {
  it('refuses a 1 MB PNG claiming 16000×16000 before pngjs runs, quickly and without the 3 GB', () => {
    const bomb = claimingPng(16000, 16000);
    expect(bomb.length).toBeLessThan(1.1 * 1024 * 1024);
    const before = process.memoryUsage().arrayBuffers;
    const t = performance.now();
    expect(() => decodeImageBytes(bomb)).toThrow(
      /the PNG says it is 16,000×16,000 pixels \(256 megapixels\), over the 50-megapixel limit per image/,
    );
    // Generous for a loaded machine: decoding 16000×16000 would take many seconds (and 1 GB+).
    expect(performance.now() - t).toBeLessThan(1500);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024);
  });

  it('says megapixels, not a Node buffer size, for a PNG claiming 100000² pixels', () => {
    expect(() => decodeImageBytes(claimingPng(100000, 100000, 1000))).toThrow(
      /100,000×100,000 pixels \(10000 megapixels\)/,
    );
    try {
      decodeImageBytes(claimingPng(100000, 100000, 1000));
    } catch (e) {
      expect((e as Error).message).not.toMatch(/buffer|ERR_|Array/i);
    }
  });

  it('refuses a JPEG claiming 20000×20000 by its frame header, and a 0-pixel image', () => {
    expect(imageSize(claimingJpeg(20000, 20000))).toMatchObject({ format: 'jpeg', width: 20000, height: 20000 });
    expect(() => decodeImageBytes(claimingJpeg(20000, 20000))).toThrow(
      /the JPEG says it is 20,000×20,000 pixels \(400 megapixels\)/,
    );
    expect(() => checkImageSize(claimingPng(0, 10, 10))).toThrow(/0×10 pixels; an image needs at least one pixel/);
  });

  it('still decodes honest images, and a lower cap applies to them too', () => {
    const png = realPng(40, 30);
    const img = decodeImageBytes(png);
    expect([img.width, img.height, img.data.length]).toEqual([40, 30, 40 * 30 * 4]);
    expect(() => decodeImageBytes(png, 1000)).toThrow(/40×30 pixels/);
    const j = decodeImageBytes(jpeg.encode({ width: 16, height: 12, data: Buffer.alloc(16 * 12 * 4, 90) }, 90).data);
    expect([j.width, j.height]).toEqual([16, 12]);
    expect(MAX_IMAGE_PIXELS).toBe(50_000_000);
  });

  it('a truncated PNG or JPEG says it is truncated', () => {
    const png = realPng(64, 64);
    for (const cut of [0.3, 0.6, 0.95]) {
      const t = png.subarray(0, Math.floor(png.length * cut));
      expect(() => decodeImageBytes(t), `cut at ${cut}`).toThrow(/the PNG file is (truncated|damaged)/);
      try {
        decodeImageBytes(t);
      } catch (e) {
        expect((e as Error).message).not.toMatch(/waitng/);
      }
    }
    expect(() => decodeImageBytes(png.subarray(0, 20))).toThrow(
      /the PNG file is truncated \(it ends inside its header\)/,
    );
    const jpg = Buffer.from(jpeg.encode({ width: 32, height: 32, data: Buffer.alloc(32 * 32 * 4, 50) }, 90).data);
    expect(() => decodeImageBytes(jpg.subarray(0, 10))).toThrow(/JPEG file is truncated or damaged/);
  });
});
