/**
 * The export's pure parts: per-kind emitter coverage, generated model.py, weight naming and
 * layouts, and the byte formats (safetensors, ZIP/npy, torch.save, tfjs manifests).
 * Numeric agreement with PyTorch is in pytorchParity.test.ts and torchrun.test.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadGraphDoc } from '../graph/load.js';
import type { GraphDoc } from '../graph/schema.js';
import { KINDS } from '../kinds/registry.js';
import { crc32, npy, tfjsWeightsFromArtifacts, zip } from './archive.js';
import { PYTORCH_EMITTERS } from './pytorch/emitters.js';
import { exportPytorch, ExportError, generateModelPy } from './pytorch/index.js';
import { pyIdent, uniqueIdents } from './pytorch/python.js';
import { torchSaveStateDict } from './torchSave.js';
import {
  decodeSafetensors,
  encodeSafetensors,
  kernelFromTorch,
  kernelToTorch,
  torchLocalName,
  torchToTfjs,
  weightNameMap,
  WeightsError,
  type NamedArrays,
} from './weights.js';

const template = (): GraphDoc =>
  loadGraphDoc(readFileSync(join(__dirname, '..', '..', 'templates', 'mnist-perceiver-io.json'), 'utf8'), 'mnist');
const arr = (shape: number[], f = (i: number) => i): { shape: number[]; data: Float32Array } => ({
  shape,
  data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => f(i)),
});

describe('PyTorch emitters', () => {
  it('exist for every registered kind', () => {
    const missing = KINDS.map((k) => k.kind).filter((k) => !PYTORCH_EMITTERS[k]);
    expect(missing, 'kinds without a PyTorch emitter (add one to engine/export/pytorch/emitters.ts)').toEqual([]);
  });
  it('name no kind that is not registered', () => {
    const known = new Set(KINDS.map((k) => k.kind));
    expect(Object.keys(PYTORCH_EMITTERS).filter((k) => !known.has(k))).toEqual([]);
  });
});

describe('model.py', () => {
  it('mirrors the graph node by node with resolved defaults and shared layers', () => {
    const m = generateModelPy(template());
    expect(m.className).toBe('MNISTPerceiverIO');
    expect(m.params).toBe(96_292);
    expect(m.source).toContain('class MNISTPerceiverIO(nn.Module):');
    expect(m.source).toContain('self.encoder = AttentionBlock(dq=64, dkv=42, qk=42, v=42, heads=1');
    expect(m.source).toContain('self.stack = LatentStack(layers_per_block=2, blocks=2, share_weights=True');
    expect(m.source).toContain('def forward(self, image):');
    expect(m.source).toContain('encoder = self.encoder(latents, fourier)');
    expect(m.source).toContain('INPUTS = {"image": (28, 28, 1)}');
    expect(m.source).toContain('NUM_PARAMETERS = 96292');
    expect(m.weightModules).toContainEqual({ tfLayer: 'stack__layer1', torchPath: 'stack.layers.1' });
    expect(m.weightModules.filter((w) => w.tfLayer.startsWith('stack'))).toHaveLength(2);
  });

  it('refuses an invalid graph naming the node', () => {
    const doc = template();
    doc.nodes.find((n) => n.id === 'stack')!.params = { heads: 5 };
    expect(() => generateModelPy(doc)).toThrow(ExportError);
    expect(() => generateModelPy(doc)).toThrow(/"stack".*heads/);
  });

  it('makes node ids into distinct Python identifiers', () => {
    expect(pyIdent('class')).toBe('class_');
    expect(pyIdent('3d')).toBe('n_3d');
    expect(pyIdent('a.b-c')).toBe('a_b_c');
    expect(pyIdent('forward')).toBe('forward_');
    expect([...uniqueIdents(['a.b', 'a_b', 'a-b']).values()]).toEqual(['a_b', 'a_b_2', 'a_b_3']);
  });

  it('writes a package whose trained weights must match the template', () => {
    const doc = template();
    const files = exportPytorch(doc).files;
    for (const f of ['model.py', 'perceiver_layers.py', 'data.py', 'train.py', 'README.md', 'config.json'])
      expect(files.has(f), f).toBe(true);
    expect(files.has('weights.pt')).toBe(false);
    const wrong: NamedArrays = new Map([['head/kernel', arr([64, 10])]]);
    expect(() => exportPytorch(doc, { weights: wrong, weightsSource: 'run7' })).toThrow(
      /run7 hold 640 values but "MNIST Perceiver IO" has 96,292/,
    );
  });
});

describe('weight names and layouts', () => {
  it('maps tfjs names to PyTorch names', () => {
    expect(torchLocalName('q_kernel')).toEqual({ name: 'q.weight', transpose: true });
    expect(torchLocalName('ln_mlp_gamma')).toEqual({ name: 'ln_mlp.weight', transpose: false });
    expect(torchLocalName('ln_q_beta')).toEqual({ name: 'ln_q.bias', transpose: false });
    expect(torchLocalName('kernel')).toEqual({ name: 'linear.weight', transpose: true });
    expect(torchLocalName('array')).toEqual({ name: 'array', transpose: false });
    expect(torchLocalName('moving_mean', { moving_mean: 'running_mean' })).toEqual({
      name: 'running_mean',
      transpose: false,
    });
    const map = weightNameMap(generateModelPy(template()).weightModules);
    expect(map.toTorch('stack__layer0/mlp1_kernel')).toEqual({ name: 'stack.layers.0.mlp1.weight', transpose: true });
    expect(() => map.toTorch('nope/q_kernel')).toThrow(/belongs to no layer/);
  });

  it('transposes Linear kernels and permutes conv kernels, and back', () => {
    const lin = arr([2, 3]);
    expect(kernelToTorch(lin)).toEqual({ shape: [3, 2], data: Float32Array.from([0, 3, 1, 4, 2, 5]) });
    const conv = arr([7, 5, 3, 4]); // [kh, kw, in, out]
    const t = kernelToTorch(conv);
    expect(t.shape).toEqual([4, 3, 7, 5]);
    // torch[o][i][y][x] == tfjs[y][x][i][o]
    expect(t.data[((2 * 3 + 1) * 7 + 6) * 5 + 4]).toBe(conv.data[((6 * 5 + 4) * 3 + 1) * 4 + 2]);
    expect(kernelFromTorch(t)).toEqual(conv);
  });

  it('imports a state dict checking names, shapes and leftovers', () => {
    const map = weightNameMap([{ tfLayer: 'head', torchPath: 'head' }]);
    const expected = [
      { name: 'head/kernel', shape: [3, 2] },
      { name: 'head/bias', shape: [2] },
    ];
    const state: NamedArrays = new Map([
      ['head.linear.weight', arr([2, 3])],
      ['head.linear.bias', arr([2])],
      ['x.num_batches_tracked', arr([])],
    ]);
    const back = torchToTfjs(state, expected, map);
    expect(back.get('head/kernel')!.shape).toEqual([3, 2]);
    expect(() => torchToTfjs(new Map([['head.linear.bias', arr([2])]]), expected, map, 'ck.safetensors')).toThrow(
      /ck.safetensors has no tensor "head.linear.weight"/,
    );
    expect(() => torchToTfjs(new Map([...state, ['head.linear.weight', arr([3, 3])]]), expected, map)).toThrow(
      /has shape \[3, 3\]/,
    );
    expect(() => torchToTfjs(new Map([...state, ['extra', arr([1])]]), expected, map)).toThrow(/does not use: extra/);
  });
});

describe('byte formats', () => {
  it('safetensors round-trips with metadata and refuses junk', () => {
    const m: NamedArrays = new Map([
      ['a.weight', arr([2, 3], (i) => i / 3)],
      ['s', arr([])],
    ]);
    const bytes = encodeSafetensors(m, { epoch: '3' });
    const header = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(header % 8).toBe(0);
    const back = decodeSafetensors(bytes);
    expect(back.metadata).toEqual({ epoch: '3' });
    expect(back.arrays.get('a.weight')).toEqual(m.get('a.weight'));
    expect(() => decodeSafetensors(Uint8Array.of(1, 2, 3))).toThrow(WeightsError);
    expect(() => decodeSafetensors(new Uint8Array(16).fill(0xff), 'x.safetensors')).toThrow(
      /x.safetensors is not a safetensors file/,
    );
  });

  it("safetensors weights are read with the HF reader's checks: overlapping tensors and integer tensors are refused by name", () => {
    const file = (header: object, dataBytes: number): Uint8Array => {
      const json = new TextEncoder().encode(JSON.stringify(header));
      const out = new Uint8Array(8 + json.length + dataBytes);
      new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
      out.set(json, 8);
      return out;
    };
    const overlap = file(
      { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } },
      12,
    );
    expect(() => decodeSafetensors(overlap, 'w.safetensors')).toThrow(
      /w.safetensors is not a safetensors file this app can read: tensors "a" and "b" overlap/,
    );
    const ints = file({ step: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, 8);
    expect(() => decodeSafetensors(ints, 'w.safetensors')).toThrow(
      /w.safetensors: tensor "step" has dtype I64; only F32, F16 and BF16 weights can be imported/,
    );
    const half = file({ h: { dtype: 'F16', shape: [2], data_offsets: [0, 4] } }, 4);
    half.set([0x00, 0x3c, 0x00, 0xc0], half.length - 4); // 1, −2 in binary16
    expect([...decodeSafetensors(half).arrays.get('h')!.data]).toEqual([1, -2]);
  });

  it('writes ZIP entries with correct CRCs, and npy headers aligned to 64 bytes', () => {
    expect(crc32(Uint8Array.from('123456789', (c) => c.charCodeAt(0)))).toBe(0xcbf43926);
    const a = npy({ shape: [2, 3], data: new Float32Array(6) });
    expect((10 + new DataView(a.buffer).getUint16(8, true)) % 64).toBe(0);
    expect(a.length).toBe(10 + new DataView(a.buffer).getUint16(8, true) + 24);
    const z = zip([{ name: 'x/y', data: Uint8Array.of(1, 2) }], { align: 64 });
    expect(new DataView(z.buffer).getUint32(0, true)).toBe(0x04034b50);
    expect(new DataView(z.buffer).getUint32(z.length - 22, true)).toBe(0x06054b50);
  });

  it('writes torch.save archives: pickle entry, one storage per tensor, version', () => {
    const bytes = torchSaveStateDict(new Map([['w', arr([2, 2])]]));
    const text = String.fromCharCode(...bytes);
    for (const name of [
      'weights/data.pkl',
      'weights/data/0',
      'weights/version',
      'torch._utils',
      '_rebuild_tensor_v2',
      'FloatStorage',
    ])
      expect(text).toContain(name);
  });

  it('reads tfjs weight manifests and reports truncated files', () => {
    const bin = new Uint8Array(new Float32Array([1, 2, 3, 4, 5]).buffer);
    const json = {
      weightsManifest: [
        {
          paths: ['weights.bin'],
          weights: [
            { name: 'a/kernel', shape: [2, 2], dtype: 'float32' },
            { name: 'a/bias', shape: [1], dtype: 'float32' },
          ],
        },
      ],
    };
    const w = tfjsWeightsFromArtifacts(json, () => bin);
    expect(w.get('a/bias')!.data).toEqual(Float32Array.of(5));
    expect(() => tfjsWeightsFromArtifacts(json, () => bin.subarray(0, 8), 'run/model.json')).toThrow(
      /run\/model.json: the weight files end before "a\/kernel"/,
    );
    expect(() => tfjsWeightsFromArtifacts({}, () => bin)).toThrow(/no weightsManifest/);
  });
});
