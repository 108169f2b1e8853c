/**
 * Full-size published Perceivers (slow: `npm run test:slow`; measured 5 minutes for all six on
 * one core, peak 3.3 GB resident for the 201M-parameter language model). For each published configuration in ../shared/hf-fixtures/real_configs, a
 * model.safetensors of random weights is generated from its key list (written tensor by tensor),
 * imported with `import-hf` (streamed), and checked: the exact published parameter count, the
 * folder's weights, and one forward pass through `predict` with HF-named inputs giving finite
 * outputs of HF's shapes.
 *
 * PERCEIVER_SLOW_MODELS=language-perceiver,multimodal-perceiver picks some (default: all).
 * The optical-flow model's forward pass at its 368×496 train size needs far more than the wasm
 * backend's 4 GiB (the decoder queries every pixel), so for it only the import is checked.
 */
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { npy } from '../export/archive.js';
import { multimodalSizes, parseHfConfig } from '../hf/convert.js';
import { parseNpz } from '../data/npy.js';
import { importHfCommand } from './importHf.js';
import { predictCommand } from './predict.js';

const real = join(__dirname, '..', '..', '..', 'shared', 'hf-fixtures', 'real_configs');
const tmp = mkdtempSync(join(tmpdir(), 'hf-full-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Entry {
  hub_model_id: string;
  class: string;
  num_parameters: number;
  state_dict_entries: number;
  config: string;
  keys: string;
}
const entries = JSON.parse(readFileSync(join(real, 'param_counts.json'), 'utf8')) as Entry[];
const only = process.env.PERCEIVER_SLOW_MODELS?.split(',').filter(Boolean);

/** Write a safetensors file of random small weights for `keys`, one tensor at a time. */
function writeRandomSafetensors(path: string, keys: { key: string; shape: number[]; dtype: string }[]): void {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const k of keys) {
    const n = k.shape.reduce((a, b) => a * b, 1);
    const bytes = n * (k.dtype === 'int64' ? 8 : 4);
    header[k.key] = {
      dtype: k.dtype === 'int64' ? 'I64' : 'F32',
      shape: k.shape,
      data_offsets: [offset, offset + bytes],
    };
    offset += bytes;
  }
  let json = Buffer.from(JSON.stringify(header));
  const pad = (8 - (json.length % 8)) % 8;
  json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
  const fd = openSync(path, 'w');
  try {
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(json.length));
    writeSync(fd, len);
    writeSync(fd, json);
    let s = 12345;
    for (const k of keys) {
      const n = k.shape.reduce((a, b) => a * b, 1);
      if (k.dtype === 'int64') {
        writeSync(fd, Buffer.alloc(8 * n));
        continue;
      }
      const data = new Float32Array(n);
      // Small values (±0.02) keep activations tame; variances stay positive for BatchNorm.
      const positive = /running_var$/.test(k.key);
      for (let i = 0; i < n; i++) {
        s = (Math.imul(s, 1664525) + 1013904223) | 0;
        const u = (s >>> 0) / 2 ** 32;
        data[i] = positive ? 0.5 + u : (u - 0.5) * 0.04;
      }
      writeSync(fd, new Uint8Array(data.buffer));
    }
  } finally {
    closeSync(fd);
  }
}

function keysOf(file: string): { key: string; shape: number[]; dtype: string }[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const [key, shape, dtype] = l.split('\t') as [string, string, string];
      return { key, shape: JSON.parse(shape) as number[], dtype };
    });
}

/** HF forward inputs (batch 1) for a class, written as .npy files; returns --input arguments. */
function inputsFor(cls: string, config: Record<string, unknown>, dir: string): string[] {
  const write = (name: string, shape: number[], fill: (i: number) => number) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = fill(i);
    const f = join(dir, `${name}.npy`);
    writeFileSync(f, npy({ shape, data }));
    return ['--input', `${name}=${f}`];
  };
  const wave = (i: number) => Math.sin(i * 0.37) * 0.5;
  const size = config.image_size as number;
  switch (cls) {
    case 'PerceiverForMaskedLM': {
      const text = 'This is an incomplete sentence where some words are missing.';
      const ids = [4, ...[...Buffer.from(text)].map((b) => b + 6), 5];
      return [
        ...write('inputs', [1, ids.length], (i) => ids[i]!),
        ...write('attention_mask', [1, ids.length], () => 1),
      ];
    }
    case 'PerceiverForImageClassificationLearned':
    case 'PerceiverForImageClassificationFourier':
    case 'PerceiverForImageClassificationConvProcessing':
      return write('inputs', [1, 3, size, size], wave);
    case 'PerceiverForMultimodalAutoencoding': {
      const m = multimodalSizes(parseHfConfig(config));
      const labels = config.num_labels as number;
      // Decode a chunk of the output points (as HF's own example does), not all of them.
      return [
        ...write('image', [1, m.T, 3, m.H, m.W], wave),
        ...write('audio', [1, m.audioSamples, 1], wave),
        ...write('label', [1, labels], () => 0),
        ...write('subsampled_output_points_image', [m.imagePoints / 128], (i) => i),
        ...write('subsampled_output_points_audio', [m.audioPatches / 128], (i) => i),
      ];
    }
    default:
      return [];
  }
}

describe('full-size published Perceivers: streamed import, exact counts, a forward pass', () => {
  for (const e of entries) {
    const name = e.config.replace('.config.json', '');
    if (only && !only.includes(name)) continue;
    it(`${e.hub_model_id} (${e.class}): ${e.num_parameters.toLocaleString('en-US')} parameters`, async () => {
      const hf = join(tmp, name);
      mkdirSync(hf);
      const config = JSON.parse(readFileSync(join(real, e.config), 'utf8')) as Record<string, unknown>;
      writeFileSync(join(hf, 'config.json'), JSON.stringify(config));
      const keys = keysOf(join(real, e.keys));
      expect(keys).toHaveLength(e.state_dict_entries);
      writeRandomSafetensors(join(hf, 'model.safetensors'), keys);
      const lines: string[] = [];
      const errs: string[] = [];
      const out = { log: (s: string) => lines.push(s), err: (s: string) => errs.push(s) };
      const modelDir = join(tmp, `${name}-model`);
      const code = await importHfCommand([hf, '--out', modelDir, '--json'], out);
      expect(code, errs.join('\n')).toBe(0);
      // Large files report progress on stderr.
      expect(errs.some((l) => /^reading model\.safetensors: \d+%/.test(l))).toBe(true);
      const summary = JSON.parse(lines[0]!) as {
        parameters: number;
        trainableParameters: number;
        stateDictEntries: number;
      };
      expect(summary.parameters).toBe(e.num_parameters);
      expect(summary.trainableParameters).toBe(e.num_parameters);
      expect(summary.stateDictEntries).toBe(e.state_dict_entries);
      rmSync(hf, { recursive: true, force: true });
      const args = inputsFor(e.class, config, tmp);
      if (!args.length) return; // optical flow: see the header
      const outFile = join(tmp, `${name}.npz`);
      const pcode = await predictCommand([modelDir, ...args, '--out', outFile, '--backend', 'wasm', '--json'], out);
      expect(pcode, errs.join('\n')).toBe(0);
      const got = await parseNpz(new Uint8Array(readFileSync(outFile)));
      for (const [k, a] of got) {
        expect(a.data.every(Number.isFinite), `${k} finite`).toBe(true);
        if (k === 'logits' && e.class === 'PerceiverForMaskedLM')
          expect(a.shape).toEqual([1, config.max_position_embeddings, config.vocab_size]);
        if (k === 'logits' && e.class.startsWith('PerceiverForImageClassification'))
          expect(a.shape).toEqual([1, config.num_labels]);
      }
      if (e.class === 'PerceiverForMultimodalAutoencoding')
        expect([...got.keys()].sort()).toEqual(['audio', 'image', 'label']);
      rmSync(modelDir, { recursive: true, force: true });
    }, 900_000);
  }
});
