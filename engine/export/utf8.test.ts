import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fromUtf8, utf8 } from './utf8';

const td = new TextDecoder('utf-8', { ignoreBOM: true });
const bytes = (...xs: number[]) => Uint8Array.from(xs);

describe('fromUtf8 decodes like TextDecoder', () => {
  it('keeps the valid byte after a broken sequence (0xD7 then "o")', () => {
    expect(fromUtf8(bytes(0xd7, 0x6f))).toBe('\ufffdo');
    expect(fromUtf8(bytes(0x66, 0xd7, 0x6f, 0x6f))).toBe('f\ufffdoo');
  });

  it('replaces stray continuations, overlongs, surrogates, out-of-range and truncated sequences', () => {
    const cases: [number[], string][] = [
      [[0x80], '\ufffd'],
      [[0xbf, 0x41], '\ufffdA'],
      [[0xc0, 0xaf], '\ufffd\ufffd'], // overlong '/'
      [[0xc1, 0xbf], '\ufffd\ufffd'],
      [[0xe0, 0x80, 0xaf], '\ufffd\ufffd\ufffd'], // overlong 3-byte
      [[0xed, 0xa0, 0x80], '\ufffd\ufffd\ufffd'], // UTF-16 surrogate D800
      [[0xf4, 0x90, 0x80, 0x80], '\ufffd\ufffd\ufffd\ufffd'], // past U+10FFFF
      [[0xf5, 0x41], '\ufffdA'],
      [[0xe2, 0x82], '\ufffd'], // truncated at the end
      [[0xe2, 0x82, 0x41], '\ufffdA'], // truncated in the middle: one U+FFFD for the maximal subpart
      [[0xf0, 0x9f, 0x98], '\ufffd'],
      [[0xff, 0xfe], '\ufffd\ufffd'],
    ];
    for (const [b, want] of cases) {
      expect(fromUtf8(Uint8Array.from(b)), b.map((x) => x.toString(16)).join(' ')).toBe(want);
      expect(td.decode(Uint8Array.from(b))).toBe(want);
    }
  });

  it('round-trips every kind of valid text, astral characters included', () => {
    const s = 'a é € 𝄞 😀 \u0000 \uffff \u{10ffff} «perceiver»';
    expect(fromUtf8(utf8(s))).toBe(s);
    expect(fromUtf8(new TextEncoder().encode(s))).toBe(s);
    fc.assert(fc.property(fc.string({ unit: 'grapheme' }), (t) => fromUtf8(utf8(t)) === t));
  });

  it('agrees with TextDecoder on arbitrary bytes', () => {
    // Bytes biased towards the lead/continuation ranges, where the edge cases are.
    const byte = fc.oneof(
      fc.integer({ min: 0, max: 255 }),
      fc.integer({ min: 0x80, max: 0xbf }),
      fc.constantFrom(0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0x6f),
    );
    fc.assert(
      fc.property(fc.array(byte, { maxLength: 40 }), (xs) => {
        const b = Uint8Array.from(xs);
        expect(fromUtf8(b)).toBe(td.decode(b));
      }),
      { numRuns: 3000 },
    );
  });

  it('decodes a long text in one piece (no argument-count limit)', () => {
    const s = 'ü'.repeat(200_000) + '𝄞'.repeat(50_000);
    expect(fromUtf8(utf8(s))).toBe(s);
  });
});
