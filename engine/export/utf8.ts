/** UTF-8 without TextEncoder/TextDecoder, which lib ES2022 (no DOM) does not declare. */
export function utf8(s: string): Uint8Array {
  const bytes: number[] = [];
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c < 0x80) bytes.push(c);
    else if (c < 0x800) bytes.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) bytes.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else bytes.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return Uint8Array.from(bytes);
}

const REPLACEMENT = 0xfffd;

/**
 * Decode UTF-8 as TextDecoder('utf-8') does (the WHATWG decoder, no BOM handling): every
 * invalid sequence — a stray continuation byte, an overlong form, a surrogate, a code point
 * past U+10FFFF, a truncated sequence — becomes one U+FFFD per maximal invalid subpart, and the
 * byte that broke a sequence is decoded afresh (never swallowed).
 */
export function fromUtf8(b: Uint8Array): string {
  const units: number[] = [];
  let out = '';
  const flush = () => {
    for (let k = 0; k < units.length; k += 4096) out += String.fromCharCode(...units.slice(k, k + 4096));
    units.length = 0;
  };
  const emit = (c: number) => {
    if (c < 0x10000) units.push(c);
    else units.push(0xd800 + ((c - 0x10000) >> 10), 0xdc00 + ((c - 0x10000) & 0x3ff));
    if (units.length >= 65536) flush();
  };
  let cp = 0;
  let needed = 0;
  let lower = 0x80;
  let upper = 0xbf;
  for (let i = 0; i < b.length;) {
    const x = b[i]!;
    if (needed === 0) {
      i++;
      if (x < 0x80) emit(x);
      else if (x >= 0xc2 && x <= 0xdf) {
        needed = 1;
        cp = x & 0x1f;
      } else if (x >= 0xe0 && x <= 0xef) {
        if (x === 0xe0) lower = 0xa0;
        if (x === 0xed) upper = 0x9f;
        needed = 2;
        cp = x & 0x0f;
      } else if (x >= 0xf0 && x <= 0xf4) {
        if (x === 0xf0) lower = 0x90;
        if (x === 0xf4) upper = 0x8f;
        needed = 3;
        cp = x & 0x07;
      } else emit(REPLACEMENT);
      continue;
    }
    if (x < lower || x > upper) {
      // The sequence is broken: one replacement for it, then this byte starts afresh.
      needed = 0;
      lower = 0x80;
      upper = 0xbf;
      emit(REPLACEMENT);
      continue;
    }
    i++;
    lower = 0x80;
    upper = 0xbf;
    cp = (cp << 6) | (x & 0x3f);
    if (--needed === 0) emit(cp);
  }
  if (needed > 0) emit(REPLACEMENT);
  flush();
  return out;
}
