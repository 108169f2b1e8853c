/**
 * Node side of image folders: list class subfolders, read files with fs, decode PNG (pngjs) and
 * JPEG (jpeg-js), both pure JavaScript. The streaming and resizing live in engine/data/images.
 */
import { readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { DataError } from '../data/errors.js';
import type { DecodedImage, ImageAccess, ImageFolderListing } from '../data/images.js';

export function listImageFolder(root: string): ImageFolderListing {
  let names: string[];
  try {
    names = readdirSync(root).sort();
  } catch (err) {
    throw new DataError(`cannot list the folder (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { file: root });
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

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47];

/** Decode by content (not by extension): a .jpg that is really a PNG still loads. */
export function decodeImageBytes(bytes: Uint8Array): DecodedImage {
  if (PNG_MAGIC.every((b, i) => bytes[i] === b)) {
    const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    return { width: png.width, height: png.height, channels: 4, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
  }
  if (bytes[0] === 0xff && bytes[1] === 0xd8) {
    // Limits keep a hostile or huge JPEG from exhausting memory.
    const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: 100, maxMemoryUsageInMB: 1024 });
    return { width: img.width, height: img.height, channels: 4, data: img.data };
  }
  throw new Error(bytes.length === 0 ? 'the file is empty' : 'it is neither PNG nor JPEG (unknown signature)');
}

export const nodeImageAccess: ImageAccess = {
  readFile: async (path) => new Uint8Array(await readFile(path)),
  decode: (bytes) => decodeImageBytes(bytes),
};
