import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { zip } from '../export/archive.js';
import { torchSaveStateDict } from '../export/torchSave.js';
import { PYTHON, torchUnavailable } from '../node/exportHarness.js';
import { readSafetensors } from './safetensors.js';
import { readTorchStateDict, restrictedUnpickle, TorchPickleError } from './torchPickle.js';

const fixtures = join(__dirname, '..', '..', '..', 'shared', 'hf-fixtures');
const tmp = mkdtempSync(join(tmpdir(), 'torch-pickle-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const read = (p: string) => new Uint8Array(readFileSync(p));
const py = (script: string) =>
  execFileSync(PYTHON, ['-c', script], { cwd: tmp, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

describe('pytorch_model.bin (restricted unpickler)', () => {
  it('reads the MaskedLM fixture exactly as its model.safetensors', async () => {
    const dir = join(fixtures, 'PerceiverForMaskedLM');
    const torch = await readTorchStateDict(read(join(dir, 'pytorch_model.bin')));
    const st = readSafetensors(read(join(dir, 'model.safetensors')));
    expect(torch.size).toBe(st.size);
    // Same keys in state-dict order (the key list), same dtypes, shapes and bits.
    const keys = readFileSync(join(dir, 'state_dict_keys.txt'), 'utf8')
      .split('\n')
      .slice(1)
      .filter(Boolean)
      .map((l) => l.split('\t')[0]);
    expect([...torch.keys()]).toEqual(keys);
    for (const [k, t] of st) {
      const u = torch.get(k)!;
      expect(u.dtype, k).toBe(t.dtype);
      expect(u.shape, k).toEqual(t.shape);
      expect(Array.from(u.data as Float32Array), k).toEqual(Array.from(t.data as Float32Array));
    }
  });

  it('reads what our own torch.save writer produces', async () => {
    const state = new Map([
      ['a.weight', { shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) }],
      ['b', { shape: [], data: Float32Array.from([-0.5]) }],
    ]);
    const out = await readTorchStateDict(torchSaveStateDict(state));
    expect(out.get('a.weight')).toEqual({ dtype: 'F32', shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) });
    expect(out.get('b')!.shape).toEqual([]);
    expect(Array.from(out.get('b')!.data as Float32Array)).toEqual([-0.5]);
  });

  it.skipIf(torchUnavailable() !== null)(
    'reads torch.save output with half, bfloat16, int64, strided views, shared storages, Parameters and _metadata',
    async () => {
      const expected = JSON.parse(
        py(`
import torch, json, collections
torch.manual_seed(0)
base = torch.randn(4, 6)
sd = collections.OrderedDict()
sd['half'] = torch.randn(3, 5).half()
sd['bf16'] = torch.randn(7).bfloat16()
sd['long'] = torch.tensor(12345678901, dtype=torch.int64)
sd['transposed'] = base.t()
sd['row2'] = base[2]
sd['column'] = base[:, 1]
sd['param'] = torch.nn.Parameter(torch.randn(2, 2))
sd['empty'] = torch.zeros(0, 3)
sd._metadata = collections.OrderedDict([('', {'version': 1})])
torch.save(sd, 'mixed.bin')
def flat(t):
    return t.detach().float().reshape(-1).tolist() if t.dtype != torch.int64 else [int(v) for v in t.reshape(-1).tolist()]
print(json.dumps({k: {'shape': list(v.shape), 'data': flat(v)} for k, v in sd.items()}))
`),
      ) as Record<string, { shape: number[]; data: number[] }>;
      const out = await readTorchStateDict(read(join(tmp, 'mixed.bin')), 'mixed.bin');
      expect([...out.keys()]).toEqual(Object.keys(expected));
      expect(out.get('half')!.dtype).toBe('F16');
      expect(out.get('bf16')!.dtype).toBe('BF16');
      expect(out.get('long')!.dtype).toBe('I64');
      expect(Array.from(out.get('long')!.data as BigInt64Array)).toEqual([12345678901n]);
      for (const [k, e] of Object.entries(expected)) {
        if (k === 'long') continue;
        const t = out.get(k)!;
        expect(t.shape, k).toEqual(e.shape);
        // float32 round trip of the reference values: exact.
        expect(Array.from(t.data as Float32Array), k).toEqual(Array.from(Float32Array.from(e.data)));
      }
    },
  );

  it('refuses a pickle that would call os.system, without running it', async () => {
    const marker = join(tmp, 'pwned');
    py(`
import pickle, zipfile, os
class Evil:
    def __reduce__(self):
        return (os.system, ('touch ${marker}',))
for proto, name in ((2, 'evil2.bin'), (4, 'evil4.bin')):
    with zipfile.ZipFile(name, 'w') as z:
        z.writestr('archive/data.pkl', pickle.dumps({'w': Evil()}, protocol=proto))
        z.writestr('archive/version', '3\\n')
`);
    for (const name of ['evil2.bin', 'evil4.bin']) {
      const err = await readTorchStateDict(read(join(tmp, name)), name).catch((e: unknown) => e as Error);
      expect(err).toBeInstanceOf(TorchPickleError);
      // posix.system on Linux: the refused global is named.
      expect((err as Error).message).toMatch(/refusing global "(posix|os|nt)\.system"/);
      expect((err as Error).message).toContain(name);
    }
    expect(existsSync(marker)).toBe(false);
  });

  it('refuses builtins reached by STACK_GLOBAL and any callable other than the tensor rebuilds', () => {
    const enc = (s: string) => [...new TextEncoder().encode(s)];
    const sbu = (s: string) => [0x8c, s.length, ...enc(s)];
    // proto 4: "builtins" "eval" STACK_GLOBAL
    expect(() =>
      restrictedUnpickle(Uint8Array.from([0x80, 4, ...sbu('builtins'), ...sbu('eval'), 0x93, 0x2e])),
    ).toThrow(/refusing global "builtins\.eval"/);
    // A dict applied as a function (REDUCE on a non-global).
    expect(() => restrictedUnpickle(Uint8Array.from([0x80, 2, 0x7d, 0x29, 0x52, 0x2e]))).toThrow(
      /refusing to call a dict/,
    );
    // OrderedDict called with arguments.
    const od = [0x63, ...enc('collections\nOrderedDict\n')];
    expect(() => restrictedUnpickle(Uint8Array.from([0x80, 2, ...od, 0x4b, 1, 0x85, 0x52, 0x2e]))).toThrow(
      /OrderedDict is applied to arguments/,
    );
  });

  it('refuses unknown opcodes by name and offset', () => {
    // NEWOBJ (0x81) on two empty tuples.
    expect(() => restrictedUnpickle(Uint8Array.from([0x80, 2, 0x29, 0x29, 0x81, 0x2e]), 'x.pkl')).toThrow(
      /x\.pkl byte 4: opcode 0x81 \(NEWOBJ\) is not accepted/,
    );
    // INST (text form) and a byte that is no opcode at all.
    expect(() => restrictedUnpickle(Uint8Array.from([0x80, 2, 0x69, 0x2e]))).toThrow(/0x69 \(INST\)/);
    expect(() => restrictedUnpickle(Uint8Array.from([0x80, 2, 0xff, 0x2e]))).toThrow(/opcode 0xff is not accepted/);
    // A storage persistent id with a non-storage type.
    const pid = [
      0x28,
      0x8c,
      7,
      ...new TextEncoder().encode('storage'),
      0x4e,
      0x8c,
      1,
      0x30,
      0x8c,
      3,
      ...new TextEncoder().encode('cpu'),
      0x4b,
      1,
      0x74,
      0x51,
      0x2e,
    ];
    expect(() => restrictedUnpickle(Uint8Array.from([0x80, 2, ...pid]))).toThrow(/storage type is null/);
  });

  it('refuses truncated and damaged files with a named error', async () => {
    const good = read(join(fixtures, 'PerceiverForMaskedLM', 'pytorch_model.bin'));
    await expect(readTorchStateDict(good.subarray(0, good.length - 100), 'cut.bin')).rejects.toThrow(
      /cut\.bin is not a readable PyTorch checkpoint: .*truncated/,
    );
    await expect(readTorchStateDict(new Uint8Array(10), 'tiny.bin')).rejects.toThrow(TorchPickleError);
    // A pickle cut in the middle.
    const pkl = (await readTorchStateDictPkl(good)).subarray(0, 500);
    expect(() => restrictedUnpickle(pkl)).toThrow(/truncated/);
    // A zip whose storage is shorter than the pickle declares.
    const torchBytes = torchSaveStateDict(
      new Map([['w', { shape: [4], data: Float32Array.from([1, 2, 3, 4]) }]]),
      'archive',
    );
    const { readZip } = await import('../data/zip.js');
    const members = await readZip(torchBytes);
    const entries = [...members].map(([name, data]) => ({
      name,
      data: name.endsWith('data/0') ? data.subarray(0, 8) : data,
    }));
    await expect(readTorchStateDict(zip(entries), 'short.bin')).rejects.toThrow(
      /short\.bin: tensor "w": its storage data\/0 has 8 bytes, fewer than the 4 × 4/,
    );
    // No data.pkl at all.
    await expect(readTorchStateDict(zip([{ name: 'a/b.txt', data: new Uint8Array(3) }]), 'nopkl.bin')).rejects.toThrow(
      /expected one <name>\/data\.pkl/,
    );
    // The legacy non-zip format.
    await expect(readTorchStateDict(Uint8Array.from([0x80, 2, 0x8a, 0x0a]), 'old.bin')).rejects.toThrow(/legacy/);
  });
});

async function readTorchStateDictPkl(bytes: Uint8Array): Promise<Uint8Array> {
  const { readZip } = await import('../data/zip.js');
  const m = await readZip(bytes);
  return [...m].find(([n]) => n.endsWith('data.pkl'))![1];
}
