/**
 * Every node kind, in palette order. The palette, inspector, analyser and compiler iterate this
 * registry; nothing else switches on kind strings.
 */
import type { KindDefinition } from './types.js';
import { imageInput } from './imageInput.js';
import { audioInput } from './audioInput.js';
import { pointCloudInput } from './pointCloudInput.js';
import { textBytes } from './textBytes.js';
import { tabularInput } from './tabularInput.js';
import { oneHotLabel } from './oneHotLabel.js';
import { imagePixels } from './imagePixels.js';
import { imagePatches } from './imagePatches.js';
import { pixelNeighbourhood } from './pixelNeighbourhood.js';
import { conv1x1 } from './conv1x1.js';
import { convDownsample } from './convDownsample.js';
import { audioPatches } from './audioPatches.js';
import { multimodalConcat } from './multimodalConcat.js';
import { fourierPosition } from './fourierPosition.js';
import { trainablePosition } from './trainablePosition.js';
import { latentArray } from './latentArray.js';
import { crossAttention } from './crossAttention.js';
import { latentStack } from './latentStack.js';
import { repeatedCrossAttend } from './repeatedCrossAttend.js';
import { trainableQuery } from './trainableQuery.js';
import { fourierQuery } from './fourierQuery.js';
import { inputAsQuery } from './inputAsQuery.js';
import { concatPreprocessedQuery } from './concatPreprocessedQuery.js';
import { multimodalQuery } from './multimodalQuery.js';
import { decoderCrossAttention } from './decoderCrossAttention.js';
import { classificationHead } from './classificationHead.js';
import { meanPoolClassifier } from './meanPoolClassifier.js';
import { perPositionProjection } from './perPositionProjection.js';
import { tiedEmbeddingDecoder } from './tiedEmbeddingDecoder.js';
import { audioPostprocessor } from './audioPostprocessor.js';
import { flowPostprocessor } from './flowPostprocessor.js';
import { multimodalSplit } from './multimodalSplit.js';
import { flatten } from './flatten.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyKind = KindDefinition<any>;

export const KINDS: readonly AnyKind[] = [
  imageInput,
  audioInput,
  pointCloudInput,
  textBytes,
  tabularInput,
  oneHotLabel,
  imagePixels,
  imagePatches,
  pixelNeighbourhood,
  conv1x1,
  convDownsample,
  audioPatches,
  multimodalConcat,
  fourierPosition,
  trainablePosition,
  latentArray,
  crossAttention,
  latentStack,
  repeatedCrossAttend,
  trainableQuery,
  fourierQuery,
  inputAsQuery,
  concatPreprocessedQuery,
  multimodalQuery,
  decoderCrossAttention,
  classificationHead,
  meanPoolClassifier,
  perPositionProjection,
  tiedEmbeddingDecoder,
  audioPostprocessor,
  flowPostprocessor,
  multimodalSplit,
  flatten,
];

const byName = new Map<string, AnyKind>(KINDS.map((k) => [k.kind, k]));

export function getKind(kind: string): AnyKind | undefined {
  return byName.get(kind);
}

export function kindNames(): string[] {
  return [...byName.keys()];
}
