/**
 * Every template (the large ones as their test miniatures) predicts the same with our kernels as
 * with tfjs' stock kernels, within 1e-5 (relative to the output's largest value), on wasm with the
 * tuned formulation; and a short training curve of the default template matches (50 steps in
 * curve.slow.test.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyse } from '../graph/analyse.js';
import { loadGraphDoc } from '../graph/load.js';
import { MINIATURES, shrink } from '../compile/miniatures.js';
import { useNodeBackend } from '../node/backend.js';
import { getFormulation } from '../layers/ops.js';
import { ownKernelsStatus } from './index.js';
import { forwardBoth, relMaxDiff, trainingCurves } from './parity.js';

const dir = join(__dirname, '../../templates');
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort();
const load = (f: string) => {
  const doc = loadGraphDoc(readFileSync(join(dir, f), 'utf8'), f);
  return MINIATURES[f] ? shrink(doc, MINIATURES[f]!) : doc;
};
/** Larger than this (after the miniatures) is not allocated in a default test. */
const MAX_PARAMS = 2_000_000;

beforeAll(async () => {
  await useNodeBackend('wasm');
});

describe('own kernels vs stock kernels on every template', () => {
  it('run with the tuned formulation and our kernels attached', () => {
    expect(getFormulation()).toBe('tuned');
    expect(ownKernelsStatus().registered).toBe(true);
  });

  const big: string[] = [];
  for (const f of files) {
    const params = analyse(load(f)).totals.params;
    if (params > MAX_PARAMS) {
      big.push(f);
      continue;
    }
    it(`${f}: forward within 1e-5 of the stock kernels`, () => {
      const before = tf.memory().numTensors;
      const calls0 = ownKernelsStatus().ownCalls;
      const { own, stock } = forwardBoth(load(f));
      expect(ownKernelsStatus().ownCalls).toBeGreaterThan(calls0);
      expect(own.length).toBe(stock.length);
      own.forEach((o, k) => expect(relMaxDiff(o, stock[k]!)).toBeLessThan(1e-5));
      expect(tf.memory().numTensors).toBe(before);
    });
  }
  it('leaves out only templates too large for a test', () => {
    expect(big.length).toBeLessThan(files.length / 2);
  });

  it('the default template trains the same for 8 steps (losses within 1e-4 relative)', () => {
    const doc = loadGraphDoc(readFileSync(join(dir, 'mnist-perceiver-io.json'), 'utf8'), 'mnist-perceiver-io.json');
    const { own, stock } = trainingCurves(doc, 8, 4, 10);
    own.forEach((l, s) => expect(Math.abs(l - stock[s]!) / Math.abs(stock[s]!)).toBeLessThan(1e-4));
    expect(own[7]).not.toBe(own[0]);
  });
});
