/**
 * Which example codec reads a class folder for a graph: the model input's kind decides (an Audio
 * input reads clips, a Point cloud input reads meshes and clouds, with that node's sizes); a
 * folder whose files are audio or points under another input still previews with the matching
 * template's sizes, so the app can offer that template instead of a dead end.
 */
import { audioCodec } from './audio.js';
import { folderContentKind, type ExampleCodec } from './fileFolder.js';
import type { ImageFolderListing } from './images.js';
import { pointCodec, type PointShape } from './pointcloud.js';

export interface InputNodeInfo {
  kind: string;
  /** The node's params with defaults filled in. */
  params: Record<string, unknown>;
}

/** The sizes templates/audio-perceiver.json and pointcloud-perceiver.json use (previews of mismatched folders). */
export const DEFAULT_AUDIO = { samples: 8192, channels: 1, sampleRate: 8000 };
export const DEFAULT_POINTS: PointShape = {
  points: 512,
  features: 0,
  upAxis: 'z',
  augment: { rotate: true, scale: 0.2, jitter: 0.01 },
};

export function pointShapeOf(p: Record<string, unknown>): PointShape {
  return {
    points: p.points as number,
    features: p.features as number,
    upAxis: p.upAxis as PointShape['upAxis'],
    augment: {
      rotate: p.augmentRotation as boolean,
      scale: p.augmentScale as number,
      jitter: p.augmentJitter as number,
    },
  };
}

/**
 * The codec for this input, or (`forPreview`) for what the folder holds; undefined: an image
 * folder (engine/data/images).
 */
export function folderCodecFor(
  listing: ImageFolderListing,
  input: InputNodeInfo | undefined,
  opts: { forPreview?: boolean } = {},
): { codec: ExampleCodec; content: 'audio' | 'points' } | undefined {
  if (input?.kind === 'AudioInput') {
    const p = input.params;
    return {
      codec: audioCodec({
        samples: p.samples as number,
        channels: p.channels as number,
        sampleRate: p.sampleRate as number,
      }),
      content: 'audio',
    };
  }
  if (input?.kind === 'PointCloudInput') return { codec: pointCodec(pointShapeOf(input.params)), content: 'points' };
  if (!opts.forPreview) return undefined;
  const content = folderContentKind(listing);
  if (content === 'audio') return { codec: audioCodec(DEFAULT_AUDIO), content };
  if (content === 'points') return { codec: pointCodec(DEFAULT_POINTS), content };
  return undefined;
}
