import { describe, expect, it } from 'vitest';
import { wavBytes } from './fixtures/wav.js';
import { multimodalFolderDataset, type ModalityInput } from './multimodal.js';
import type { DecodedImage } from './resize.js';

const enc = (s: string) => new TextEncoder().encode(s);
const INPUTS: ModalityInput[] = [
  { id: 'image', kind: 'ImageInput', params: { height: 2, width: 2, channels: 1, frames: 0 }, shape: [2, 2, 1] },
  { id: 'audio', kind: 'AudioInput', params: { samples: 16, sampleRate: 8000, channels: 1 }, shape: [16] },
];

/** n examples: image i (grey value = 10·label), audio i (a tone), label.txt; `drop` removes files by path. */
function folder(n: number, drop: string[] = []) {
  const files = new Map<string, Uint8Array>();
  const examples = Array.from({ length: n }, (_, i) => {
    const name = `ex${i}`;
    const label = i % 2 ? 'odd' : 'even';
    files.set(`r/${name}/image.png`, enc(`img:${i % 2}`));
    files.set(
      `r/${name}/Audio.WAV`,
      wavBytes([Float32Array.from({ length: 20 }, (_, k) => Math.sin(k * (i % 2 ? 1 : 0.3)) / 2)], 8000, 's16'),
    );
    files.set(`r/${name}/label.txt`, enc(label + '\n'));
    for (const d of drop) files.delete(d);
    return { name, files: [...files.keys()].filter((p) => p.startsWith(`r/${name}/`)) };
  });
  const access = {
    readFile: async (p: string) => {
      const b = files.get(p);
      if (!b) throw new Error('missing');
      return b;
    },
    decode: (bytes: Uint8Array): DecodedImage => ({
      width: 2,
      height: 2,
      channels: 1,
      data: new Uint8Array(4).fill(Number(new TextDecoder().decode(bytes).split(':')[1]) * 200),
    }),
  };
  return { folders: { root: 'r', examples }, access };
}

describe('multimodal example folders', () => {
  it('binds files to the inputs by name (any case, any extension), labels from label.txt, every input per batch', async () => {
    const { folders, access } = folder(10);
    const ds = await multimodalFolderDataset(folders, access, INPUTS, { validationFraction: 0, testFraction: 0.2 });
    expect(ds.inputShape).toEqual([2, 2, 1]);
    expect(ds.moreInputShapes).toEqual([[16]]);
    expect(ds.classNames).toEqual(['even', 'odd']);
    expect(ds.stats.decoded).toBe(0);
    let seen = 0;
    const perClass = [0, 0];
    for await (const b of ds.train.batches(3, { epoch: 0 })) {
      expect(b.x.length).toBe(b.n * 4);
      expect(b.moreInputs![0]!.length).toBe(b.n * 16);
      // The image of an odd example is bright, of an even one dark: inputs stay with their labels.
      for (let r = 0; r < b.n; r++) expect(b.x[r * 4]! > 0.5).toBe(b.y[r] === 1);
      for (let r = 0; r < b.n; r++) perClass[b.y[r]!]!++;
      seen += b.n;
    }
    expect(seen).toBe(8);
    // The class balance is the training split's (issue 17).
    expect(ds.classCounts).toEqual(perClass);
  });

  it('names the example folder and the missing modality; with skipping, counts it', async () => {
    const { folders, access } = folder(6, ['r/ex3/Audio.WAV']);
    await expect(multimodalFolderDataset(folders, access, INPUTS)).rejects.toThrow(
      'r/ex3: the example has no file for the input "audio" (a file named audio with .wav or .npy); add it, or remove the example folder',
    );
    const ds = await multimodalFolderDataset(folders, access, INPUTS, {
      badFiles: 'skip',
      validationFraction: 0,
      testFraction: 0,
    });
    expect(ds.train.size).toBe(5);
    expect(ds.skipped.count).toBe(1);
    const noLabel = folder(4, ['r/ex1/label.txt']);
    await expect(multimodalFolderDataset(noLabel.folders, noLabel.access, INPUTS)).rejects.toThrow(
      'r/ex1: the example has no label.txt (one line: its class); add it, or remove the example folder',
    );
  });

  it('a broken file stops the batch with its name', async () => {
    const { folders, access } = folder(4);
    const bad = {
      ...access,
      readFile: async (p: string) => (p.endsWith('.WAV') && p.includes('ex2') ? new Uint8Array(5) : access.readFile(p)),
    };
    const ds = await multimodalFolderDataset(folders, bad, INPUTS, { validationFraction: 0, testFraction: 0 });
    const run = async () => {
      for await (const _ of ds.train.batches(4)) void _;
    };
    await expect(run()).rejects.toThrow('r/ex2/Audio.WAV: the WAV header is truncated');
  });
});
