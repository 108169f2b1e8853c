/**
 * import-hf → model folder → predict, on every Hugging Face fixture class: the parameter count
 * is exact and predict's HF-named outputs equal HF's own logits within the fixture tolerance.
 */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseNpy, parseNpz } from '../data/npy.js';
import { readSafetensors, writeSafetensors } from '../hf/safetensors.js';
import { readModelFolder } from '../node/modelFolder.js';
import { importHfCommand } from './importHf.js';
import { predictCommand } from './predict.js';

const fixtures = join(__dirname, '..', '..', '..', 'shared', 'hf-fixtures');
const tmp = mkdtempSync(join(tmpdir(), 'hf-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Case {
  suffix: string;
  inputs: Record<string, { file: string; hf_forward_arg: string }>;
  expected: Record<string, { file: string }>;
  subsampled_output_points?: Record<string, { file: string } | null>;
  tolerance_abs: number | Record<string, number>;
}
interface Fixture {
  class: string;
  num_parameters: number;
  cases: Case[];
}

function capture() {
  const lines: string[] = [];
  const errs: string[] = [];
  return { out: { log: (s: string) => lines.push(s), err: (s: string) => errs.push(s) }, lines, errs };
}

const CLASSES = readdirSync(fixtures).filter((d) => d.startsWith('PerceiverFor'));

function checkClose(actual: Float32Array, expected: Float32Array, tol: number, what: string): number {
  expect(actual.length, what).toBe(expected.length);
  let max = 0;
  for (let i = 0; i < expected.length; i++) max = Math.max(max, Math.abs(actual[i]! - expected[i]!));
  expect(max, `${what}: max |diff| ${max} > ${tol}`).toBeLessThanOrEqual(tol);
  return max;
}

async function predictCase(modelDir: string, dir: string, c: Case, name: string): Promise<void> {
  const args = [modelDir];
  for (const inp of Object.values(c.inputs)) {
    const arg = inp.hf_forward_arg.replace(/^inputs\['(\w+)'\]$/, '$1');
    args.push('--input', `${arg}=${join(dir, inp.file)}`);
  }
  for (const [mod, p] of Object.entries(c.subsampled_output_points ?? {}))
    if (p) args.push('--input', `subsampled_output_points_${mod}=${join(dir, p.file)}`);
  const outFile = join(tmp, `${name}${c.suffix}.npz`);
  args.push('--out', outFile, '--json');
  const cap = capture();
  const code = await predictCommand(args, cap.out);
  expect(code, cap.errs.join('\n')).toBe(0);
  const got = await parseNpz(new Uint8Array(readFileSync(outFile)));
  for (const [key, e] of Object.entries(c.expected)) {
    const m = /^logits(?:\[(\w+)\])?$/.exec(key);
    if (!m) continue;
    const outName = m[1] ?? 'logits';
    const exp = parseNpy(new Uint8Array(readFileSync(join(dir, e.file))));
    const act = got.get(outName);
    expect(act, `${name}${c.suffix}: output "${outName}"`).toBeDefined();
    expect(act!.shape).toEqual(exp.shape);
    const tol = typeof c.tolerance_abs === 'number' ? c.tolerance_abs : c.tolerance_abs[outName]!;
    checkClose(act!.data, exp.data, tol, `${name}${c.suffix} ${outName}`);
  }
}

describe('import-hf + predict on the HF fixtures', () => {
  for (const name of CLASSES) {
    it(`${name}: exact parameter count, predict reproduces HF's logits`, async () => {
      const dir = join(fixtures, name);
      const fx = JSON.parse(readFileSync(join(dir, 'fixture.json'), 'utf8')) as Fixture;
      const modelDir = join(tmp, name);
      const cap = capture();
      const code = await importHfCommand([dir, '--out', modelDir, '--json'], cap.out);
      expect(code, cap.errs.join('\n')).toBe(0);
      const summary = JSON.parse(cap.lines[0]!) as {
        parameters: number;
        trainableParameters: number;
        buffers: number;
        savedValues: number;
        imported: string;
      };
      expect(summary.imported).toBe(fx.class);
      expect(summary.parameters).toBe(fx.num_parameters);
      expect(summary.trainableParameters).toBe(fx.num_parameters);
      // BatchNorm running mean/variance are kept (num_batches_tracked is not a model weight).
      expect(summary.savedValues).toBe(fx.num_parameters + Math.max(0, summary.buffers - 1));
      expect(readdirSync(modelDir).sort()).toEqual(['graph.json', 'model-info.json', 'model.json', 'weights.bin']);
      const info = JSON.parse(readFileSync(join(modelDir, 'model-info.json'), 'utf8'));
      expect(info.source.kind).toBe('huggingface');
      expect(info.source.class).toBe(fx.class);
      expect(info.source.config.architectures).toEqual([fx.class]);
      for (const c of fx.cases) await predictCase(modelDir, dir, c, name);
    }, 60_000);
  }

  it('PerceiverForMaskedLM from pytorch_model.bin alone gives the same model folder weights', async () => {
    const src = join(fixtures, 'PerceiverForMaskedLM');
    const only = join(tmp, 'mlm-bin');
    mkdirSync(only);
    copyFileSync(join(src, 'config.json'), join(only, 'config.json'));
    copyFileSync(join(src, 'pytorch_model.bin'), join(only, 'pytorch_model.bin'));
    const cap = capture();
    expect(await importHfCommand([only, '--out', join(tmp, 'mlm-from-bin')], cap.out)).toBe(0);
    expect(cap.lines.join('\n')).toMatch(/parameters: 45,222/);
    expect(cap.lines.join('\n')).toMatch(/pytorch_model\.bin/);
    if (!existsSync(join(tmp, 'PerceiverForMaskedLM')))
      expect(await importHfCommand([src, '--out', join(tmp, 'PerceiverForMaskedLM')], capture().out)).toBe(0);
    expect(
      readFileSync(join(tmp, 'mlm-from-bin', 'weights.bin')).equals(
        readFileSync(join(tmp, 'PerceiverForMaskedLM', 'weights.bin')),
      ),
    ).toBe(true);
    const fx = JSON.parse(readFileSync(join(src, 'fixture.json'), 'utf8')) as Fixture;
    await predictCase(join(tmp, 'mlm-from-bin'), src, fx.cases[0]!, 'mlm-bin');
  }, 60_000);

  it('ordinary files for HF models: images through the HF image processor, text through the byte tokenizer', async () => {
    const { PNG } = await import('pngjs');
    const { npy } = await import('../export/archive.js');
    const { perceiverImageProcessor } = await import('../hf/imageProcessor.js');
    const { encodePerceiver } = await import('../hf/tokenizer.js');
    const pdir = join(fixtures, 'PerceiverImageProcessor');
    const img = parseNpy(new Uint8Array(readFileSync(join(pdir, 'input_image_hwc_uint8.npy'))));
    const [h, w] = img.shape as [number, number];
    const png = new PNG({ width: w, height: h });
    for (let i = 0; i < h * w; i++) {
      for (let c = 0; c < 3; c++) png.data[i * 4 + c] = img.data[i * 3 + c]!;
      png.data[i * 4 + 3] = 255;
    }
    const pngFile = join(tmp, 'photo.png');
    writeFileSync(pngFile, PNG.sync.write(png));
    const learned = join(tmp, 'files-learned');
    expect(
      await importHfCommand(
        [join(fixtures, 'PerceiverForImageClassificationLearned'), '--out', learned],
        capture().out,
      ),
    ).toBe(0);
    // The same pixel values by hand: PerceiverImageProcessor (224/256 crop) resized to the model's 8×8 input.
    const pv = perceiverImageProcessor({ shape: [h, w, 3], data: Uint8Array.from(img.data) }, { outputSize: 8 });
    writeFileSync(join(tmp, 'pv.npy'), npy({ shape: pv.shape, data: pv.data }));
    const a = capture();
    expect(
      await predictCommand([learned, pngFile, '--out', join(tmp, 'a.npz'), '--top-k', '1'], a.out),
      a.errs.join(),
    ).toBe(0);
    expect(a.lines.join('\n')).toMatch(/photo\.png: LABEL_\d \d+\.\d%/);
    expect(
      await predictCommand(
        [learned, '--input', `inputs=${join(tmp, 'pv.npy')}`, '--out', join(tmp, 'b.npz')],
        capture().out,
      ),
    ).toBe(0);
    const [ga, gb] = await Promise.all(
      [join(tmp, 'a.npz'), join(tmp, 'b.npz')].map(async (f) =>
        (await parseNpz(new Uint8Array(readFileSync(f)))).get('logits')!,
      ),
    );
    expect(Array.from(ga!.data)).toEqual(Array.from(gb!.data));

    const mlm = join(tmp, 'files-mlm');
    expect(await importHfCommand([join(fixtures, 'PerceiverForMaskedLM'), '--out', mlm], capture().out)).toBe(0);
    writeFileSync(join(tmp, 'q.txt'), 'a b_c');
    const t = capture();
    expect(
      await predictCommand([mlm, join(tmp, 'q.txt'), '--out', join(tmp, 'c.npz'), '--json'], t.out),
      t.errs.join(),
    ).toBe(0);
    const res = JSON.parse(t.lines[0]!) as { text: string[] };
    expect(res.text[0]).toMatch(/^a b.c$/s);
    const enc = encodePerceiver('a b_c', { maxLength: 16, padToMaxLength: true });
    const ids = enc.inputIds.map((id) => (id === 95 + 6 ? 3 : id));
    writeFileSync(join(tmp, 'ids.npy'), npy({ shape: [1, 16], data: Float32Array.from(ids) }));
    writeFileSync(join(tmp, 'mask.npy'), npy({ shape: [1, 16], data: Float32Array.from(enc.attentionMask) }));
    expect(
      await predictCommand(
        [
          mlm,
          '--input',
          `inputs=${join(tmp, 'ids.npy')}`,
          '--input',
          `attention_mask=${join(tmp, 'mask.npy')}`,
          '--out',
          join(tmp, 'd.npz'),
        ],
        capture().out,
      ),
    ).toBe(0);
    const [gc, gd] = await Promise.all(
      [join(tmp, 'c.npz'), join(tmp, 'd.npz')].map(async (f) =>
        (await parseNpz(new Uint8Array(readFileSync(f)))).get('logits')!,
      ),
    );
    expect(Array.from(gc!.data)).toEqual(Array.from(gd!.data));
    await expect(predictCommand([mlm, pngFile], capture().out)).rejects.toThrow(
      /PerceiverForMaskedLM takes text files/,
    );
  }, 60_000);

  it('refuses bad folders with the file, key or shape named, and writes nothing', async () => {
    const src = join(fixtures, 'PerceiverForImageClassificationLearned');
    const mk = (name: string, edit: (d: string) => void) => {
      const d = join(tmp, name);
      mkdirSync(d);
      copyFileSync(join(src, 'config.json'), join(d, 'config.json'));
      copyFileSync(join(src, 'model.safetensors'), join(d, 'model.safetensors'));
      edit(d);
      return d;
    };
    const run = async (d: string, extra: string[] = []) => {
      const cap = capture();
      const out = join(tmp, `${d.split('/').pop()}-out`);
      const err = await importHfCommand([d, '--out', out, ...extra], cap.out).catch((e: unknown) => e as Error);
      return { err, cap, wrote: existsSync(out) };
    };
    const noCfg = await run(mk('no-config', (d) => rmSync(join(d, 'config.json'))));
    expect((noCfg.err as Error).message).toMatch(/has no config\.json/);
    const noW = await run(mk('no-weights', (d) => rmSync(join(d, 'model.safetensors'))));
    expect((noW.err as Error).message).toMatch(/no model\.safetensors or pytorch_model\.bin/);
    const unknown = await run(
      mk('unknown-class', (d) => {
        const c = JSON.parse(readFileSync(join(d, 'config.json'), 'utf8'));
        c.architectures = ['PerceiverForSomethingElse'];
        writeFileSync(join(d, 'config.json'), JSON.stringify(c));
      }),
    );
    expect((unknown.err as Error).message).toMatch(/config\.json.*PerceiverForSomethingElse/);
    const extraKey = await run(
      mk('extra-key', (d) => {
        const t = readSafetensors(new Uint8Array(readFileSync(join(d, 'model.safetensors'))));
        t.set('perceiver.surprise.weight', { dtype: 'F32', shape: [2], data: new Float32Array(2) });
        writeFileSync(join(d, 'model.safetensors'), writeSafetensors(t));
      }),
    );
    expect((extraKey.err as Error).message).toMatch(/perceiver\.surprise\.weight/);
    const missingKey = await run(
      mk('missing-key', (d) => {
        const t = readSafetensors(new Uint8Array(readFileSync(join(d, 'model.safetensors'))));
        t.delete('perceiver.embeddings.latents');
        writeFileSync(join(d, 'model.safetensors'), writeSafetensors(t));
      }),
    );
    expect((missingKey.err as Error).message).toMatch(
      /no tensor "perceiver\.embeddings\.latents" \(expected shape \[8, 32\]/,
    );
    const truncated = await run(
      mk('truncated', (d) =>
        writeFileSync(join(d, 'model.safetensors'), readFileSync(join(d, 'model.safetensors')).subarray(0, 5000)),
      ),
    );
    expect((truncated.err as Error).message).toMatch(/model\.safetensors/);
    for (const r of [noCfg, noW, unknown, extraKey, missingKey, truncated]) expect(r.wrote).toBe(false);
    // Memory guard: refused with the estimate, exit 4, nothing written.
    const tight = await run(
      mk('tight', () => undefined),
      ['--memory-limit', '0.0001'],
    );
    expect(tight.err).toBe(4);
    expect(tight.cap.errs.join('\n')).toMatch(
      /too large to import here\. Importing needs about 1\.5 MiB \(130,634 parameters/,
    );
    expect(tight.wrote).toBe(false);
    // A non-empty --out without --force.
    const busy = join(tmp, 'busy');
    mkdirSync(busy);
    writeFileSync(join(busy, 'x'), '');
    const cap = capture();
    await expect(importHfCommand([src, '--out', busy], cap.out)).rejects.toThrow(/is not empty; give --force/);
    expect(await importHfCommand([src, '--out', busy, '--force'], cap.out)).toBe(0);
    expect(readdirSync(busy)).not.toContain('x');
    const loaded = await readModelFolder(busy);
    expect(loaded.info.classNames).toHaveLength(10);
    loaded.model.dispose();
  }, 60_000);
});
