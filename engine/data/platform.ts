/**
 * The few web-platform globals the loaders use, reached through globalThis so engine/data
 * compiles with lib ES2022 (no DOM) and runs the same in Node, a Web Worker and the browser.
 */
import { DataError } from './errors.js';

interface TextDecoderLike {
  decode(input: Uint8Array): string;
}

/** Byte offset of the first byte that is not well-formed UTF-8, or -1 when all of it is. */
export function firstInvalidUtf8(b: Uint8Array): number {
  for (let i = 0; i < b.length;) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    let n: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) n = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      if (c === 0xe0) lo = 0xa0;
      if (c === 0xed) hi = 0x9f; // no UTF-16 surrogates
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      if (c === 0xf0) lo = 0x90;
      if (c === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k <= n; k++) {
      const d = b[i + k];
      if (d === undefined) return i;
      if (k === 1 ? d < lo || d > hi : d < 0x80 || d > 0xbf) return i;
    }
    i += n + 1;
  }
  return -1;
}

/**
 * Strict UTF-8 (a leading BOM dropped). Text that is not UTF-8 is a DataError naming the file,
 * the line and column of the first bad byte, and what to do; UTF-16 is recognised by its NULs.
 */
export function decodeUtf8(bytes: Uint8Array, file?: string): string {
  const Ctor = (globalThis as { TextDecoder?: new (label: string, opts?: { fatal?: boolean }) => TextDecoderLike })
    .TextDecoder;
  if (!Ctor) throw new Error('This JavaScript environment has no TextDecoder; cannot read text data');
  let text: string;
  try {
    text = new Ctor('utf-8', { fatal: true }).decode(bytes);
  } catch {
    if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
      throw new DataError(
        'the file is UTF-16 text, not UTF-8; save it as UTF-8 (in most editors: Save As… → Encoding: UTF-8)',
        { file },
      );
    }
    const at = Math.max(0, firstInvalidUtf8(bytes));
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < at; i++) {
      if (bytes[i] === 0x0a) {
        line++;
        lineStart = i + 1;
      }
    }
    const hex = Array.from(bytes.subarray(at, at + 4), (x) => x.toString(16).padStart(2, '0')).join(' ');
    throw new DataError(
      `byte ${at - lineStart + 1} of the line (0x${hex}) is not UTF-8 text; save the file as UTF-8 (it may be Latin-1 or Windows-1252)`,
      { file, line },
    );
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * Inflates a raw DEFLATE stream (zip method 8). With `maxOutput`, stops as soon as the output
 * would pass that many bytes and throws an InflateLimitError: a zip member may lie about its size,
 * and 1 MB of DEFLATE can expand to 1 GB.
 */
export type InflateRaw = (compressed: Uint8Array, maxOutput?: number) => Promise<Uint8Array>;

export class InflateLimitError extends Error {
  constructor(readonly limit: number) {
    super(`the data inflates to more than ${limit} bytes`);
    this.name = 'InflateLimitError';
  }
}

interface StreamLike {
  readable: {
    getReader(): { read(): Promise<{ done: boolean; value?: Uint8Array }>; cancel(reason?: unknown): Promise<void> };
  };
  writable: {
    getWriter(): {
      write(chunk: Uint8Array): Promise<void>;
      close(): Promise<void>;
      abort(reason?: unknown): Promise<void>;
    };
  };
}

/** DecompressionStream('deflate-raw') where the platform has it (browsers, workers, Node ≥ 18). */
export function platformInflateRaw(): InflateRaw | undefined {
  const Ctor = (globalThis as { DecompressionStream?: new (format: string) => StreamLike }).DecompressionStream;
  if (!Ctor) return undefined;
  return async (compressed, maxOutput = Infinity) => {
    const ds = new Ctor('deflate-raw');
    const writer = ds.writable.getWriter();
    const done = writer.write(compressed).then(() => writer.close());
    done.catch(() => {}); // a cancelled or failed stream rejects here too; the reader reports it
    const reader = ds.readable.getReader();
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const { done: end, value } = await reader.read();
      if (end) break;
      total += value!.length;
      if (total > maxOutput) {
        // Stop inflating at once: nothing past the limit is kept or even produced.
        await reader.cancel().catch(() => {});
        throw new InflateLimitError(maxOutput);
      }
      chunks.push(value!);
    }
    await done;
    if (chunks.length === 1) return chunks[0]!;
    const out = new Uint8Array(total);
    let off = 0;
    for (const c of chunks) {
      out.set(c, off);
      off += c.length;
    }
    return out;
  };
}
