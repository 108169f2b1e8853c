import { describe, expect, it } from 'vitest';
import type { AttentionMap } from '../../engine/insight/attentionMaps';
import { allCells, cellsOf, colour, encoderSeries, examplePixels, overlayPixels, rowSummary } from './heatmap';

const map = (p: Partial<AttentionMap>): AttentionMap => ({
  layer: 'enc',
  nodeId: 'enc',
  call: 0,
  step: 0,
  heads: 1,
  queries: 1,
  keys: 4,
  probs: new Float32Array(4),
  keyGrid: null,
  role: 'encoder',
  ...p,
});

describe('attention laid onto the input grid', () => {
  it('puts key k of a [H, W] grid at row k / W, column k % W, per head or averaged', () => {
    // 2 heads × 2 latents × 6 keys on a 2×3 grid.
    const probs = new Float32Array([
      /* h0 q0 */ 1, 0, 0, 0, 0, 0, /* h0 q1 */ 0, 0, 0, 0, 0, 1, /* h1 q0 */ 0, 0, 1, 0, 0, 0, /* h1 q1 */ 0, 0, 0, 1,
      0, 0,
    ]);
    const m = map({ heads: 2, queries: 2, keys: 6, probs, keyGrid: [2, 3] });
    const q1h0 = cellsOf(m, 1, 0);
    expect([q1h0.w, q1h0.h]).toEqual([3, 2]);
    expect(rowSummary(q1h0).peakAt).toEqual([1, 2]);
    const q0mean = cellsOf(m, 0, 'mean');
    expect(Array.from(q0mean.values)).toEqual([0.5, 0, 0.5, 0, 0, 0]);
    expect(allCells(m, 1).map((c) => rowSummary(c).peakAt)).toEqual([
      [0, 2],
      [1, 0],
    ]);
  });

  it('sums a video grid [T, H, W] over time and leaves a sequence as one row', () => {
    const probs = new Float32Array([0.1, 0.2, 0.3, 0.4, /* frame 2 */ 0, 0, 0, 0.5]);
    const video = cellsOf(map({ keys: 8, probs, keyGrid: [2, 2, 2] }), 0, 0);
    expect([video.w, video.h]).toEqual([2, 2]);
    expect(Array.from(video.values).map((v) => +v.toFixed(3))).toEqual([0.1, 0.2, 0.3, 0.9]);
    const seq = cellsOf(map({ keys: 4, probs: new Float32Array([0.25, 0.25, 0.25, 0.25]) }), 0, 0);
    expect([seq.w, seq.h]).toEqual([4, 1]);
    expect(rowSummary(seq).normalisedEntropy).toBeCloseTo(1, 6);
  });

  it('orders each node’s cross-attends by step and leaves decoders out', () => {
    const s = encoderSeries([
      map({ nodeId: 'p', step: 1 }),
      map({ nodeId: 'p', step: 0 }),
      map({ nodeId: 'd', role: 'decoder' }),
      map({ nodeId: 'q', step: 0 }),
    ]);
    expect(s.map((x) => [x.nodeId, x.maps.map((m) => m.step)])).toEqual([
      ['p', [0, 1]],
      ['q', [0]],
    ]);
  });

  it('colours dark to bright and lets the image show through weak attention', () => {
    const dark = colour(0);
    const bright = colour(1);
    expect(dark[0] + dark[1] + dark[2]).toBeLessThan(bright[0] + bright[1] + bright[2]);
    const rgba = overlayPixels({ w: 2, h: 1, values: new Float32Array([0, 0.5]) }, 0.5);
    expect(rgba[3]).toBeLessThan(rgba[7]!);
    expect(rgba[7]).toBe(230);
  });

  it('draws grey and colour examples stretched to their range', () => {
    const grey = examplePixels(new Float32Array([0, 0.5, 1, 0.25]), [2, 2, 1])!;
    expect(Array.from(grey.rgba.slice(0, 8))).toEqual([0, 0, 0, 255, 128, 128, 128, 255]);
    const rgb = examplePixels(new Float32Array([-1, 0, 1]), [1, 1, 3])!;
    expect(Array.from(rgb.rgba)).toEqual([0, 128, 255, 255]);
    expect(examplePixels(new Float32Array(4), [4])).toBeNull();
  });
});
