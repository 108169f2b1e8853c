/**
 * The exported train.py at scale, on CPU with the system PyTorch (gloo): the split, batch order
 * and image decoding are the engine's (compared with the TypeScript engine itself), and two ranks
 * on a generated folder of 2,000 PNGs read disjoint shares whose union is the training split,
 * decoded per example (the memory figures for 1k vs 4k images are in torchScale.slow.test.ts).
 * Skipped, with the reason, when /usr/bin/python3 has no torch.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { splitIndices } from '../data/dataset.js';
import { imageFolderDataset } from '../data/images.js';
import { permutation } from '../data/random.js';
import { loadGraphDoc } from '../graph/load.js';
import { makePngFolder, PYTHON, runPython, torchUnavailable } from '../node/exportHarness.js';
import { listImageFolder, nodeImageAccess } from '../node/imageFolder.js';
import { exportPytorch } from './pytorch/index.js';

const skipReason = torchUnavailable();
const templatePath = join(__dirname, '..', '..', 'templates', 'mnist-perceiver-io.json');

describe.skipIf(skipReason !== null)(
  `the exported data.py and train.py at scale${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    const work = mkdtempSync(join(tmpdir(), 'ps-torchscale-'));
    afterAll(() => rmSync(work, { recursive: true, force: true }));
    const pkg = join(work, 'pkg');
    const doc = loadGraphDoc(readFileSync(templatePath, 'utf8'), templatePath);
    for (const [f, c] of exportPytorch(doc).files) {
      mkdirSync(join(pkg, f, '..'), { recursive: true });
      writeFileSync(join(pkg, f), c);
    }

    it('splits and orders examples exactly as the engine does, for the same seeds', () => {
      const cases: [number, number, number, number][] = [
        [0, 0.1, 0.2, 1],
        [7, 0.1, 0.2, 1],
        [45, 0.15, 0.15, 3],
        [100, 0.05, 0.2, 42],
        [1000, 0.1, 0.2, 1],
        [4321, 0.05, 0, 2 ** 31 - 1],
        [60000, 0.0833, 0.1429, 1],
      ];
      const py = JSON.parse(
        runPython(
          `import sys, json; sys.path.insert(0, sys.argv[1]); import data
out = []
for n, v, t, seed in json.loads(sys.argv[2]):
    s = data.split_indices(n, v, t, seed)
    out.append({k: s[k].tolist() for k in ("train", "validation", "test")} | {"order": data.permutation(n, data.epoch_seed(seed, 3)).tolist()})
print(json.dumps(out))`,
          [pkg, JSON.stringify(cases)],
        ),
      ) as { train: number[]; validation: number[]; test: number[]; order: number[] }[];
      cases.forEach(([n, v, t, seed], k) => {
        const s = splitIndices(n, v, t, seed);
        const where = `n=${n} fractions ${v}/${t} seed ${seed}`;
        expect(py[k]!.train, where).toEqual(Array.from(s.train));
        expect(py[k]!.validation, where).toEqual(Array.from(s.validation));
        expect(py[k]!.test, where).toEqual(Array.from(s.test));
        expect(py[k]!.order, `epoch order, ${where}`).toEqual(Array.from(permutation(n, (seed * 1000003 + 3) >>> 0)));
      });
    });

    it("two gloo ranks read disjoint shares of a folder of 2,000 PNGs whose union is the engine's training split, pixels as the engine decodes them", async () => {
      const folder = join(work, 'pngs');
      makePngFolder(folder, 500);
      // The template's split settings, which train.py reads from config.json.
      const split = {
        validationFraction: doc.data!.validationFraction,
        testFraction: doc.data!.testFraction,
        seed: doc.data!.seed,
      };
      const engine = await imageFolderDataset(listImageFolder(folder), nodeImageAccess, {
        height: 28,
        width: 28,
        channels: 1,
        ...split,
      });
      const engineTrain = Array.from({ length: engine.train.size }, (_, i) => engine.train.file(i).path);
      const nTrain = engineTrain.length;
      expect(nTrain).toBe(splitIndices(2000, split.validationFraction, split.testFraction, split.seed).train.length);

      // The same pixels: the engine's decode + antialiased resize + grey conversion vs data.py's.
      const picks = [0, 1, 2, 3, 700, nTrain - 1];
      const enginePixels = await Promise.all(picks.map(async (i) => Array.from((await engine.train.example(i)).x)));
      const pyPixels = JSON.parse(
        runPython(
          `import sys, json; sys.path.insert(0, sys.argv[1]); import data
v, t, seed = json.loads(sys.argv[4])
spec = {"input_shape": (28, 28, 1), "inputs": {"image": (28, 28, 1)}, "validation_fraction": v, "test_fraction": t, "seed": seed}
d = data.open_dataset(sys.argv[2], spec)
print(json.dumps({"kind": d["kind"], "files": [data.describe_example(d["train"], i) for i in range(len(d["train"]))],
                  "pixels": [d["train"][i][0][0].flatten().tolist() for i in json.loads(sys.argv[3])]}))`,
          [
            pkg,
            folder,
            JSON.stringify(picks),
            JSON.stringify([split.validationFraction, split.testFraction, split.seed]),
          ],
        ),
      ) as { kind: string; files: string[]; pixels: number[][] };
      expect(pyPixels.kind).toBe('images');
      expect(pyPixels.files).toEqual(engineTrain);
      let maxDiff = 0;
      pyPixels.pixels.forEach((row, k) =>
        row.forEach((v, j) => (maxDiff = Math.max(maxDiff, Math.abs(v - enginePixels[k]![j]!)))),
      );
      expect(maxDiff).toBeLessThan(1e-5);

      const rec = join(work, 'seen');
      const r = spawnSync(
        PYTHON,
        [
          'train.py',
          '--data',
          folder,
          '--nproc',
          '2',
          '--device',
          'cpu',
          '--epochs',
          '1',
          '--batch-size',
          '64',
          '--record-examples',
          rec,
          '--json',
          '--checkpoint-dir',
          join(work, 'ck'),
        ],
        {
          cwd: pkg,
          encoding: 'utf8',
          timeout: 170_000,
          env: { ...process.env, OMP_NUM_THREADS: '1' },
        },
      );
      expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
      const ranks = readdirSync(rec).sort();
      expect(ranks).toEqual(['rank0-epoch1.txt', 'rank1-epoch1.txt']);
      const [a, b] = ranks.map((f) => readFileSync(join(rec, f), 'utf8').trim().split('\n'));
      expect(a!.length + b!.length).toBe(nTrain);
      const inA = new Set(a);
      expect(b!.filter((f) => inA.has(f))).toEqual([]);
      expect([...a!, ...b!].sort()).toEqual([...engineTrain].sort());
      // Rank 0 reads positions 0, 2, 4… of the app's epoch order: the app's batch is the two shares together.
      const order = permutation(nTrain, (doc.training.seed * 1000003 + 0) >>> 0);
      expect(a!.slice(0, 5)).toEqual([0, 2, 4, 6, 8].map((k) => engineTrain[order[k]!]));
      const records = r.stdout
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(records.find((x) => x.event === 'start')).toMatchObject({
        world: 2,
        train: nTrain,
        validation: engine.validation.size,
        test: engine.test.size,
        data_kind: 'images',
        micro_batch: 32,
      });
      const end = records.find((x) => x.event === 'end') as { peak_rss_mib: number[] };
      expect(end.peak_rss_mib).toHaveLength(2);
      console.log(
        `2 ranks × ${nTrain} training PNGs: peak memory per rank ${end.peak_rss_mib.map((m) => m.toFixed(0)).join(' / ')} MiB; ${JSON.stringify(records.find((x) => x.event === 'epoch'))}`,
      );
    }, 200_000);
  },
);
