/**
 * Test support for the exports: the system PyTorch (Debian's python3-torch at /usr/bin/python3;
 * the `python3` on PATH may lack torch), and a seeded generator of small valid graphs.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mulberry32 } from '../data/random.js';
import type { GraphDoc } from '../graph/schema.js';
import { graphDocSchema } from '../graph/schema.js';

export const PYTHON = process.env.PERCEIVER_PYTHON ?? '/usr/bin/python3';

let torchChecked: string | null | undefined;
/** null when PYTHON imports torch; otherwise why not (the reason a test prints when it skips). */
export function torchUnavailable(): string | null {
  if (torchChecked !== undefined) return torchChecked;
  if (!existsSync(PYTHON))
    return (torchChecked = `${PYTHON} does not exist; install python3-torch (apt) or set PERCEIVER_PYTHON`);
  const r = spawnSync(PYTHON, ['-c', 'import torch, numpy; print(torch.__version__)'], { encoding: 'utf8' });
  torchChecked =
    r.status === 0
      ? null
      : `${PYTHON} cannot import torch/numpy (${(r.stderr || '').trim().split('\n').pop()}); install python3-torch`;
  return torchChecked;
}

/** Run a Python script; throws with its stderr when it fails. */
export function runPython(
  script: string,
  args: string[] = [],
  opts: { cwd?: string; timeoutMs?: number; env?: Record<string, string> } = {},
): string {
  const r = spawnSync(PYTHON, ['-c', script, ...args], {
    encoding: 'utf8',
    cwd: opts.cwd,
    timeout: opts.timeoutMs ?? 120_000,
    env: { ...process.env, OMP_NUM_THREADS: '1', ...opts.env },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`python failed (${r.status ?? r.signal}):\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
}

/**
 * A small valid Perceiver IO graph drawn from a seed: varies image size, patches, Fourier
 * options, latent sizes, heads, qk/v widths, widening, GELU form, residuals, sharing, decoder
 * queries, projection and chunking.
 */
export function randomGraph(seed: number): GraphDoc {
  const r = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const s = pick([1, 2, 4]);
  const h = s * pick([2, 3, 4]);
  const w = s * pick([2, 3]);
  const ch = pick([1, 2, 3]);
  const linearChannels = pick([0, 0, 6]);
  const D = pick([8, 12, 16]);
  const selfHeads = pick([1, 2, 4].filter((x) => D % x === 0));
  const E = pick([8, 12]);
  const O = pick([1, 2, 4]);
  const chunk = O > 1 ? pick([0, O / 2]) : 0;
  const concatPos = r() < 0.7;
  const sineOnly = r() < 0.3;
  const numBands = pick([1, 2, 3]);
  const rawC = linearChannels || s * s * ch;
  const peC = 2 * ((sineOnly ? 1 : 2) * numBands + (concatPos ? 1 : 0));
  const kvC = rawC + peC;
  const crossHeads = pick([1, 2].filter((x) => kvC % x === 0));
  const doc = {
    schemaVersion: 1,
    name: `generated ${seed}`,
    nodes: [
      { id: 'image', kind: 'ImageInput', params: { height: h, width: w, channels: ch } },
      { id: 'patches', kind: 'ImagePatches', params: { spatialDownsample: s, linearChannels } },
      {
        id: 'fourier',
        kind: 'FourierPosition',
        params: { numBands, concatPos, sineOnly, maxResolution: r() < 0.5 ? null : [h / s + 1, w / s + 2] },
      },
      { id: 'latents', kind: 'LatentArray', params: { numLatents: pick([3, 5, 8]), channels: D } },
      {
        id: 'encoder',
        kind: 'CrossAttention',
        params: {
          heads: crossHeads,
          widening: pick([1, 2]),
          gelu: pick(['tanh', 'erf']),
          useQueryResidual: r() < 0.8,
          qkChannels: r() < 0.3 ? 2 * crossHeads * 3 : null,
        },
      },
      {
        id: 'stack',
        kind: 'LatentStack',
        params: {
          layersPerBlock: pick([1, 2]),
          blocks: pick([1, 2]),
          shareWeights: r() < 0.5,
          heads: selfHeads,
          gelu: pick(['tanh', 'erf']),
          widening: pick([1, 2]),
        },
      },
      { id: 'query', kind: 'TrainableQuery', params: { numQueries: O, channels: E } },
      {
        id: 'decoder',
        kind: 'DecoderCrossAttention',
        params: {
          heads: 1,
          useQueryResidual: r() < 0.5,
          outputChannels: pick([0, 6]),
          chunkSize: chunk,
          gelu: pick(['tanh', 'erf']),
          vChannels: r() < 0.3 ? 10 : null,
        },
      },
      { id: 'head', kind: 'ClassificationHead', params: { numClasses: pick([2, 3, 5]) } },
    ],
    edges: [
      ['image', 'patches', 'in'],
      ['patches', 'fourier', 'in'],
      ['latents', 'encoder', 'q'],
      ['fourier', 'encoder', 'kv'],
      ['encoder', 'stack', 'in'],
      ['query', 'decoder', 'q'],
      ['stack', 'decoder', 'kv'],
      ['decoder', 'head', 'in'],
    ].map(([a, b, port], i) => ({ id: `e${i}`, source: { node: a, port: 'out' }, target: { node: b, port } })),
    training: { seed },
  };
  return graphDocSchema.parse(doc);
}

/** A folder of `perClass`×`classes` small PNGs (varied sizes, grey and colour), written by Pillow. */
export function makePngFolder(dir: string, perClass: number, classes = 4, size = 32): void {
  runPython(
    `import os, sys, numpy as np
from PIL import Image
root, per, k, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rng = np.random.default_rng(0)
for c in range(k):
    os.makedirs(os.path.join(root, f"class{c}"), exist_ok=True)
    for i in range(per):
        w, h = size + int(rng.integers(0, 9)), size - int(rng.integers(0, 5))
        a = (rng.random((h, w, 3)) * 80 + c * 50).astype(np.uint8)
        Image.fromarray(a if i % 3 else a[..., 0], "RGB" if i % 3 else "L").save(os.path.join(root, f"class{c}", f"img{i:05d}.png"))`,
    [dir, String(perClass), String(classes), String(size)],
  );
}
