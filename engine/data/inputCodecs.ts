/**
 * The file codec of an input node — how one audio clip or point-cloud file becomes one example —
 * shared by training on folders, the app's Try tab and the CLI's `predict`, so a file is read the
 * same way everywhere (evaluation draw: no augmentation, no random crop).
 */
import { DataError } from './errors.js';
import { audioCodec } from './audio.js';
import type { ExampleCodec } from './fileFolder.js';
import { pointCodec } from './pointcloud.js';
import { getKind } from '../kinds/registry.js';
import type { PointCloudParams } from '../kinds/pointCloudInput.js';

/** The class-folder codec of an input node (audio clips, point clouds); null for other inputs. */
export function fileCodecFor(node: { kind: string; params: Record<string, unknown> } | undefined): ExampleCodec | null {
  if (!node || (node.kind !== 'AudioInput' && node.kind !== 'PointCloudInput')) return null;
  const parsed = getKind(node.kind)?.params.safeParse(node.params);
  if (!parsed?.success) return null;
  if (node.kind === 'AudioInput') {
    const p = parsed.data as { samples: number; channels: number; sampleRate: number };
    return audioCodec({ samples: p.samples, channels: p.channels, sampleRate: p.sampleRate });
  }
  const p = parsed.data as PointCloudParams;
  return pointCodec({
    points: p.points,
    features: p.features,
    upAxis: p.upAxis,
    augment: { rotate: p.augmentRotation, scale: p.augmentScale, jitter: p.augmentJitter },
  });
}

/** One file through its input's codec, checked against the input's shape; DataError names the file. */
export function decodeWithCodec(
  codec: ExampleCodec,
  name: string,
  bytes: Uint8Array,
  shape: readonly number[],
): Float32Array {
  if (!codec.accepts(name))
    throw new DataError(`${name}: not a ${codec.formats} file (the ${codec.what} formats this input reads)`);
  const x = codec.decode(bytes, name);
  const n = shape.reduce((a, b) => a * b, 1);
  if (x.length !== n)
    throw new DataError(
      `${name}: the ${codec.what} gave ${x.length} values but this input takes [${shape.join(', ')}]`,
    );
  return x;
}
