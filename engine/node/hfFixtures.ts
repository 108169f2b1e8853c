/** Test helpers: the HF fixtures folder (../shared/hf-fixtures, or $PERCEIVER_HF_FIXTURES) and small readers for its files. */
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseNpy } from '../data/npy.js';
import { HF_CLASSES } from '../hf/convert.js';

export const FIXTURES =
  process.env.PERCEIVER_HF_FIXTURES ?? resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared/hf-fixtures');
export const haveFixtures = existsSync(join(FIXTURES, 'README.md'));

/** Every class engine/hf converts has a fixture folder. */
export const FIXTURE_CLASSES = HF_CLASSES;

export const REAL_CONFIGS: Record<string, string> = {
  PerceiverForMaskedLM: 'language-perceiver',
  PerceiverForImageClassificationLearned: 'vision-perceiver-learned',
  PerceiverForImageClassificationFourier: 'vision-perceiver-fourier',
  PerceiverForImageClassificationConvProcessing: 'vision-perceiver-conv',
  PerceiverForOpticalFlow: 'optical-flow-perceiver',
  PerceiverForMultimodalAutoencoding: 'multimodal-perceiver',
};

export function fixturePath(...parts: string[]): string {
  return join(FIXTURES, ...parts);
}
export function readJson(...parts: string[]): unknown {
  return JSON.parse(readFileSync(fixturePath(...parts), 'utf8'));
}
export function readBytes(...parts: string[]): Uint8Array {
  const b = readFileSync(fixturePath(...parts));
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** A key list file: `key<TAB>[shape]<TAB>dtype` lines after a `#` header. */
export function readKeyList(...parts: string[]): { key: string; shape: number[]; dtype: string }[] {
  return readFileSync(fixturePath(...parts), 'utf8')
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const [key, shape, dtype] = l.split('\t');
      return { key: key!, shape: JSON.parse(shape!) as number[], dtype: dtype! };
    });
}

/** A .npy as float32 (int64 / uint8 widened) with its shape. */
export function readNpy(...parts: string[]): { shape: number[]; data: Float32Array } {
  const a = parseNpy(readBytes(...parts));
  return { shape: [...a.shape], data: a.data };
}
