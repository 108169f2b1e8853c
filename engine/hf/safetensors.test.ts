import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FIXTURE_CLASSES, haveFixtures, readBytes, readKeyList } from '../node/hfFixtures.js';
import {
  decodeTensor,
  parseSafetensorsHeader,
  readSafetensors,
  SafetensorsError,
  writeSafetensors,
  type HfTensor,
} from './safetensors.js';

/** Build a file from a header object and a data section (for hand-made bad files). */
function file(header: unknown, data: Uint8Array | number, lengthOverride?: bigint): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const body = typeof data === 'number' ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + json.length + body.length);
  new DataView(out.buffer).setBigUint64(0, lengthOverride ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(body, 8 + json.length);
  return out;
}
const f32 = (shape: number[], begin: number) => ({
  dtype: 'F32',
  shape,
  data_offsets: [begin, begin + 4 * shape.reduce((a, b) => a * b, 1)],
});

describe.skipIf(!haveFixtures)('safetensors: the fixtures', () => {
  for (const cls of FIXTURE_CLASSES) {
    it(`${cls}/model.safetensors reads with the key list's shapes and dtypes, and rewrites byte-identically`, () => {
      const bytes = readBytes(cls, 'model.safetensors');
      const t = readSafetensors(bytes, `${cls}/model.safetensors`);
      const keys = readKeyList(cls, 'state_dict_keys.txt');
      expect([...t.keys()].sort()).toEqual(keys.map((k) => k.key).sort());
      for (const k of keys) {
        const x = t.get(k.key)!;
        expect(x.shape).toEqual(k.shape);
        expect(x.dtype).toBe(k.dtype === 'int64' ? 'I64' : 'F32');
      }
      const { metadata } = parseSafetensorsHeader(bytes, bytes.length);
      expect(metadata).toEqual({ format: 'pt' });
      // The fixtures store tensors in sorted key order, contiguous, header space-padded: so do we.
      const sorted = new Map([...t.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
      expect(Buffer.from(writeSafetensors(sorted, metadata)).equals(Buffer.from(bytes))).toBe(true);
    });
  }
  it('decodeTensor takes the whole file or just the entry bytes (streaming)', () => {
    const bytes = readBytes('PerceiverForMaskedLM', 'model.safetensors');
    const { entries } = parseSafetensorsHeader(bytes.subarray(0, 100_000), bytes.length);
    const e = entries.find((x) => x.key === 'embedding_decoder.bias')!;
    const a = decodeTensor(e, bytes);
    const b = decodeTensor(e, bytes.slice(e.begin, e.end));
    expect(Array.from(a.data as Float32Array)).toEqual(Array.from(b.data as Float32Array));
  });
});

describe('safetensors: refused files name the file, the key and the fault', () => {
  const ok = { a: f32([2, 3], 0), b: f32([4], 24) };
  it('a valid hand-made file reads', () => {
    const t = readSafetensors(file(ok, 40));
    expect(t.get('a')!.shape).toEqual([2, 3]);
  });
  it('too short for the length', () =>
    expect(() => readSafetensors(new Uint8Array(5), 'x.safetensors')).toThrow(/x\.safetensors is too short/));
  it('header over 100 MB', () =>
    expect(() => readSafetensors(file(ok, 40, 200_000_000n), 'big.safetensors')).toThrow(/over the 100 MB limit/));
  it('header longer than the file', () =>
    expect(() => readSafetensors(file(ok, 40, 100_000n), 'h.safetensors')).toThrow(/truncated/));
  it('truncated data', () =>
    expect(() => readSafetensors(file(ok, 39), 't.safetensors')).toThrow(/t\.safetensors: tensor "b".*past the end/));
  it('overlapping tensors', () =>
    expect(() => readSafetensors(file({ a: f32([2, 3], 0), b: f32([4], 20) }, 40))).toThrow(/"a" and "b" overlap/));
  it('begin after end', () =>
    expect(() => readSafetensors(file({ a: { dtype: 'F32', shape: [0], data_offsets: [8, 4] } }, 8))).toThrow(
      /"a".*begin after end/,
    ));
  it('length not matching dtype × shape', () =>
    expect(() => readSafetensors(file({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, 8))).toThrow(
      /"a" has 8 bytes but dtype F32 × shape \[3\] needs 12/,
    ));
  it('unknown dtype', () =>
    expect(() => readSafetensors(file({ a: { dtype: 'F64', shape: [1], data_offsets: [0, 8] } }, 8))).toThrow(
      /"a" has dtype "F64"/,
    ));
  it('bad shape', () =>
    expect(() => readSafetensors(file({ a: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, 4))).toThrow(
      /"a" has shape \[-1\]/,
    ));
  it('bad offsets', () =>
    expect(() => readSafetensors(file({ a: { dtype: 'F32', shape: [1], data_offsets: [0.5, 4] } }, 4))).toThrow(
      /data_offsets/,
    ));
  it('not JSON / not an object', () => {
    const bad = file({}, 0);
    bad[8] = 0x5b; // '['
    expect(() => readSafetensors(bad)).toThrow(/not valid JSON|JSON object/);
    expect(() => readSafetensors(file([1, 2], 0))).toThrow(/JSON object/);
  });
  it('metadata must be strings', () =>
    expect(() => readSafetensors(file({ __metadata__: { a: 1 } }, 0))).toThrow(/__metadata__\.a/));
  it('F16, BF16 and I64 decode', () => {
    const data = new Uint8Array(2 + 2 + 8);
    const dv = new DataView(data.buffer);
    dv.setUint16(0, 0x3c00, true); // f16 1.0
    dv.setUint16(2, 0xc040, true); // bf16 -3.0
    dv.setBigInt64(4, -7n, true);
    const t = readSafetensors(
      file(
        {
          h: { dtype: 'F16', shape: [1], data_offsets: [0, 2] },
          b: { dtype: 'BF16', shape: [], data_offsets: [2, 4] },
          i: { dtype: 'I64', shape: [], data_offsets: [4, 12] },
        },
        data,
      ),
    );
    expect(t.get('h')!.data[0]).toBe(1);
    expect(t.get('b')!.data[0]).toBe(-3);
    expect(t.get('i')!.data[0]).toBe(-7n);
  });
});

describe('safetensors: properties', () => {
  const tensor = fc
    .record({
      dtype: fc.constantFrom('F32', 'F16', 'BF16', 'I64'),
      shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }),
    })
    .map(({ dtype, shape }): HfTensor => {
      const n = shape.reduce((a, b) => a * b, 1);
      // Values exactly representable in every dtype (small integers / halves).
      const vals = Array.from({ length: n }, (_, i) => ((i * 7) % 13) - 6 + (i % 2 ? 0.5 : 0));
      return dtype === 'I64'
        ? { dtype, shape, data: BigInt64Array.from(vals.map((v) => BigInt(Math.trunc(v)))) }
        : { dtype: dtype as 'F32', shape, data: Float32Array.from(vals) };
    });
  it('a tensor named "__proto__" is written and read like any other (found by the property below)', () => {
    const m = new Map<string, HfTensor>([['__proto__', { dtype: 'F32', shape: [], data: Float32Array.from([-6]) }]]);
    const back = readSafetensors(writeSafetensors(m, { format: 'pt' }));
    expect([...back.keys()]).toEqual(['__proto__']);
    expect(back.get('__proto__')!.data[0]).toBe(-6);
  });
  it('write → read is the identity', () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.string({ minLength: 1, maxLength: 12 }).filter((k) => k !== '__metadata__'),
          tensor,
          { maxKeys: 6 },
        ),
        (dict) => {
          const m = new Map(Object.entries(dict));
          const back = readSafetensors(writeSafetensors(m, { format: 'pt' }));
          expect([...back.keys()]).toEqual([...m.keys()]);
          for (const [k, t] of m) {
            expect(back.get(k)!.shape).toEqual(t.shape);
            expect(back.get(k)!.dtype).toBe(t.dtype);
            expect(Array.from(back.get(k)!.data as ArrayLike<number | bigint>)).toEqual(
              Array.from(t.data as ArrayLike<number | bigint>),
            );
          }
        },
      ),
      { numRuns: 60 },
    );
  });
  it('a mutated or truncated file either reads within bounds or throws SafetensorsError, never anything else', () => {
    const base = writeSafetensors(
      new Map<string, HfTensor>([
        ['w', { dtype: 'F32', shape: [3, 2], data: Float32Array.from([1, 2, 3, 4, 5, 6]) }],
        ['n', { dtype: 'I64', shape: [], data: BigInt64Array.from([3n]) }],
      ]),
      { format: 'pt' },
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
        fc.nat(base.length),
        (edits, cut) => {
          const b = base.slice(0, Math.max(cut, 0) || base.length);
          for (const [i, v] of edits) if (i < b.length) b[i] = v;
          try {
            const t = readSafetensors(b, 'm.safetensors');
            for (const x of t.values()) expect(x.data.length).toBe(x.shape.reduce((p, q) => p * q, 1));
          } catch (e) {
            expect(e).toBeInstanceOf(SafetensorsError);
            expect((e as Error).message).toContain('m.safetensors');
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
