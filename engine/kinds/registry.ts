/**
 * Every node kind, in palette order. The palette, inspector, analyser and compiler iterate this
 * registry; nothing else switches on kind strings.
 */
import type { KindDefinition } from './types.js';
import { imageInput } from './imageInput.js';
import { imagePatches } from './imagePatches.js';
import { fourierPosition } from './fourierPosition.js';
import { latentArray } from './latentArray.js';
import { crossAttention } from './crossAttention.js';
import { latentStack } from './latentStack.js';
import { trainableQuery } from './trainableQuery.js';
import { decoderCrossAttention } from './decoderCrossAttention.js';
import { classificationHead } from './classificationHead.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyKind = KindDefinition<any>;

export const KINDS: readonly AnyKind[] = [
  imageInput,
  imagePatches,
  fourierPosition,
  latentArray,
  crossAttention,
  latentStack,
  trainableQuery,
  decoderCrossAttention,
  classificationHead,
];

const byName = new Map<string, AnyKind>(KINDS.map((k) => [k.kind, k]));

export function getKind(kind: string): AnyKind | undefined {
  return byName.get(kind);
}

export function kindNames(): string[] {
  return [...byName.keys()];
}
