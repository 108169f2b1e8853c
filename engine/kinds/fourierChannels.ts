/**
 * Channel count of the Fourier position encoding for d index dims (docs/ARCHITECTURE.md §A.2 rule 5), in a module
 * of its own without zod so the layers (and the web export's perceiver-layers.js) can use it
 * without the kinds' schemas. engine/kinds/fourierPosition.ts re-exports it.
 */
export function fourierChannels(d: number, p: { numBands: number; concatPos: boolean; sineOnly: boolean }): number {
  const perDim = (p.sineOnly ? 1 : 2) * p.numBands + (p.concatPos ? 1 : 0);
  return d * perDim;
}
