/** 50 training steps of the default template, our kernels vs tfjs' stock ones (npm run test:slow). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { loadGraphDoc } from '../graph/load.js';
import { useNodeBackend } from '../node/backend.js';
import { trainingCurves } from './parity.js';

beforeAll(async () => {
  await useNodeBackend('wasm');
});

it('mnist-perceiver-io: 50-step training curves equal within float tolerance', () => {
  const f = join(__dirname, '../../templates/mnist-perceiver-io.json');
  const doc = loadGraphDoc(readFileSync(f, 'utf8'), 'mnist-perceiver-io.json');
  const { own, stock } = trainingCurves(doc, 50, 16, 10);
  const worst = Math.max(...own.map((l, s) => Math.abs(l - stock[s]!) / Math.abs(stock[s]!)));
  console.log(
    `50 steps: loss ${stock[0]!.toFixed(4)} → ${stock[49]!.toFixed(4)} (stock), ${own[49]!.toFixed(4)} (own); worst relative difference ${worst.toExponential(2)}`,
  );
  expect(worst).toBeLessThan(1e-3);
  expect(own[49]!).toBeLessThan(own[0]!);
});
