/// <reference lib="webworker" />
/**
 * Image decoding inside the training worker: createImageBitmap + OffscreenCanvas (the browser's
 * own PNG/JPEG decoders), then the engine's antialiased resize to the input node's size, so
 * the app and the CLI turn an image into the same input values.
 */
import { checkImageSize } from '../../engine/data/imageHeader';
import type { DecodedImage, ImageAccess } from '../../engine/data/images';

/**
 * Decode PNG or JPEG bytes to RGBA. A photo much larger than the input is first shrunk by the
 * browser to twice the target size, so a batch of 12-megapixel photos does not hold 48 MB of
 * pixels each; the engine's resize does the last step.
 */
export async function decodeInWorker(
  bytes: Uint8Array,
  target?: { height: number; width: number },
): Promise<DecodedImage> {
  if (bytes.length === 0) throw new Error('the file is empty');
  // The header's pixel count first: the browser would allocate a claimed 16000×16000 in full.
  checkImageSize(bytes);
  const blob = new Blob([bytes as Uint8Array<ArrayBuffer>]);
  // 'none' keeps the file's values as they are (no colour-profile or alpha premultiplication
  // changes), as the CLI's pngjs/jpeg-js decoders do.
  const plain: ImageBitmapOptions = { colorSpaceConversion: 'none', premultiplyAlpha: 'none' };
  let bmp: ImageBitmap;
  try {
    bmp = await createImageBitmap(blob, plain);
  } catch {
    throw new Error('the browser could not decode it (not a valid PNG or JPEG)');
  }
  try {
    if (
      target &&
      target.height > 0 &&
      target.width > 0 &&
      (bmp.width > 2 * target.width || bmp.height > 2 * target.height)
    ) {
      const smaller = await createImageBitmap(bmp, {
        ...plain,
        resizeWidth: Math.min(bmp.width, 2 * target.width),
        resizeHeight: Math.min(bmp.height, 2 * target.height),
        resizeQuality: 'high',
      });
      bmp.close();
      bmp = smaller;
    }
    const { width, height } = bmp;
    const canvas = new OffscreenCanvas(width, height);
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new Error('no 2D canvas in this worker');
    ctx.drawImage(bmp, 0, 0);
    const data = ctx.getImageData(0, 0, width, height).data;
    return { width, height, channels: 4, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  } finally {
    bmp.close();
  }
}

/** Files picked in the browser (by path as listed) read and decoded on demand. */
export function browserImageAccess(files: Map<string, File>, target?: { height: number; width: number }): ImageAccess {
  return {
    async readFile(path) {
      const f = files.get(path);
      if (!f) throw new Error('the file is no longer in the picked folder');
      return new Uint8Array(await f.arrayBuffer());
    },
    decode: (bytes) => decodeInWorker(bytes, target),
  };
}
