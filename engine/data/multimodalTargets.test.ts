/** Multimodal example folders for an autoencoder: a one-hot label input fed from label.txt, heads trained on the inputs they reconstruct. */
import { describe, expect, it } from 'vitest';
import { wavBytes } from './fixtures/wav.js';
import { multimodalFolderDataset, type ModalityInput } from './multimodal.js';
import type { DecodedImage } from './resize.js';

const enc = (s: string) => new TextEncoder().encode(s);
const INPUTS: ModalityInput[] = [
  {
    id: 'image',
    kind: 'ImageInput',
    params: { height: 2, width: 2, channels: 1, frames: 0 },
    shape: [2, 2, 1],
  },
  {
    id: 'audio',
    kind: 'AudioInput',
    params: { samples: 16, sampleRate: 8000, channels: 1 },
    shape: [16],
  },
  { id: 'label', kind: 'OneHotLabel', params: { numClasses: 3 }, shape: [3] },
];

function folder(n: number, classes = ['a', 'b', 'c']) {
  const files = new Map<string, Uint8Array>();
  const examples = Array.from({ length: n }, (_, i) => {
    const name = `ex${i}`;
    files.set(`r/${name}/image.png`, enc(`img:${i % classes.length}`));
    files.set(
      `r/${name}/audio.wav`,
      wavBytes(
        [Float32Array.from({ length: 16 }, (_, k) => ((k % 4) - 1.5) / 4 + (i % classes.length) / 10)],
        8000,
        'f32',
      ),
    );
    files.set(`r/${name}/label.txt`, enc(classes[i % classes.length]! + '\n'));
    return {
      name,
      files: [...files.keys()].filter((p) => p.startsWith(`r/${name}/`)),
    };
  });
  const access = {
    readFile: async (p: string) => files.get(p)!,
    decode: (bytes: Uint8Array): DecodedImage => ({
      width: 2,
      height: 2,
      channels: 1,
      data: new Uint8Array(4).fill(Number(new TextDecoder().decode(bytes).split(':')[1]) * 100),
    }),
  };
  return { folders: { root: 'r', examples }, access };
}

describe('multimodal autoencoder examples', () => {
  it('feeds a One-hot label input from label.txt (no file of its own) and gives each head its targets: the class or the input it reconstructs', async () => {
    const { folders, access } = folder(9);
    const heads = [
      { kind: 'input' as const, inputIndex: 1 },
      { kind: 'input' as const, inputIndex: 0 },
      { kind: 'classes' as const },
    ];
    const ds = await multimodalFolderDataset(folders, access, INPUTS, {
      validationFraction: 0,
      testFraction: 0,
      heads,
    });
    expect(ds.targets).toEqual([
      { kind: 'values', shape: [16] },
      { kind: 'values', shape: [2, 2, 1] },
      { kind: 'classes' },
    ]);
    let seen = 0;
    for await (const b of ds.train.batches(4, {
      shuffle: true,
      seed: 3,
      epoch: 0,
    })) {
      const [audio, label] = b.moreInputs!;
      expect(b.y).toBe(audio);
      expect(b.moreTargets![0]!.y).toBe(b.x);
      const classes = b.moreTargets![1]!.y as Int32Array;
      for (let r = 0; r < b.n; r++) {
        const c = classes[r]!;
        expect(Array.from(label!.subarray(r * 3, r * 3 + 3))).toEqual([0, 1, 2].map((k) => (k === c ? 1 : 0)));
        // The image and the audio of an example stay with its class.
        expect(b.x[r * 4]).toBeCloseTo((c * 100) / 255, 5);
        expect(audio![r * 16]!).toBeCloseTo(-1.5 / 4 + c / 10, 5);
      }
      seen += b.n;
    }
    expect(seen).toBe(9);
  });

  it('refuses a class the One-hot label input cannot hold, naming the node and the example', async () => {
    const { folders, access } = folder(4, ['a', 'b', 'c', 'd']);
    const ds = await multimodalFolderDataset(folders, access, INPUTS, {
      validationFraction: 0,
      testFraction: 0,
    });
    const run = async () => {
      for await (const _ of ds.train.batches(4)) void _;
    };
    await expect(run()).rejects.toThrow(
      /r\/ex3: the class "d" is class 4 of the data but the input node "label" holds 3 classes; raise its numClasses/,
    );
  });
});
