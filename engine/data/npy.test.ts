import { readFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseNpy, parseNpz } from './npy.js';
import { parseDataFile } from './load.js';

const fx = (name: string) => new Uint8Array(readFileSync(join(__dirname, 'fixtures', name)));

/** Build a v1 .npy in memory (what np.save writes). */
function npy(descr: string, shape: number[], body: Uint8Array, fortran = false): Uint8Array {
  let header = `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  while ((10 + header.length + 1) % 64) header += ' ';
  header += '\n';
  const out = new Uint8Array(10 + header.length + body.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(body, 10 + header.length);
  return out;
}

describe('parseNpy', () => {
  it('reads numpy-written files: big-endian float64, format v2 uint8, float16', () => {
    const be = parseNpy(fx('table_be_f8.npy'));
    expect(be.dtype).toBe('>f8');
    expect(be.shape).toEqual([6, 4]);
    expect([...be.data.slice(0, 4)]).toEqual([0, 0.25, 0.5, 0]);
    const v2 = parseNpy(fx('v2_u1.npy'));
    expect(v2.shape).toEqual([4, 3]);
    expect([...v2.data]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(v2.integral).toBe(true);
    const h = parseNpy(fx('images_f2.npy'));
    expect([...h.data]).toEqual([0.5, -2, 65504, 1 / 1024]);
  });
  it('reads int8, int32, int64 and uint64 written by hand', () => {
    expect([...parseNpy(npy('|i1', [3], new Uint8Array([255, 1, 128]))).data]).toEqual([-1, 1, -128]);
    const i4 = new Uint8Array(new Int32Array([-5, 7]).buffer);
    expect([...parseNpy(npy('<i4', [2], i4)).data]).toEqual([-5, 7]);
    const i8 = new Uint8Array(new BigInt64Array([-3n, 1n << 40n]).buffer);
    expect([...parseNpy(npy('<i8', [2], i8)).data]).toEqual([-3, 2 ** 40]);
    const u8 = new Uint8Array(new BigUint64Array([9n]).buffer);
    expect([...parseNpy(npy('<u8', [1], u8)).data]).toEqual([9]);
  });
  it('refuses object arrays, Fortran order, truncation and bad magic with the reason', () => {
    expect(() => parseNpy(npy('|O', [1], new Uint8Array(8)), 'o.npy')).toThrow(
      'o.npy: dtype "|O" is not supported: object arrays (pickled Python objects) cannot be read safely',
    );
    expect(() => parseNpy(npy('<f4', [2, 2], new Uint8Array(16), true))).toThrow(/Fortran/);
    expect(() => parseNpy(npy('<f4', [3, 2], new Uint8Array(16)), 't.npy')).toThrow(
      /t\.npy: the \.npy file is truncated: shape \(3, 2\) of <f4 needs 24 bytes of data but 16/,
    );
    expect(() => parseNpy(new Uint8Array(20))).toThrow(/magic/);
  });
});

describe('parseNpz', () => {
  it('reads stored and deflated archives (DecompressionStream and node:zlib)', async () => {
    for (const name of ['stored.npz', 'deflated.npz']) {
      const viaPlatform = await parseNpz(fx(name), { file: name });
      const viaZlib = await parseNpz(fx(name), {
        file: name,
        inflateRaw: async (b) => new Uint8Array(inflateRawSync(b)),
      });
      for (const m of [viaPlatform, viaZlib]) {
        expect([...m.keys()].sort()).toEqual(['x', 'y']);
        expect(m.get('x')!.shape).toEqual([6, 3]);
        expect(m.get('x')!.data[17]).toBe(17 / 4);
        expect([...m.get('y')!.data]).toEqual([0, 1, 2, 0, 1, 2]);
      }
    }
  });
  it('refuses a truncated archive', async () => {
    await expect(parseNpz(fx('deflated.npz').slice(0, 200), { file: 'cut.npz' })).rejects.toThrow(
      /^cut\.npz: not a zip/,
    );
  });
});

describe('parseDataFile', () => {
  it('turns an .npz into examples and a .npy table into features + class column', async () => {
    const z = await parseDataFile('d.npz', fx('deflated.npz'));
    expect(z.featureShape).toEqual([3]);
    expect(z.classNames).toEqual(['0', '1', '2']);
    const t = await parseDataFile('t.npy', fx('table_be_f8.npy'));
    expect(t.featureShape).toEqual([3]);
    expect([...t.labels]).toEqual([0, 1, 2, 0, 1, 2]);
  });
  it('names a missing label array and the arrays present', async () => {
    await expect(parseDataFile('d.npz', fx('stored.npz'), { target: 'labels' })).rejects.toThrow(
      'd.npz: there is no array "labels"; the archive holds "x" (6×3), "y" (6); name the labels with --target'.replace(
        '; name',
        '. Name',
      ),
    );
  });
  it('refuses NaN features naming the element', async () => {
    const body = new Uint8Array(new Float32Array([1, 0, NaN, 1]).buffer);
    await expect(parseDataFile('n.npy', npy('<f4', [2, 2], body))).rejects.toThrow(
      'n.npy: element [1, 0] is NaN; features must be finite',
    );
    const label = new Uint8Array(new Float32Array([1, 0, 2, Infinity]).buffer);
    await expect(parseDataFile('n.npy', npy('<f4', [2, 2], label))).rejects.toThrow(
      'n.npy: element [1, 1] is Infinity; labels must be finite classes',
    );
  });
  it('refuses unknown extensions', async () => {
    await expect(parseDataFile('d.xlsx', new Uint8Array(1))).rejects.toThrow(/unknown data format/);
  });
});
