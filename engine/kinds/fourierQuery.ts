import { z } from 'zod';
import { fourierChannels } from './fourierPosition.js';
import { fail, linearParams, ok, prod, type KindDefinition } from './types.js';

const params = z
  .object({
    indexDims: z
      .array(z.number().int().min(1).max(10_000_000))
      .min(1)
      .max(4)
      .default([28, 28])
      .describe('Output grid, e.g. [H, W] or [T, H, W]; one query per grid point'),
    numBands: z.number().int().min(1).max(1024).default(6).describe('Frequency bands K per index dimension'),
    maxResolution: z
      .array(z.number().positive().max(1e7))
      .max(4)
      .nullable()
      .default(null)
      .describe('Max resolution per index dimension; empty = indexDims'),
    concatPos: z.boolean().default(true).describe('Include the raw positions in the features'),
    sineOnly: z.boolean().default(false).describe('Use sin features only (no cos)'),
    numChunks: z
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .default(1)
      .describe('Split the grid into this many contiguous chunks and query one (DM subsampled_output_points)'),
    chunk: z.number().int().min(0).max(1_000_000).default(0).describe('Which chunk to query (0-based)'),
    projectPosDim: z
      .number()
      .int()
      .min(0)
      .max(65536)
      .default(0)
      .describe('Project the features with Linear(→ this); 0 = off'),
    pointStart: z
      .number()
      .int()
      .min(0)
      .max(1e9)
      .nullable()
      .default(null)
      .describe('With pointCount: the first flat grid index queried (overrides the chunks)'),
    pointCount: z
      .number()
      .int()
      .min(1)
      .max(1e9)
      .nullable()
      .default(null)
      .describe(
        'Query the flat indices pointStart … pointStart+pointCount−1 at subsampled positions −1 + 2·i/n, even for the whole grid (HF subsampled_output_points); empty = chunks',
      ),
    pointIndices: z
      .array(z.number().int().min(0).max(1e9))
      .min(1)
      .max(65536)
      .nullable()
      .default(null)
      .describe(
        'Query exactly these flat grid indices (any HF subsampled_output_points set) at subsampled positions; overrides pointStart/pointCount and the chunks',
      ),
  })
  .strict();
type P = z.infer<typeof params>;

export function fourierQueryShape(p: P): { queries: number; channels: number } {
  const raw = fourierChannels(p.indexDims.length, p);
  return {
    queries:
      p.pointIndices != null
        ? p.pointIndices.length
        : p.pointCount != null
          ? p.pointCount
          : prod(p.indexDims) / p.numChunks,
    channels: p.projectPosDim > 0 ? p.projectPosDim : raw,
  };
}

/** The queried flat indices: an explicit point range, or chunk `chunk` of `numChunks`. */
export function fourierQueryRange(p: {
  indexDims: number[];
  numChunks: number;
  chunk: number;
  pointStart?: number | null;
  pointCount?: number | null;
  pointIndices?: number[] | null;
}): { start: number; count: number; points: boolean; indices?: number[] } {
  if (p.pointIndices != null) return { start: 0, count: p.pointIndices.length, points: true, indices: p.pointIndices };
  if (p.pointCount != null) return { start: p.pointStart ?? 0, count: p.pointCount, points: true };
  const count = prod(p.indexDims) / p.numChunks;
  return { start: p.chunk * count, count, points: false };
}

export const fourierQuery: KindDefinition<P> = {
  kind: 'FourierQuery',
  version: 1,
  category: 'query',
  title: 'Fourier-position queries',
  summary: 'One decoder query per output grid point, made of its Fourier position features.',
  maths:
    'q_i = [x_i, sin(π f x_i), cos(π f x_i)]; with chunks, positions are −1 + 2·idx/n over the chunk (DM subsampling).',
  reference: "DM BasicDecoder(position_encoding_type='fourier', subsampled_points)",
  inputs: [],
  outputs: [
    {
      name: 'out',
      label: 'queries',
      type: 'queries',
      ranks: [2],
      description: 'Queries [O, d(2K+1)] (O = ∏ indexDims / numChunks)',
    },
  ],
  params,
  inferShape(p) {
    const m = prod(p.indexDims);
    if (p.maxResolution && p.maxResolution.length > 0 && p.maxResolution.length !== p.indexDims.length) {
      return fail(`maxResolution has ${p.maxResolution.length} entries but indexDims has ${p.indexDims.length}`, {
        param: 'maxResolution',
      });
    }
    if (p.pointIndices != null) {
      const out = p.pointIndices.findIndex((i) => i >= m);
      if (out >= 0)
        return fail(`pointIndices[${out}] = ${p.pointIndices[out]} is outside the ${m} grid points`, {
          param: 'pointIndices',
        });
    } else if (p.pointCount != null) {
      const start = p.pointStart ?? 0;
      if (start + p.pointCount > m)
        return fail(`points ${start} … ${start + p.pointCount - 1} are outside the ${m} grid points`, {
          param: 'pointCount',
        });
    } else if (p.pointStart != null) return fail('pointStart needs pointCount', { param: 'pointCount' });
    if (m % p.numChunks !== 0)
      return fail(`numChunks ${p.numChunks} must divide the ${m} grid points`, { param: 'numChunks' });
    if (p.chunk >= p.numChunks)
      return fail(`chunk ${p.chunk} is out of range; use 0 … ${p.numChunks - 1}`, { param: 'chunk' });
    const { queries, channels } = fourierQueryShape(p);
    return ok({ out: [queries, channels] });
  },
  cost(p, _i, o) {
    const raw = fourierChannels(p.indexDims.length, p);
    const q = o.out![0]!;
    return {
      params: p.projectPosDim > 0 ? linearParams(raw, p.projectPosDim) : 0,
      flops: p.projectPosDim > 0 ? 2 * q * raw * p.projectPosDim : 0,
      activationBytes: 4 * q * (raw + (p.projectPosDim > 0 ? p.projectPosDim : 0)),
    };
  },
  describe: (p) =>
    `${p.indexDims.join('×')}, K=${p.numBands}${p.pointIndices != null ? `, ${p.pointIndices.length} points` : p.pointCount != null ? `, points ${p.pointStart ?? 0}+${p.pointCount}` : p.numChunks > 1 ? `, chunk ${p.chunk + 1}/${p.numChunks}` : ''}`,
};
