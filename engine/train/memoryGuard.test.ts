import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyse } from '../graph/analyse.js';
import { loadGraphDoc } from '../graph/load.js';
import { assertFitsInMemory, estimateTrainingMemory, GiB, MemoryGuardError } from './memoryGuard.js';

const template = () => loadGraphDoc(readFileSync(join(__dirname, '../../templates/mnist-perceiver-io.json'), 'utf8'));

describe('memory guard', () => {
  it('the default template fits on wasm, with the estimate from the analysis', () => {
    const a = analyse(template());
    const e = estimateTrainingMemory(a, { batchSize: 32, optimizer: 'adam' }, 'wasm');
    expect(e.fits).toBe(true);
    expect(e.totalBytes).toBe(a.totals.activationBytes * 32 * 3 + 96_292 * 16);
    expect(e.limitBytes).toBe(4 * GiB);
    expect(estimateTrainingMemory(a, { batchSize: 32, optimizer: 'sgd' }, 'wasm').parameterBytes).toBe(96_292 * 12);
  });
  it('refuses a model that cannot fit, saying the estimate, the largest nodes and a batch size that fits', () => {
    const doc = template();
    doc.nodes.find((n) => n.id === 'latents')!.params = { numLatents: 512, channels: 256 };
    doc.nodes.find((n) => n.id === 'query')!.params = { numQueries: 1, channels: 256 };
    const a = analyse(doc);
    expect(a.valid).toBe(true);
    let err: MemoryGuardError | undefined;
    try {
      assertFitsInMemory(a, { batchSize: 256, optimizer: 'adam' }, 'wasm');
    } catch (e) {
      err = e as MemoryGuardError;
    }
    expect(err).toBeInstanceOf(MemoryGuardError);
    expect(err!.message).toMatch(
      /^The model is too large to train here\. Estimated training memory [\d.]+ GiB .* the wasm backend holds 4\.00 GiB\. To fit: lower the batch size to \d+ or less; or shrink the largest activations \("stack"/,
    );
    const fitting = estimateTrainingMemory(a, { batchSize: err!.estimate.maxBatchSize, optimizer: 'adam' }, 'wasm');
    expect(fitting.fits).toBe(true);
    expect(
      estimateTrainingMemory(a, { batchSize: err!.estimate.maxBatchSize + 1, optimizer: 'adam' }, 'wasm').fits,
    ).toBe(false);
  });
  it('takes a configured limit (WebGL cannot report its memory)', () => {
    const a = analyse(template());
    expect(estimateTrainingMemory(a, { batchSize: 32, optimizer: 'adam' }, 'webgl', 1024 ** 2).fits).toBe(false);
  });
});

describe('memory guard, model too big for any batch', () => {
  it('says batch 1 does not fit and names the nodes to shrink', () => {
    const doc = template();
    doc.nodes.find((n) => n.id === 'latents')!.params = { numLatents: 8192, channels: 64 };
    const e = estimateTrainingMemory(analyse(doc), { batchSize: 8, optimizer: 'adam' }, 'wasm');
    expect(e.fits).toBe(false);
    expect(e.maxBatchSize).toBe(0);
    expect(e.message).toMatch(/To fit: even batch 1 needs [\d.]+ GiB; or shrink the largest activations \("stack"/);
  });
});
