/**
 * The few web-platform globals the loaders use, reached through globalThis so engine/data
 * compiles with lib ES2022 (no DOM) and runs the same in Node, a Web Worker and the browser.
 */

interface TextDecoderLike {
  decode(input: Uint8Array): string;
}

export function decodeUtf8(bytes: Uint8Array, file?: string): string {
  const Ctor = (globalThis as { TextDecoder?: new (label: string, opts?: { fatal?: boolean }) => TextDecoderLike }).TextDecoder;
  if (!Ctor) throw new Error('This JavaScript environment has no TextDecoder; cannot read text data');
  let text: string;
  try {
    text = new Ctor('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new Error(`${file ? file + ': ' : ''}the file is not valid UTF-8 text; save it as UTF-8`);
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Inflates a raw DEFLATE stream (zip method 8). */
export type InflateRaw = (compressed: Uint8Array) => Promise<Uint8Array>;

interface StreamLike {
  readable: { getReader(): { read(): Promise<{ done: boolean; value?: Uint8Array }> } };
  writable: { getWriter(): { write(chunk: Uint8Array): Promise<void>; close(): Promise<void> } };
}

/** DecompressionStream('deflate-raw') where the platform has it (browsers, workers, Node ≥ 18). */
export function platformInflateRaw(): InflateRaw | undefined {
  const Ctor = (globalThis as { DecompressionStream?: new (format: string) => StreamLike }).DecompressionStream;
  if (!Ctor) return undefined;
  return async (compressed) => {
    const ds = new Ctor('deflate-raw');
    const writer = ds.writable.getWriter();
    const done = writer.write(compressed).then(() => writer.close());
    const reader = ds.readable.getReader();
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const { done: end, value } = await reader.read();
      if (end) break;
      chunks.push(value!);
      total += value!.length;
    }
    await done;
    const out = new Uint8Array(total);
    let off = 0;
    for (const c of chunks) {
      out.set(c, off);
      off += c.length;
    }
    return out;
  };
}
