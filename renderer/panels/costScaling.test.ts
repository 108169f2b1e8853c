import { describe, expect, it } from 'vitest';
import { analyse } from '../../engine/graph/analyse';
import { createTemplateDoc } from '../defaultDoc';
import { costScaling, defaultMs } from './costScaling';

describe('cost view: Perceiver O(MN) vs transformer O(M²)', () => {
  const doc = createTemplateDoc();
  const a = analyse(doc);
  it('finds the encoder and the latent stack from port types', () => {
    const s = costScaling(doc, a, defaultMs(49));
    if ('error' in s) throw new Error(s.error);
    expect(s.encoderId).toBe('encoder');
    expect(s.latentIds).toEqual(['stack']);
    expect(s.currentM).toBe(49);
    expect(s.latents).toBe(32);
    // At the graph's own M the Perceiver line equals the analyser's total.
    const here = s.points.find((p) => p.m === 49)!;
    expect(here.perceiverFlops).toBeCloseTo(a.totals.flops, 0);
  });
  it('Perceiver FLOPs grow linearly in M, the transformer quadratically, and they cross', () => {
    const s = costScaling(doc, a, [1024, 2048, 4096, 8192]);
    if ('error' in s) throw new Error(s.error);
    const [p1, p2, , p4] = s.points;
    const growthP = (p2!.perceiverFlops - p1!.perceiverFlops) / 1024;
    const growthP2 = (p4!.perceiverFlops - s.points[2]!.perceiverFlops) / 4096;
    expect(growthP2 / growthP).toBeCloseTo(1, 1); // linear: constant slope
    const ratioT = (p4!.transformerFlops - p2!.transformerFlops) / (p2!.transformerFlops - p1!.transformerFlops);
    expect(ratioT).toBeGreaterThan(5); // quadratic term dominates: slope grows with M
    const small = costScaling(doc, a, defaultMs(49));
    if ('error' in small) throw new Error(small.error);
    expect(small.crossover).not.toBeNull();
    expect(small.crossover!).toBeLessThan(1024);
  });
  it('explains when it cannot run', () => {
    const broken = { ...doc, edges: doc.edges.filter((e) => e.id !== 'e4') };
    expect(costScaling(broken, analyse(broken), [64])).toEqual({ error: expect.stringMatching(/No encoder found/) });
  });
});
