/** Builders of output queries (docs/ARCHITECTURE.md §A.8). */
import * as tf from '@tensorflow/tfjs';
import { TrainableArray } from '../../layers/perceiverLayers.js';
import { FourierQueryArray } from '../../layers/ioLayers.js';
import { fourierQueryRange } from '../../kinds/fourierQuery.js';
import { multimodalPad } from './inputs.js';
import { one, type Builder } from './context.js';

export const QUERY_BUILDERS: Record<string, Builder> = {
  TrainableQuery: (c) => ({
    out: one(
      new TrainableArray({
        name: c.name(),
        rows: c.params.numQueries,
        channels: c.params.channels,
        initScale: c.params.initScale,
        seed: c.seed,
      }).apply(c.batchRef),
    ),
  }),
  FourierQuery: (c) => {
    const dims: number[] = c.params.indexDims;
    const { start, count, points, indices } = fourierQueryRange(c.params);
    const maxRes = c.params.maxResolution && c.params.maxResolution.length ? c.params.maxResolution : dims;
    return {
      out: one(
        new FourierQueryArray({
          name: c.name(),
          indexDims: [...dims],
          numBands: c.params.numBands,
          maxResolution: [...maxRes],
          concatPos: c.params.concatPos,
          sineOnly: c.params.sineOnly,
          start,
          count,
          ...(points ? { points } : {}),
          ...(indices ? { indices } : {}),
          projectPosDim: c.params.projectPosDim,
          seed: c.seed,
        }).apply(c.batchRef),
      ),
    };
  },
  InputAsQuery: (c) => ({ out: c.inputs.in! }),
  ConcatPreprocessedQuery: (c) => ({
    out: one(tf.layers.concatenate({ name: c.name(), axis: -1 }).apply([c.inputs.inputs!, c.inputs.pos!])),
  }),
  MultimodalQuery: (c) => multimodalPad(c, []),
};
