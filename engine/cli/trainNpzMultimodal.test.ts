/**
 * Multimodal examples as one .npz: an array per model input bound by name to the input nodes,
 * plus `y` for the class head; the autoencoder's reconstruction heads train on their inputs'
 * arrays. The loader's refusals name the archive and the array.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { npz } from '../export/archive.js';
import { multimodalNpzDataset } from '../data/multimodalNpz.js';
import { parseNpz } from '../data/npy.js';
import { runCli } from './main.js';

let dir: string;
const N = 48;

/** Digits-like data: class c draws a bar at row 3c of the image and a tone of frequency c+1. */
function arrays(drop?: string, badRows = false) {
  const image = new Float32Array(N * 28 * 28);
  const audio = new Float32Array(N * 2048);
  const y = new Int32Array(N);
  for (let i = 0; i < N; i++) {
    const c = i % 8;
    y[i] = c;
    for (let x = 0; x < 28; x++) image[i * 784 + (3 * c + 1) * 28 + x] = 1;
    for (let k = 0; k < 2048; k++) audio[i * 2048 + k] = 0.5 * Math.sin((2 * Math.PI * (c + 1) * k) / 256 + i);
  }
  const all: Record<string, { shape: number[]; data: Float32Array | Int32Array }> = {
    image: { shape: [N, 28, 28, 1], data: image },
    audio: { shape: [badRows ? N - 1 : N, 2048], data: badRows ? audio.subarray(0, (N - 1) * 2048) : audio },
    y: { shape: [N], data: y },
  };
  if (drop) delete all[drop];
  return npz(all);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ps-npz-mm-'));
  writeFileSync(join(dir, 'mm.npz'), arrays());
  writeFileSync(join(dir, 'noaudio.npz'), arrays('audio'));
  writeFileSync(join(dir, 'rows.npz'), arrays(undefined, true));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { log: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out, err };
}

describe('multimodal .npz', () => {
  it('binds arrays to input nodes by name; the label input is fed y one-hot; heads get their targets', async () => {
    const a = await parseNpz(arrays(), { file: 'mm.npz' });
    const inputs = [
      { id: 'image', kind: 'ImageInput', params: {}, shape: [28, 28, 1] },
      { id: 'audio', kind: 'AudioInput', params: {}, shape: [2048] },
      { id: 'label', kind: 'OneHotLabel', params: {}, shape: [10] },
    ];
    const heads = [
      { nodeId: 'audioOut', loss: 'regression' as const, outputShape: [2048], reconstructs: 1 },
      { nodeId: 'labelOut', loss: 'classification' as const, outputShape: [10] },
    ];
    const ds = multimodalNpzDataset('mm.npz', a, inputs, heads, { validationFraction: 0, testFraction: 0 });
    expect(ds.targets).toEqual([{ kind: 'values', shape: [2048] }, { kind: 'classes' }]);
    expect(ds.numClasses).toBe(8);
    for await (const b of ds.train.batches(5)) {
      const classes = b.moreTargets![0]!.y;
      for (let r = 0; r < b.n; r++) {
        const c = classes[r]!;
        expect(b.moreInputs![1]![r * 10 + c]).toBe(1);
        expect(b.x[r * 784 + (3 * c + 1) * 28]).toBe(1);
        expect(b.y[r * 2048 + 64]).toBeCloseTo(b.moreInputs![0]![r * 2048 + 64]!, 6);
      }
    }
    expect(() =>
      multimodalNpzDataset('mm.npz', a, [{ id: 'pixels', kind: 'ImageInput', params: {}, shape: [28, 28, 1] }], heads),
    ).toThrow(
      'mm.npz: no array "pixels" for the input node "pixels" (arrays present: image, audio, y); name each array after the input it feeds',
    );
    expect(() =>
      multimodalNpzDataset('mm.npz', a, [{ id: 'audio', kind: 'AudioInput', params: {}, shape: [1024] }], heads),
    ).toThrow(
      /the array "audio" is \[48, 2048\] \(2048 values per example\) but the input node "audio" takes \[1024\]/,
    );
    expect(() =>
      multimodalNpzDataset('mm.npz', a, inputs, [{ nodeId: 'pix', loss: 'regression', outputShape: [784, 1] }]),
    ).toThrow(/no targets for the regression head "pix": add an array "pix" of \[N, 784, 1\]/);
  });

  it('train: the tiny multimodal autoencoder on an .npz reports each head per epoch; a missing array or a row count mismatch is named', async () => {
    const r = await cli([
      'train',
      'templates/multimodal-autoencoder-tiny.json',
      '--data',
      join(dir, 'mm.npz'),
      '--epochs',
      '3',
      '--json',
    ]);
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
    const epochs = r.out
      .map((l) => JSON.parse(l) as { epoch?: number; heads?: { nodeId: string; loss: number }[] })
      .filter((l) => l.epoch !== undefined);
    expect(epochs.length).toBe(3);
    const [first, last] = [epochs[0]!.heads!, epochs[2]!.heads!];
    expect(first.map((h) => h.nodeId)).toEqual(['audioOut', 'imageOut', 'labelOut']);
    // The reconstructions improve (pixels and waveform MSE).
    expect(last[0]!.loss).toBeLessThan(first[0]!.loss);
    expect(last[1]!.loss).toBeLessThan(first[1]!.loss);
    const missing = await cli([
      'train',
      'templates/multimodal-autoencoder-tiny.json',
      '--data',
      join(dir, 'noaudio.npz'),
      '--epochs',
      '1',
    ]);
    expect(missing.code).toBe(3);
    expect(missing.err.join('\n')).toContain(
      'noaudio.npz: no array "audio" for the input node "audio" (arrays present: image, y)',
    );
    const rows = await cli([
      'train',
      'templates/multimodal-autoencoder-tiny.json',
      '--data',
      join(dir, 'rows.npz'),
      '--epochs',
      '1',
    ]);
    expect(rows.code).toBe(3);
    expect(rows.err.join('\n')).toContain(
      'rows.npz: the array "audio" has 47 examples (first axis) but "image" has 48',
    );
  }, 120_000);
});
