/**
 * A writeExport request body read as it streams in: the JSON is scanned chunk by chunk, every
 * `"base64": "…"` string is decoded straight into bytes as it arrives, and only the rest (names,
 * paths: a few KB) is kept as text and parsed at the end. A 200 MB package then costs about its
 * decoded size in memory, not the raw body + its string + the parsed string + the decoded bytes.
 * Strict: a base64 value must be plain base64 (no escapes, whitespace or URL alphabet).
 */
import { ServiceError } from '../services/errors.js';

/** What the skeleton carries in place of each base64 value. */
export const BLOB_PREFIX = '\u0000blob:';

const B64 = new Int16Array(256).fill(-1);
'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
  .split('')
  .forEach((c, i) => (B64[c.charCodeAt(0)] = i));
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;

class Blob {
  private parts: Buffer[] = [];
  private cur: Buffer;
  private pos = 0;
  private quad = 0;
  private nq = 0;
  private pad = 0;
  size = 0;
  constructor() {
    this.cur = Buffer.allocUnsafe(4 << 10);
  }
  private put(b: number): void {
    if (this.pos === this.cur.length) {
      this.parts.push(this.cur);
      this.cur = Buffer.allocUnsafe(Math.min(64 << 20, this.cur.length * 2));
      this.pos = 0;
    }
    this.cur[this.pos++] = b;
    this.size++;
  }
  private putAll(b: Buffer): void {
    let off = 0;
    while (off < b.length) {
      if (this.pos === this.cur.length) {
        this.parts.push(this.cur);
        this.cur = Buffer.allocUnsafe(Math.min(64 << 20, Math.max(this.cur.length * 2, b.length - off)));
        this.pos = 0;
      }
      const n = Math.min(b.length - off, this.cur.length - this.pos);
      b.copy(this.cur, this.pos, off, off + n);
      this.pos += n;
      off += n;
    }
    this.size += b.length;
  }

  /** One base64 character; false when it is not one (or follows the padding). */
  private one(c: number): boolean {
    if (c === 0x3d) {
      // "=" only as padding at the end of a quad.
      if (this.nq < 2) return false;
      this.pad++;
      this.nq++;
    } else {
      const v = B64[c]!;
      if (v < 0 || this.pad > 0) return false;
      this.quad = (this.quad << 6) | v;
      this.nq++;
    }
    if (this.nq === 4) {
      const q = this.quad << (6 * this.pad);
      this.put((q >> 16) & 255);
      if (this.pad < 2) this.put((q >> 8) & 255);
      if (this.pad < 1) this.put(q & 255);
      this.quad = 0;
      this.nq = 0;
      if (this.pad > 0) this.pad = 3; // nothing may follow padding
    }
    return true;
  }

  /** Feed base64 characters; returns false on a character that is not base64. */
  feed(chunk: Buffer, from: number, to: number): boolean {
    // Finish a quad begun in the previous chunk, so the bulk below starts on a quad boundary.
    while (this.nq !== 0 && from < to) if (!this.one(chunk[from++]!)) return false;
    // Bulk: whole quads of the plain alphabet (no padding) decoded natively.
    if (this.pad === 0 && to - from >= 64) {
      const n = (to - from) & ~3;
      const text = chunk.toString('latin1', from, from + n);
      if (/^[A-Za-z0-9+/]*$/.test(text)) {
        this.putAll(Buffer.from(text, 'base64'));
        from += n;
      }
    }
    for (let i = from; i < to; i++) if (!this.one(chunk[i]!)) return false;
    return true;
  }
  /** The decoded bytes as the parts they were decoded into (not concatenated: no second copy). */
  finish(): Buffer[] | null {
    if (this.nq !== 0) return null;
    this.parts.push(this.cur.subarray(0, this.pos));
    const out = this.parts;
    this.parts = [];
    return out;
  }
}

export class ExportBodyStream {
  private skeleton: Buffer[] = [];
  private skeletonBytes = 0;
  private inString = false;
  private escape = false;
  private blob: Blob | null = null;
  /** The last string read, while it may still turn out to be a key (short ones only). */
  private lastString: Buffer[] | null = [];
  private lastStringBytes = 0;
  private key: string | null = null;
  /** The last significant character outside strings. */
  private prev = 0;
  readonly blobs: Buffer[][] = [];
  private decoded = 0;
  failure: ServiceError | null = null;

  constructor(
    private readonly maxSkeleton: number,
    private readonly maxDecoded: number,
    /** At most this many base64 values (files): each holds a buffer while it is decoded. */
    private readonly maxBlobs = 64,
  ) {}

  private keep(chunk: Buffer, from: number, to: number): void {
    if (to <= from) return;
    this.skeletonBytes += to - from;
    if (this.skeletonBytes > this.maxSkeleton) {
      this.failure ??= new ServiceError(
        `The export's names and paths are over ${this.maxSkeleton} bytes.`,
        'files',
        413,
      );
      return;
    }
    this.skeleton.push(Buffer.from(chunk.subarray(from, to)));
  }

  write(chunk: Buffer): void {
    if (this.failure) return;
    let keptFrom = 0;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (this.blob) {
        // Inside a base64 value: decode up to the closing quote.
        let j = chunk.indexOf(QUOTE, i);
        if (j < 0) j = chunk.length;
        if (!this.blob.feed(chunk, i, j)) {
          this.failure = new ServiceError('The file contents are not base64.', 'files', 400);
          return;
        }
        if (this.decoded + this.blob.size > this.maxDecoded) {
          this.failure = new ServiceError(
            `The export is over ${this.maxDecoded / 1024 / 1024} MB; export large models with the command line (perceiver-studio export).`,
            'files',
            413,
          );
          return;
        }
        if (j === chunk.length) {
          keptFrom = chunk.length;
          break;
        }
        const data = this.blob.finish();
        if (!data) {
          this.failure = new ServiceError(
            'The file contents are not base64 (their length is not a multiple of 4).',
            'files',
            400,
          );
          return;
        }
        this.decoded += this.blob.size;
        const placeholder = Buffer.from(
          JSON.stringify(`${BLOB_PREFIX}${this.blobs.length}`).slice(1, -1) + '"',
          'utf8',
        );
        this.blobs.push(data);
        this.skeletonBytes += placeholder.length;
        this.skeleton.push(placeholder);
        this.blob = null;
        this.inString = false;
        this.prev = QUOTE;
        keptFrom = j + 1;
        i = j;
        continue;
      }
      if (this.inString) {
        if (this.escape) this.escape = false;
        else if (c === BACKSLASH) this.escape = true;
        else if (c === QUOTE) {
          this.inString = false;
          this.prev = QUOTE;
          continue;
        }
        if (this.lastString) {
          this.lastStringBytes++;
          if (this.lastStringBytes > 64) this.lastString = null;
          else this.lastString.push(Buffer.of(c));
        }
        continue;
      }
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) continue;
      if (c === QUOTE) {
        if (this.prev === COLON && this.key === 'base64') {
          if (this.blobs.length >= this.maxBlobs) {
            this.failure = new ServiceError(
              `The export has more than ${this.maxBlobs} files; at most ${this.maxBlobs} are written.`,
              'files',
              400,
            );
            return;
          }
          // The opening quote is kept; the value is replaced by its placeholder.
          this.keep(chunk, keptFrom, i + 1);
          keptFrom = i + 1;
          this.blob = new Blob();
          this.key = null;
          continue;
        }
        this.inString = true;
        this.lastString = [];
        this.lastStringBytes = 0;
        continue;
      }
      if (c === COLON) {
        this.key = this.prev === QUOTE && this.lastString ? Buffer.concat(this.lastString).toString('utf8') : null;
      }
      this.prev = c;
    }
    this.keep(chunk, keptFrom, chunk.length);
  }

  /** The JSON text with every base64 value replaced by "\u0000blob:<n>", and the decoded blobs. */
  end(): { text: string; blobs: Buffer[][] } {
    if (this.failure) throw this.failure;
    if (this.blob || this.inString)
      throw new ServiceError(
        'The request body is not valid JSON (it ends inside a string); it may be truncated.',
        'args',
        400,
      );
    const text = Buffer.concat(this.skeleton, this.skeletonBytes).toString('utf8');
    this.skeleton = [];
    return { text, blobs: this.blobs };
  }
}
