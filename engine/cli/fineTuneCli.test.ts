/**
 * CLI fine-tuning: import-hf → train <model-dir> on a 3-class image folder with --freeze-encoder
 * --save-model → the saved folder keeps the imported encoder bit for bit, has a fresh 3-class
 * head, records what it started from; predict names the new classes; export --format hf writes
 * the new head and id2label.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { namedWeights } from '../export/tfjsModel.js';
import { readSafetensors } from '../hf/safetensors.js';
import { readModelFolder } from '../node/modelFolder.js';
import { runCli } from './main.js';

const fixture = join(__dirname, '..', '..', '..', 'shared', 'hf-fixtures', 'PerceiverForImageClassificationLearned');
const tmp = mkdtempSync(join(tmpdir(), 'ft-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function capture() {
  const lines: string[] = [];
  const errs: string[] = [];
  return { out: { log: (s: string) => lines.push(s), err: (s: string) => errs.push(s) }, lines, errs };
}

/** 3 classes of 8×8 RGB images: red, green or blue dominant. */
function imageFolder(): string {
  const root = join(tmp, 'colours');
  let s = 3;
  ['red', 'green', 'blue'].forEach((name, c) => {
    mkdirSync(join(root, name), { recursive: true });
    for (let k = 0; k < 12; k++) {
      const png = new PNG({ width: 8, height: 8 });
      for (let i = 0; i < 64; i++) {
        for (let ch = 0; ch < 3; ch++) {
          s = (Math.imul(s, 1664525) + 1013904223) | 0;
          png.data[i * 4 + ch] = (ch === c ? 180 : 40) + ((s >>> 0) % 60);
        }
        png.data[i * 4 + 3] = 255;
      }
      writeFileSync(join(root, name, `${k}.png`), PNG.sync.write(png));
    }
  });
  return root;
}

describe('train <model-dir>: fine-tune an imported model from the CLI', () => {
  it('new 3-class head, frozen encoder kept exactly, provenance recorded, predict and export --format hf follow', async () => {
    const imported = join(tmp, 'imported');
    expect(await runCli(['import-hf', fixture, '--out', imported], capture().out)).toBe(0);
    const folder = imageFolder();
    const tuned = join(tmp, 'tuned');
    const t = capture();
    const code = await runCli(
      [
        'train',
        imported,
        '--data',
        folder,
        '--epochs',
        '1',
        '--batch-size',
        '8',
        '--max-steps',
        '2',
        '--freeze-encoder',
        '--save-model',
        tuned,
        '--backend',
        'cpu',
      ],
      t.out,
    );
    expect(code, [...t.errs, ...t.lines].join('\n')).toBe(0);
    const log = t.lines.join('\n');
    expect(log).toMatch(
      /starting from PerceiverForImageClassificationLearned .*: 75 weight tensors loaded, 2 start fresh \(shape changed: head\/kernel \[32, 10\] → \[32, 3\]; head\/bias \[10\] → \[3\]\)/,
    );
    expect(log).toMatch(/encoder frozen \(image, conv, positions, latents, encoder, stack\)/);

    const before = await readModelFolder(imported);
    const after = await readModelFolder(tuned);
    const a = namedWeights(before.model);
    const b = namedWeights(after.model);
    for (const [k, v] of a) {
      const node = k.split('/')[0]!.split('__')[0]!;
      if (['conv', 'positions', 'latents', 'encoder', 'stack'].includes(node))
        expect(Array.from(b.get(k)!.data), k).toEqual(Array.from(v.data));
    }
    expect(b.get('head/kernel')!.shape).toEqual([32, 3]);
    expect(after.info.classNames).toEqual(['blue', 'green', 'red']);
    expect(after.info.source).toMatchObject({
      kind: 'trained',
      run: { startedFrom: { kind: 'huggingface', class: 'PerceiverForImageClassificationLearned' } },
      pretrained: { kind: 'huggingface' },
    });
    before.model.dispose();
    after.model.dispose();

    // The tuned folder predicts with the new classes and exports back with the new head.
    const p = capture();
    expect(
      await runCli(['predict', tuned, join(folder, 'red', '0.png'), '--top-k', '3', '--json'], p.out),
      p.errs.join(),
    ).toBe(0);
    const labels = (JSON.parse(p.lines[0]!) as { results: { head: { label: string }[] }[] }).results[0]!.head.map(
      (x) => x.label,
    ).sort();
    expect(labels).toEqual(['blue', 'green', 'red']);
    const hf = join(tmp, 'tuned-hf');
    expect(await runCli(['export', tuned, '--format', 'hf', '--out', hf], capture().out)).toBe(0);
    const cfg = JSON.parse(readFileSync(join(hf, 'config.json'), 'utf8'));
    expect(cfg.id2label).toEqual({ 0: 'blue', 1: 'green', 2: 'red' });
    expect(
      readSafetensors(new Uint8Array(readFileSync(join(hf, 'model.safetensors')))).get(
        'perceiver.decoder.decoder.final_layer.weight',
      )!.shape,
    ).toEqual([3, 32]);
    // --freeze-encoder on a template is a usage error.
    const u = capture();
    expect(
      await runCli(
        [
          'train',
          join(__dirname, '..', '..', 'templates', 'tabular-perceiver.json'),
          '--data',
          folder,
          '--freeze-encoder',
        ],
        u.out,
      ),
    ).toBe(2);
    expect(u.errs.join()).toMatch(/--freeze-encoder fine-tunes a model folder/);
  }, 120_000);
});
