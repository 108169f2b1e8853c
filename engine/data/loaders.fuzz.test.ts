/**
 * Issue 16, "keep it that way": mutated bytes of every loader's format (CSV, JSON, .npy, .npz
 * stored and deflated, PNG, JPEG, text) and of template files never crash, hang or take unbounded
 * memory: each either loads or raises the loader's own named error (DataError / TemplateError).
 * fast-check with a fixed seed, bounded runs and a per-call time and memory check.
 */
import { deflateRawSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { npy, npz } from '../export/archive.js';
import { loadGraphDoc, TemplateError } from '../graph/load.js';
import { decodeImageBytes } from '../node/imageFolder.js';
import { nodeInflateRaw } from '../node/files.js';
import { DataError } from './errors.js';
import { loadImage } from './images.js';
import { parseDataFile } from './load.js';
import { textDataset } from './text.js';

const RUNS = Number(process.env.PERCEIVER_FUZZ_RUNS ?? 150);
const SEED = Number(process.env.PERCEIVER_FUZZ_SEED ?? 16);
/** No single call may take longer than this or hold more than this much new memory. */
const MAX_MS = 3000;
const MAX_BYTES = 256 * 1024 * 1024;

type Mutation = {
  at: number;
  kind: 'flip' | 'set' | 'insert' | 'delete' | 'truncate' | 'big';
  value: number;
  len: number;
};
const mutation = fc.record({
  at: fc.nat(),
  kind: fc.constantFrom('flip', 'set', 'insert', 'delete', 'truncate', 'big'),
  value: fc.nat(255),
  len: fc.integer({ min: 1, max: 16 }),
}) as fc.Arbitrary<Mutation>;

/** Apply byte-level mutations: flips, overwrites, insertions, deletions, truncation, and 0xFFFFFFFF-style size fields. */
function mutate(src: Uint8Array, ms: Mutation[]): Uint8Array {
  let b = Array.from(src);
  for (const m of ms) {
    const at = b.length ? m.at % (b.length + 1) : 0;
    if (m.kind === 'flip' && b.length) b[at % b.length]! ^= 1 << (m.value % 8);
    else if (m.kind === 'set') for (let k = 0; k < m.len && at + k < b.length; k++) b[at + k] = m.value;
    else if (m.kind === 'insert') b.splice(at, 0, ...Array.from({ length: m.len }, (_, k) => (m.value + k * 37) & 255));
    else if (m.kind === 'delete') b.splice(at, m.len);
    else if (m.kind === 'truncate') b = b.slice(0, at);
    else if (m.kind === 'big') for (let k = 0; k < 4 && at + k < b.length; k++) b[at + k] = m.value > 127 ? 0xff : 0x7f;
  }
  return Uint8Array.from(b);
}

async function bounded(
  what: string,
  run: () => Promise<unknown> | unknown,
  named: (e: unknown) => boolean,
): Promise<void> {
  const before = process.memoryUsage();
  const t = performance.now();
  try {
    await run();
  } catch (e) {
    if (!named(e)) throw new Error(`${what}: not a named error: ${(e as Error)?.stack ?? String(e)}`, { cause: e });
  }
  const ms = performance.now() - t;
  const after = process.memoryUsage();
  expect(ms, `${what}: took ${ms.toFixed(0)} ms`).toBeLessThan(MAX_MS);
  expect(after.arrayBuffers + after.heapUsed - before.arrayBuffers - before.heapUsed, `${what}: memory`).toBeLessThan(
    MAX_BYTES,
  );
}

const isData = (e: unknown) => e instanceof DataError;

const csv = new TextEncoder().encode('a,b,label\n1,2.5,cat\n3,-4e2,dog\n"5",6,cat\n7,8,dog\n');
const json = new TextEncoder().encode(
  JSON.stringify([
    { a: 1, b: 2, label: 'cat' },
    { a: 3, b: 4, label: 'dog' },
    { a: 5, b: 6, label: 'cat' },
  ]),
);
const table = { shape: [4, 3], data: Float32Array.of(1, 2, 0, 3, 4, 1, 5, 6, 0, 7, 8, 1) };
const npyBytes = npy(table);
const arrays = {
  x: { shape: [4, 2], data: Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8) },
  y: { shape: [4], data: Int32Array.of(0, 1, 0, 1) },
};
const npzStored = npz(arrays);
const npzDeflated = npz(arrays, { deflateRaw: (d) => new Uint8Array(deflateRawSync(d)) });
const png = (() => {
  const p = new PNG({ width: 6, height: 5 });
  for (let i = 0; i < p.data.length; i++) p.data[i] = (i * 29) % 256;
  return new Uint8Array(PNG.sync.write(p));
})();
const jpg = new Uint8Array(
  jpeg.encode({ width: 8, height: 8, data: Buffer.from(Array.from({ length: 256 }, (_, i) => (i * 13) % 256)) }, 80)
    .data,
);
const text = new TextEncoder().encode('The quick brown fox jumps over the lazy dog. '.repeat(6));
const template = new TextEncoder().encode(
  readFileSync(join(__dirname, '..', '..', 'templates', 'mnist-perceiver-io.json'), 'utf8'),
);

const cases: [string, Uint8Array, (b: Uint8Array) => Promise<unknown> | unknown, (e: unknown) => boolean][] = [
  ['CSV', csv, (b) => parseDataFile('fuzz.csv', b), isData],
  ['TSV', csv.map((c) => (c === 0x2c ? 0x09 : c)), (b) => parseDataFile('fuzz.tsv', b), isData],
  ['JSON', json, (b) => parseDataFile('fuzz.json', b), isData],
  ['.npy', npyBytes, (b) => parseDataFile('fuzz.npy', b), isData],
  ['.npz (stored)', npzStored, (b) => parseDataFile('fuzz.npz', b, { inflateRaw: nodeInflateRaw }), isData],
  ['.npz (deflated)', npzDeflated, (b) => parseDataFile('fuzz.npz', b, { inflateRaw: nodeInflateRaw }), isData],
  [
    'PNG',
    png,
    (b) =>
      loadImage({ readFile: async () => b, decode: (x) => decodeImageBytes(x) }, 'fuzz.png', {
        height: 4,
        width: 4,
        channels: 3,
      }),
    isData,
  ],
  [
    'JPEG',
    jpg,
    (b) =>
      loadImage({ readFile: async () => b, decode: (x) => decodeImageBytes(x) }, 'fuzz.jpg', {
        height: 4,
        width: 4,
        channels: 1,
      }),
    isData,
  ],
  ['text', text, (b) => textDataset(b, { file: 'fuzz.txt', seqLen: 16 }), isData],
  [
    'template',
    template,
    (b) => loadGraphDoc(new TextDecoder().decode(b), 'fuzz.json'),
    (e) => e instanceof TemplateError,
  ],
];

describe('loaders under mutated bytes', () => {
  for (const [name, seedBytes, load, named] of cases) {
    it(`${name}: loads or raises its named error, in bounded time and memory`, async () => {
      // The unmutated file loads.
      await load(seedBytes);
      await fc.assert(
        fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 6 }), async (ms) => {
          await bounded(`${name} ${JSON.stringify(ms)}`, () => load(mutate(seedBytes, ms)), named);
        }),
        { numRuns: RUNS, seed: SEED },
      );
    }, 60_000);
  }

  it('random bytes under every loader: named errors only', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), async (b) => {
        for (const [name, , load, named] of cases) await bounded(`${name} random`, () => load(b), named);
      }),
      { numRuns: RUNS, seed: SEED },
    );
  }, 60_000);
});
