/**
 * Video clips for an Image input with frames > 0: a folder of frame images per clip (PNG/JPEG,
 * sorted by name) or a `.npy` [T, H, W, C] (uint8 0…255, or floats 0…1), brought to the input's
 * frame count (evenly spaced frames; a seeded offset within each stride on the training split)
 * and size (the antialiased image resize). Every frame of a clip must have one size; a clip with
 * no frames, or a frame of another size, is refused with the clip and frame named.
 */
import { DataError } from './errors.js';
import type { ExampleCodec } from './fileFolder.js';
import type { ImageAccess } from './images.js';
import { parseNpy } from './npy.js';
import { imageToInput, type DecodedImage } from './resize.js';

export interface VideoShape {
  frames: number;
  height: number;
  width: number;
  channels: number;
}

const FRAME = /\.(png|jpe?g)$/i;

/** T frame indices out of n: evenly spaced (centres of T strides); `rand` shifts each within its stride. */
export function frameIndices(n: number, T: number, rand?: () => number): number[] {
  return Array.from({ length: T }, (_, i) => {
    const lo = (i * n) / T;
    const hi = ((i + 1) * n) / T;
    const at = rand ? lo + rand() * (hi - lo) : (lo + hi) / 2;
    return Math.min(n - 1, Math.max(0, Math.floor(at)));
  });
}

/** Frames of a `.npy` clip as decoded images (floats 0…1 are scaled to bytes). */
export function framesFromNpy(bytes: Uint8Array, file: string): DecodedImage[] {
  const a = parseNpy(bytes, file);
  if (a.shape.length !== 4 || a.shape.some((d) => d < 1) || a.shape[3]! > 4)
    throw new DataError(
      `a .npy video clip is [frames, height, width, channels ≤ 4], but this array is [${a.shape.join(', ')}]; save one clip per file`,
      { file },
    );
  const [T, H, W, C] = a.shape as [number, number, number, number];
  const bytesLike = a.dtype.endsWith('u1') || a.dtype.endsWith('i1');
  const frameSize = H * W * C;
  return Array.from({ length: T }, (_, t) => {
    const data = new Uint8Array(frameSize);
    for (let k = 0; k < frameSize; k++) {
      const v = a.data[t * frameSize + k]!;
      if (!Number.isFinite(v)) throw new DataError(`frame ${t} has a non-finite value`, { file });
      data[k] = Math.max(0, Math.min(255, Math.round(bytesLike ? v : v * 255)));
    }
    return { width: W, height: H, channels: C, data };
  });
}

/** Stack T frames (already chosen) into [T, H, W, C] of the input. */
function stack(frames: DecodedImage[], shape: VideoShape): Float32Array {
  const per = shape.height * shape.width * shape.channels;
  const x = new Float32Array(shape.frames * per);
  frames.forEach((f, t) => x.set(imageToInput(f, shape.height, shape.width, shape.channels), t * per));
  return x;
}

/** The clip's frames in order; a refusal names the clip and the frame. */
function checkSameSize(frames: { img: DecodedImage; name: string }[], clip: string): void {
  const first = frames[0]!;
  for (const f of frames) {
    if (f.img.width !== first.img.width || f.img.height !== first.img.height) {
      throw new DataError(
        `frame ${f.name} is ${f.img.width}×${f.img.height} but the clip's first frame (${first.name}) is ${first.img.width}×${first.img.height}; every frame of a clip must have one size — resize it or remove it`,
        { file: clip },
      );
    }
  }
}

export interface VideoAccess extends ImageAccess {
  /** The files of a clip folder (names or paths), any order. */
  listFrames(clip: string): Promise<string[]>;
}

/** The codec of a video class folder: entries are clip folders (path ending "/") or .npy clips. */
export function videoCodec(shape: VideoShape, access: VideoAccess): ExampleCodec {
  return {
    what: 'video clip',
    formats: 'clip folder of PNG/JPEG frames or .npy [T, H, W, C]',
    accepts: (name) => name.endsWith('/') || /\.npy$/i.test(name),
    shape: [shape.frames, shape.height, shape.width, shape.channels],
    decode: () => {
      throw new Error('video clips are read with load()');
    },
    load: async (path, readFile, rand) => {
      if (/\.npy$/i.test(path)) {
        const frames = framesFromNpy(await readFile(path), path);
        return stack(
          frameIndices(frames.length, shape.frames, rand).map((i) => frames[i]!),
          shape,
        );
      }
      const names = (await access.listFrames(path))
        .filter((n) => FRAME.test(n))
        .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
      if (names.length === 0) throw new DataError('the clip folder has no PNG or JPEG frames', { file: path });
      // Decode only the frames used (and the first, which sets the clip's size).
      const picks = frameIndices(names.length, shape.frames, rand);
      const needed = [...new Set([0, ...picks])];
      const decoded = new Map<number, { img: DecodedImage; name: string }>();
      for (const i of needed) {
        const name = names[i]!;
        let img: DecodedImage;
        try {
          img = await access.decode(await access.readFile(name), name);
        } catch (err) {
          throw new DataError(`cannot decode frame ${name}: ${(err as Error).message}`, { file: path });
        }
        decoded.set(i, { img, name });
      }
      checkSameSize([...decoded.values()], path);
      return stack(
        picks.map((i) => decoded.get(i)!.img),
        shape,
      );
    },
  };
}
