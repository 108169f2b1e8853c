/**
 * Node side of video folders: one subfolder per class holding clips, each a folder of frame
 * images (class/clip/0001.png …) or a .npy [T, H, W, C]. Frames are decoded with the image
 * folder's decoders; the streaming and resampling live in engine/data/video.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DataError } from '../data/errors.js';
import type { ImageFolderListing } from '../data/images.js';
import type { VideoAccess } from '../data/video.js';
import { readFolderFile } from './files.js';
import { decodeImageBytes } from './imageFolder.js';

export function listVideoFolder(root: string): ImageFolderListing {
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
    if (!statSync(p).isDirectory()) {
      looseFiles.push(p);
      continue;
    }
    const files: string[] = [];
    for (const f of readdirSync(p).sort()) {
      if (f.startsWith('.')) continue;
      const fp = join(p, f);
      files.push(statSync(fp).isDirectory() ? fp + '/' : fp);
    }
    classes.push({ name, files });
  }
  return { root, classes, looseFiles };
}

export const nodeVideoAccess: VideoAccess = {
  readFile: async (path) => new Uint8Array(await readFolderFile(path)),
  decode: (bytes) => decodeImageBytes(bytes),
  listFrames: async (clip) =>
    readdirSync(clip)
      .filter((f) => !f.startsWith('.'))
      .map((f) => join(clip, f)),
};
