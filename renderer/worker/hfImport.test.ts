/**
 * The app's import path without a browser: Files of a fixture folder → the worker's importHf
 * (safetensors streamed with Blob.slice; pytorch_model.bin through the restricted unpickler) gives
 * the same graph and weights as the engine's reader on the whole file; the PyTorch export's Hugging Face folder has the
 * fixture's exact key list; picked/dropped paths are sorted into config + weights.
 */
import { describe, expect, it } from 'vitest';
import { hfConfigToGraph, hfToWeights } from '../../engine/hf/convert';
import { readSafetensors } from '../../engine/hf/safetensors';
import { hfFilesFrom, looksLikeHfFolder } from '../hf/hfImportStore';
import { hfStyleFiles, importedWeights, importFor, importHf } from './hfImport';

// Node's fs, reached without Node types (the renderer project has none); tests run in Node.
const fs = (await import(/* @vite-ignore */ ['node', 'fs'].join(':'))) as { readFileSync(p: URL): Uint8Array };
const fixtures = new URL('../../../shared/hf-fixtures/', import.meta.url);
const bytes = (dir: string, name: string) => new Uint8Array(fs.readFileSync(new URL(`${dir}/${name}`, fixtures)));
const file = (dir: string, name: string) => new File([bytes(dir, name)], name);
const text = (dir: string, name: string) => new TextDecoder().decode(bytes(dir, name));

describe('app import of a Hugging Face folder (worker side)', () => {
  it('model.safetensors read per tensor from a File: same graph and weights as the engine reading the whole file', async () => {
    const dir = 'PerceiverForImageClassificationConvProcessing';
    const progress: number[] = [];
    const imp = await importHf(
      { folder: dir, config: file(dir, 'config.json'), weights: file(dir, 'model.safetensors') },
      (done) => progress.push(done),
    );
    // The same through the engine directly, from the whole file.
    const config = JSON.parse(text(dir, 'config.json'));
    const built = hfConfigToGraph(config);
    const cli = {
      doc: built.doc,
      weights: hfToWeights(config, built.doc, readSafetensors(bytes(dir, 'model.safetensors'))),
    };
    expect(imp.summary).toMatchObject({
      hfClass: dir,
      parameters: 47_470,
      buffers: 129,
      stateDictEntries: 78,
      weightsFile: 'model.safetensors',
    });
    expect(imp.summary.classNames).toHaveLength(10);
    expect(imp.doc).toEqual(cli.doc);
    expect([...imp.weights.keys()]).toEqual([...cli.weights.keys()]);
    for (const [k, v] of cli.weights) expect(Array.from(imp.weights.get(k)!.data), k).toEqual(Array.from(v.data));
    expect(progress.length).toBe(78);
    expect(importFor(imp.doc)).toBe(imp);
    // A run after a worker restart re-reads the files.
    const again = await importedWeights({
      importId: 'gone',
      files: { folder: dir, config: file(dir, 'config.json'), weights: file(dir, 'model.safetensors') },
    });
    expect(again.summary.parameters).toBe(47_470);
  });

  it('pytorch_model.bin; bad files refused with the file named', async () => {
    const dir = 'PerceiverForMaskedLM';
    const imp = await importHf({
      folder: 'mlm',
      config: file(dir, 'config.json'),
      weights: file(dir, 'pytorch_model.bin'),
    });
    expect(imp.summary.parameters).toBe(45_222);
    await expect(
      importHf({
        folder: 'mlm',
        config: new File(['{"architectures": 1'], 'config.json'),
        weights: file(dir, 'pytorch_model.bin'),
      }),
    ).rejects.toThrow(/mlm\/config\.json is not valid JSON/);
    // The published language model with 8× the self-attention layers (~1.5 billion parameters) is beyond the page:
    // refused with the estimate before any weight is read (the published one, 201M, fits).
    const cfg = JSON.parse(text('real_configs', 'language-perceiver.config.json'));
    cfg.num_self_attends_per_block = 8 * cfg.num_self_attends_per_block;
    const big = new File([JSON.stringify(cfg)], 'config.json');
    await expect(
      importHf({ folder: 'wide', config: big, weights: new File([new Uint8Array(8)], 'model.safetensors') }),
    ).rejects.toThrow(
      /parameters; importing it in the app needs about \d+\.\d\d GiB \(three copies of the weights\), more than the 4\.00 GiB/,
    );
    const cut = new File([bytes(dir, 'model.safetensors').subarray(0, 3000)], 'model.safetensors');
    await expect(importHf({ folder: 'mlm', config: file(dir, 'config.json'), weights: cut })).rejects.toThrow(
      /model\.safetensors/,
    );
  });

  it("the export's huggingface/ folder has the class's exact keys, shapes and dtypes; a new head's classes become id2label", async () => {
    const dir = 'PerceiverForImageClassificationLearned';
    const imp = await importHf({
      folder: dir,
      config: file(dir, 'config.json'),
      weights: file(dir, 'model.safetensors'),
    });
    const hf = hfStyleFiles(imp.doc, undefined, undefined)!;
    expect(hf.files.map((f) => f.path)).toEqual(['huggingface/config.json', 'huggingface/model.safetensors']);
    const st = readSafetensors(hf.files[1]!.data);
    const keys = text(dir, 'state_dict_keys.txt').split('\n').slice(1).filter(Boolean);
    expect(
      [...st].map(([k, t]) => `${k}\t[${t.shape.join(', ')}]\t${t.dtype === 'F32' ? 'float32' : 'int64'}`),
    ).toEqual(keys);
    // Fine-tuned with 3 classes: the head and id2label follow.
    const doc = structuredClone(imp.doc);
    doc.nodes.find((n) => n.id === 'head')!.params.numClasses = 3;
    const weights = new Map(imp.weights);
    weights.set('head/kernel', { shape: [32, 3], data: new Float32Array(96) });
    weights.set('head/bias', { shape: [3], data: new Float32Array(3) });
    const ft = hfStyleFiles(doc, weights, ['top', 'middle', 'bottom'])!;
    const cfg = JSON.parse(new TextDecoder().decode(ft.files[0]!.data));
    expect(cfg.id2label).toEqual({ 0: 'top', 1: 'middle', 2: 'bottom' });
    expect(readSafetensors(ft.files[1]!.data).get('perceiver.decoder.decoder.final_layer.weight')!.shape).toEqual([
      3, 32,
    ]);
    expect(hfStyleFiles({ ...doc, origin: undefined }, weights, undefined)).toBeNull();
  });

  it('sorts picked or dropped paths into config.json + weights', () => {
    const f = (n: string) => new File(['x'], n.split('/').pop()!);
    const items = [
      'vision/config.json',
      'vision/pytorch_model.bin',
      'vision/model.safetensors',
      'vision/README.md',
    ].map((p) => ({ path: p, file: f(p) }));
    expect(looksLikeHfFolder(items)).toBe(true);
    const picked = hfFilesFrom(items);
    expect(picked.folder).toBe('vision');
    expect(picked.weights.name).toBe('model.safetensors');
    expect(hfFilesFrom(items.filter((i) => !i.path.endsWith('.safetensors'))).weights.name).toBe('pytorch_model.bin');
    expect(() => hfFilesFrom(items.filter((i) => !/\.(bin|safetensors)$/.test(i.path)))).toThrow(
      /vision\/ has config\.json but no model\.safetensors or pytorch_model\.bin/,
    );
    expect(() => hfFilesFrom([{ path: 'x/a.png', file: f('a.png') }])).toThrow(/no config\.json/);
    expect(looksLikeHfFolder([{ path: 'shapes/circle/1.png' }])).toBe(false);
  });
});
