/**
 * Image sizes read from the file's header, before any decoder runs: a 1 MB PNG can claim
 * 16000×16000 pixels (3 GB of RGBA once decoded), so the pixel count is capped first, for PNG and
 * JPEG alike, with a message naming the size and the limit. Pure (no Node, no DOM).
 */

/** At most this many pixels per image (50 megapixels: 200 MB as RGBA). */
export const MAX_IMAGE_PIXELS = 50_000_000;

export type ImageFormat = 'png' | 'jpeg';

export class ImageHeaderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImageHeaderError';
  }
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export function imageFormatOf(b: Uint8Array): ImageFormat | null {
  if (b.length >= 8 && PNG_SIGNATURE.every((x, i) => b[i] === x)) return 'png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  return null;
}

const u32 = (b: Uint8Array, o: number) => ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
const u16 = (b: Uint8Array, o: number) => (b[o]! << 8) | b[o + 1]!;

/** Width and height from a PNG's IHDR chunk or a JPEG's first SOF marker; throws when the header is damaged. */
export function imageSize(b: Uint8Array): { format: ImageFormat; width: number; height: number } {
  const format = imageFormatOf(b);
  if (format === 'png') {
    if (b.length < 33) throw new ImageHeaderError('the PNG file is truncated (it ends inside its header)');
    if (u32(b, 12) !== 0x49484452) throw new ImageHeaderError('the PNG file is damaged (its first chunk is not IHDR)');
    return { format, width: u32(b, 16), height: u32(b, 20) };
  }
  if (format === 'jpeg') {
    let i = 2;
    while (i + 4 <= b.length) {
      if (b[i] !== 0xff) throw new ImageHeaderError(`the JPEG file is damaged (no marker at byte ${i})`);
      const m = b[i + 1]!;
      if (m === 0xff) {
        i++; // fill byte
        continue;
      }
      // Markers without a length: TEM, RST0-7.
      if (m === 0x01 || (m >= 0xd0 && m <= 0xd7)) {
        i += 2;
        continue;
      }
      if (m === 0xd9 || m === 0xda) break; // end of image / start of scan before any frame header
      const len = u16(b, i + 2);
      if (len < 2) throw new ImageHeaderError(`the JPEG file is damaged (a segment of length ${len} at byte ${i})`);
      // SOF0-15 except DHT (C4), JPG (C8), DAC (CC).
      if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) {
        if (i + 9 > b.length) break;
        return { format, width: u16(b, i + 7), height: u16(b, i + 5) };
      }
      i += 2 + len;
    }
    throw new ImageHeaderError('the JPEG file is truncated or damaged (no frame header with its size)');
  }
  throw new ImageHeaderError(b.length === 0 ? 'the file is empty' : 'it is neither PNG nor JPEG (unknown signature)');
}

/** The header's size, refused when it is empty or over `maxPixels`; the decoder runs only after this. */
export function checkImageSize(
  b: Uint8Array,
  maxPixels = MAX_IMAGE_PIXELS,
): { format: ImageFormat; width: number; height: number } {
  const s = imageSize(b);
  const name = s.format === 'png' ? 'PNG' : 'JPEG';
  if (s.width === 0 || s.height === 0)
    throw new ImageHeaderError(
      `the ${name} says it is ${s.width}×${s.height} pixels; an image needs at least one pixel`,
    );
  if (s.width * s.height > maxPixels) {
    throw new ImageHeaderError(
      `the ${name} says it is ${s.width.toLocaleString('en-US')}×${s.height.toLocaleString('en-US')} pixels (${((s.width * s.height) / 1e6).toFixed(0)} megapixels), over the ${(maxPixels / 1e6).toFixed(0)}-megapixel limit per image; shrink it first`,
    );
  }
  return s;
}
