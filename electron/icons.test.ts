/** The app icons in build/ (scripts/make-icons.mjs) are what electron-builder needs for each OS, and well-formed. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';

const root = join(__dirname, '..');
const build = join(root, 'build');
const png = (p: string) => PNG.sync.read(readFileSync(p));

describe('app icons', () => {
  it('Linux: a PNG per size, square, with transparent corners', () => {
    for (const n of [16, 24, 32, 48, 64, 128, 256, 512, 1024]) {
      const img = png(join(build, 'icons', `${n}x${n}.png`));
      expect([img.width, img.height]).toEqual([n, n]);
      expect(img.data[3]).toBe(0); // top-left corner: outside the rounded tile
      expect(img.data[((n >> 1) * n + (n >> 1)) * 4 + 3]).toBeGreaterThan(200); // the centre is drawn
    }
    expect(png(join(build, 'icon.png')).width).toBe(1024);
  });

  it('Windows: icon.ico holds PNG entries 16…256 whose sizes match their headers', () => {
    const b = readFileSync(join(build, 'icon.ico'));
    expect(b.readUInt16LE(2)).toBe(1);
    const count = b.readUInt16LE(4);
    const sizes: number[] = [];
    for (let i = 0; i < count; i++) {
      const e = 6 + 16 * i;
      const w = b.readUInt8(e) || 256;
      const len = b.readUInt32LE(e + 8);
      const off = b.readUInt32LE(e + 12);
      const img = PNG.sync.read(b.subarray(off, off + len));
      expect(img.width).toBe(w);
      sizes.push(w);
    }
    expect(sizes).toEqual(expect.arrayContaining([16, 32, 48, 256]));
  });

  it('macOS: icon.icns is a well-formed container up to 1024 px', () => {
    const b = readFileSync(join(build, 'icon.icns'));
    expect(b.toString('ascii', 0, 4)).toBe('icns');
    expect(b.readUInt32BE(4)).toBe(b.length);
    const types = new Map<string, number>();
    for (let at = 8; at < b.length;) {
      const type = b.toString('ascii', at, at + 4);
      const len = b.readUInt32BE(at + 4);
      expect(len).toBeGreaterThan(8);
      types.set(type, PNG.sync.read(b.subarray(at + 8, at + len)).width);
      at += len;
    }
    expect(types.get('ic10')).toBe(1024);
    expect(types.get('ic07')).toBe(128);
    expect(types.get('ic14')).toBe(512);
  });

  it('electron-builder finds them: buildResources is build/ and each platform names its icon', () => {
    const yml = readFileSync(join(root, 'electron-builder.yml'), 'utf8');
    expect(yml).toMatch(/buildResources: build/);
    for (const p of ['build/icons', 'build/icon.ico', 'build/icon.icns']) {
      expect(yml).toContain(`icon: ${p}`);
      expect(existsSync(join(root, p))).toBe(true);
    }
  });
});
