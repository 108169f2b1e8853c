/**
 * Node side of image folders: list class subfolders, read files with fs, decode PNG (pngjs) and
 * JPEG (jpeg-js), both pure JavaScript. The streaming and resizing live in engine/data/images.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG, type PNGWithMetadata } from 'pngjs';
import { DataError } from '../data/errors.js';
import { checkImageSize, MAX_IMAGE_PIXELS } from '../data/imageHeader.js';
import type { DecodedImage, ImageAccess, ImageFolderListing } from '../data/images.js';
import { readFolderFile } from './files.js';

export function listImageFolder(root: string): ImageFolderListing {
  let names: string[];
  try {
    names = readdirSync(root).sort();
  } catch (err) {
    throw new DataError(`cannot list the folder (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, {
      file: root,
    });
  }
  const classes: ImageFolderListing['classes'] = [];
  const looseFiles: string[] = [];
  for (const name of names) {
    if (name.startsWith('.')) continue;
    const p = join(root, name);
    if (statSync(p).isDirectory()) {
      const files: string[] = [];
      for (const f of readdirSync(p).sort()) {
        if (f.startsWith('.')) continue;
        const fp = join(p, f);
        // Nested folders inside a class are not classes of their own; say so rather than recurse.
        if (statSync(fp).isDirectory()) looseFiles.push(fp + '/');
        else files.push(fp);
      }
      classes.push({ name, files });
    } else looseFiles.push(p);
  }
  return { root, classes, looseFiles };
}

/**
 * Decode by content (not by extension): a .jpg that is really a PNG still loads. The size in the
 * header is checked against MAX_IMAGE_PIXELS before a decoder runs (a 1 MB PNG may claim
 * 16000×16000), and decoder failures are told in words, not as pngjs internals.
 */
export function decodeImageBytes(bytes: Uint8Array, maxPixels = MAX_IMAGE_PIXELS): DecodedImage {
  const { format } = checkImageSize(bytes, maxPixels);
  if (format === 'png') {
    let png: PNGWithMetadata;
    try {
      png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    } catch (err) {
      const m = (err as Error).message;
      if (/finished stream|unexpected end|premature|not enough data|too short/i.test(m)) {
        throw new Error('the PNG file is truncated (it ends before its image data does); re-save or re-download it', {
          cause: err,
        });
      }
      throw new Error(`the PNG file is damaged (${m.replace(/waitng/g, 'waiting')}); re-save it`, { cause: err });
    }
    return {
      width: png.width,
      height: png.height,
      channels: 4,
      data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength),
    };
  }
  // Limits keep a hostile or huge JPEG from exhausting memory (the header check came first).
  let img: { width: number; height: number; data: Uint8Array };
  try {
    img = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: true,
      maxResolutionInMP: Math.ceil(maxPixels / 1e6),
      maxMemoryUsageInMB: 1024,
    });
  } catch (err) {
    const m = String((err as Error)?.message ?? err);
    throw new Error(
      /marker|eof|end of|offset|out of bounds|undefined/i.test(m)
        ? `the JPEG file is truncated or damaged (${m}); re-save it`
        : `the JPEG file cannot be decoded (${m})`,
      { cause: err },
    );
  }
  return { width: img.width, height: img.height, channels: 4, data: img.data };
}

export const nodeImageAccess: ImageAccess = {
  readFile: (path) => readFolderFile(path),
  decode: (bytes) => decodeImageBytes(bytes),
};
