/**
 * import-hf → export --format hf → import-hf: the exported state dict has exactly the fixture's
 * keys, shapes, dtypes and order, the same tensors, and the re-imported model the same weights.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readSafetensors } from '../hf/safetensors.js';
import { readModelFolder } from '../node/modelFolder.js';
import { exportHfCommand } from './exportHf.js';
import { importHfCommand } from './importHf.js';

const fixtures = join(__dirname, '..', '..', '..', 'shared', 'hf-fixtures');
const tmp = mkdtempSync(join(tmpdir(), 'hf-export-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const quiet = { log: () => undefined, err: () => undefined };
const TORCH_DTYPE: Record<string, string> = { F32: 'float32', I64: 'int64' };

describe('export --format hf round trip', () => {
  for (const name of readdirSync(fixtures).filter((d) => d.startsWith('PerceiverFor'))) {
    it(`${name}: keys/shapes/dtypes as HF, same tensors, re-import equal`, async () => {
      const src = join(fixtures, name);
      const first = join(tmp, `${name}-1`);
      const hf = join(tmp, `${name}-hf`);
      const second = join(tmp, `${name}-2`);
      expect(await importHfCommand([src, '--out', first], quiet)).toBe(0);
      expect(await exportHfCommand({ modelDir: first, out: hf }, quiet)).toBe(0);
      expect(readdirSync(hf).sort()).toEqual(['config.json', 'model.safetensors']);
      const exported = readSafetensors(new Uint8Array(readFileSync(join(hf, 'model.safetensors'))));
      const keyLines = readFileSync(join(src, 'state_dict_keys.txt'), 'utf8').split('\n').slice(1).filter(Boolean);
      expect([...exported].map(([k, t]) => `${k}\t[${t.shape.join(', ')}]\t${TORCH_DTYPE[t.dtype]}`)).toEqual(keyLines);
      const original = readSafetensors(new Uint8Array(readFileSync(join(src, 'model.safetensors'))));
      for (const [k, t] of original) {
        if (k.endsWith('num_batches_tracked')) continue;
        expect(Array.from(exported.get(k)!.data as Float32Array), k).toEqual(Array.from(t.data as Float32Array));
      }
      const config = JSON.parse(readFileSync(join(hf, 'config.json'), 'utf8'));
      const orig = JSON.parse(readFileSync(join(src, 'config.json'), 'utf8'));
      expect(config.architectures).toEqual([name]);
      expect(config.id2label).toEqual(orig.id2label);
      expect(await importHfCommand([hf, '--out', second], quiet)).toBe(0);
      expect(readFileSync(join(second, 'weights.bin')).equals(readFileSync(join(first, 'weights.bin')))).toBe(true);
      // Refuses to overwrite without --force.
      await expect(exportHfCommand({ modelDir: first, out: hf }, quiet)).rejects.toThrow(/not empty; give --force/);
      expect(await exportHfCommand({ modelDir: first, out: hf, force: true }, quiet)).toBe(0);
    }, 60_000);
  }

  it('refuses a studio model that did not come from Hugging Face', async () => {
    const { compile } = await import('../compile/compile.js');
    const { loadGraphDoc } = await import('../graph/load.js');
    const { writeModelFolder } = await import('../node/modelFolder.js');
    const doc = loadGraphDoc(readFileSync(join(__dirname, '..', '..', 'templates', 'tabular-perceiver.json'), 'utf8'));
    const { model } = compile(doc);
    const dir = join(tmp, 'studio');
    await writeModelFolder(dir, { model, doc });
    model.dispose();
    await expect(exportHfCommand({ modelDir: dir, out: join(tmp, 'studio-hf') }, quiet)).rejects.toThrow(
      /was not imported from Hugging Face/,
    );
    const loaded = await readModelFolder(dir);
    expect(loaded.doc.origin).toBeUndefined();
    loaded.model.dispose();
  });
});
