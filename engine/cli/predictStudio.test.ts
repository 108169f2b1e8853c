/**
 * predict on studio models: a briefly trained image classifier on PNG files (resized and
 * normalised as in training, class names from model-info.json), CSV rows and .npy arrays on the
 * tabular template, text with "_" to fill on the byte MLM, a checkpoint folder, and the refusals.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../compile/compile.js';
import { npy } from '../export/archive.js';
import { parseNpz } from '../data/npy.js';
import { imageToInput } from '../data/resize.js';
import { loadGraphDoc } from '../graph/load.js';
import type { GraphDoc } from '../graph/schema.js';
import { captureCheckpoint } from '../train/checkpoint.js';
import { writeCheckpoint } from '../node/checkpointFiles.js';
import { decodeImageBytes } from '../node/imageFolder.js';
import { writeModelFolder } from '../node/modelFolder.js';
import { predictCommand } from './predict.js';

const root = join(__dirname, '..', '..');
const tmp = mkdtempSync(join(tmpdir(), 'predict-studio-'));
const templ = (name: string): GraphDoc => loadGraphDoc(readFileSync(join(root, 'templates', name), 'utf8'), name);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
beforeAll(async () => {
  await tf.setBackend('cpu');
});

function capture() {
  const lines: string[] = [];
  const errs: string[] = [];
  return { out: { log: (s: string) => lines.push(s), err: (s: string) => errs.push(s) }, lines, errs };
}

/** A 16×16 grey PNG, bright on the left or the right half. */
function png(side: 'left' | 'right', seed: number): Uint8Array {
  const img = new PNG({ width: 16, height: 16 });
  let s = seed;
  for (let y = 0; y < 16; y++) {
    for (let x = 0; x < 16; x++) {
      s = (s * 1103515245 + 12345) % 2 ** 31;
      const bright = x < 8 === (side === 'left');
      const v = Math.max(0, Math.min(255, (bright ? 200 : 40) + ((s % 40) - 20)));
      const i = (y * 16 + x) * 4;
      img.data[i] = img.data[i + 1] = img.data[i + 2] = v;
      img.data[i + 3] = 255;
    }
  }
  return new Uint8Array(PNG.sync.write(img));
}

const NORM = { kind: 'standardize' as const, offset: [0.45], scale: [2.5] };

describe('predict on studio models', () => {
  it('a briefly trained image classifier: PNGs → top-k with class names, as preprocessed in training', async () => {
    const doc = templ('mnist-perceiver.json');
    doc.nodes.find((n) => n.id === 'head')!.params.numClasses = 2;
    // 8×8 inputs keep the training short; the 16×16 files are resized as in training.
    Object.assign(doc.nodes.find((n) => n.id === 'image')!.params, { height: 8, width: 8 });
    const { model, inputNodes } = compile(doc, { seed: 3 });
    // Training data: the same decode → resize → normalise path predict uses.
    const files: string[] = [];
    const xs: Float32Array[] = [];
    const ys: number[] = [];
    for (let i = 0; i < 16; i++) {
      const side = i % 2 ? 'right' : 'left';
      const bytes = png(side, i + 1);
      const f = join(tmp, `${side}-${i}.png`);
      writeFileSync(f, bytes);
      files.push(f);
      const x = imageToInput(decodeImageBytes(bytes), 8, 8, 1);
      for (let k = 0; k < x.length; k++) x[k] = (x[k]! - NORM.offset[0]!) * NORM.scale[0]!;
      xs.push(x);
      ys.push(i % 2);
    }
    const X = tf.tensor4d(Float32Array.from(xs.flatMap((x) => [...x])), [16, 8, 8, 1]);
    const Y = tf.oneHot(tf.tensor1d(ys, 'int32'), 2);
    const opt = tf.train.adam(3e-3);
    let loss = Infinity;
    for (let step = 0; step < 25 && loss > 0.05; step++) {
      const l = opt.minimize(
        () => tf.losses.softmaxCrossEntropy(Y, model.apply(X, { training: true }) as tf.Tensor),
        true,
      ) as tf.Scalar;
      loss = l.dataSync()[0]!;
      l.dispose();
    }
    expect(loss).toBeLessThan(0.5);
    const expected = tf.tidy(() => tf.softmax(model.predict(X) as tf.Tensor).arraySync() as number[][]);
    tf.dispose([X, Y]);
    const dir = join(tmp, 'img-model');
    await writeModelFolder(dir, {
      model,
      doc,
      inputNodes,
      info: { classNames: ['left', 'right'], normalisation: NORM, source: { kind: 'trained', run: { steps: 25 } } },
    });
    model.dispose();

    const cap = capture();
    const outFile = join(tmp, 'img.npz');
    expect(await predictCommand([dir, ...files.slice(0, 6), '--top-k', '2', '--json', '--out', outFile], cap.out)).toBe(
      0,
    );
    const res = JSON.parse(cap.lines[0]!) as {
      results: { example: string; head: { label: string; probability: number; index: number }[] }[];
    };
    expect(res.results).toHaveLength(6);
    res.results.forEach((r, i) => {
      expect(r.example).toBe(files[i]!.split('/').pop());
      expect(r.head).toHaveLength(2);
      expect(r.head[0]!.label).toBe(i % 2 ? 'right' : 'left');
      for (const t of r.head) expect(Math.abs(t.probability - expected[i]![t.index]!)).toBeLessThan(1e-5);
    });
    const npzOut = await parseNpz(new Uint8Array(readFileSync(outFile)));
    expect(npzOut.get('head')!.shape).toEqual([6, 2]);
    // The readable form names the class.
    const plain = capture();
    expect(await predictCommand([dir, files[1]!, '--top-k', '1'], plain.out)).toBe(0);
    expect(plain.lines[0]).toMatch(/^right-1\.png: right \d+\.\d%$/);
  }, 150_000);

  it('tabular: CSV rows (target column dropped, normalised) and .npy give the same outputs', async () => {
    const doc = templ('tabular-perceiver.json');
    doc.data = { ...doc.data!, target: 'label' };
    const { model, inputNodes } = compile(doc, { seed: 5 });
    const norm = {
      kind: 'standardize' as const,
      offset: [1, 2, 3, 4, 5, 6, 7, 8],
      scale: [0.5, 0.5, 0.5, 0.5, 1, 1, 1, 1],
    };
    const dir = join(tmp, 'tab-model');
    await writeModelFolder(dir, { model, doc, inputNodes, info: { classNames: ['a', 'b', 'c'], normalisation: norm } });
    const rows = [
      [0.5, 1, 2, 3, 4, 5, 6, 7],
      [9, 8, 7, 6, 5, 4, 3, 2],
    ];
    const csv = [
      'f1,f2,f3,label,f4,f5,f6,f7,f8',
      ...rows.map((r) => [...r.slice(0, 3), 'x', ...r.slice(3)].join(',')),
    ].join('\n');
    writeFileSync(join(tmp, 'rows.csv'), csv);
    const normed = rows.map((r) => r.map((v, i) => (v - norm.offset[i]!) * norm.scale[i]!));
    writeFileSync(join(tmp, 'rows.npy'), npy({ shape: [2, 8], data: Float32Array.from(normed.flat()) }));
    const direct = tf.tidy(() => tf.softmax(model.predict(tf.tensor2d(normed)) as tf.Tensor).arraySync() as number[][]);
    model.dispose();
    for (const f of ['rows.csv', 'rows.npy']) {
      const cap = capture();
      expect(await predictCommand([dir, join(tmp, f), '--json', '--top-k', '3'], cap.out), cap.errs.join()).toBe(0);
      const res = JSON.parse(cap.lines[0]!) as { results: { head: { index: number; probability: number }[] }[] };
      res.results.forEach((r, i) =>
        r.head.forEach((t) => expect(Math.abs(t.probability - direct[i]![t.index]!)).toBeLessThan(1e-6)),
      );
    }
    // Refusals name the file / input.
    writeFileSync(join(tmp, 'bad.npy'), npy({ shape: [2, 5], data: new Float32Array(10) }));
    await expect(predictCommand([dir, join(tmp, 'bad.npy')], capture().out)).rejects.toThrow(
      /bad\.npy has shape \[2, 5\]; input "table" takes \[8\] per example/,
    );
    await expect(predictCommand([dir, '--input', `nope=${join(tmp, 'rows.npy')}`], capture().out)).rejects.toThrow(
      /no input "nope"; its inputs are "table"/,
    );
    writeFileSync(join(tmp, 'pic.png'), png('left', 1));
    await expect(predictCommand([dir, join(tmp, 'pic.png')], capture().out)).rejects.toThrow(
      /input "table" \(TabularInput\) takes CSV rows or \.npy/,
    );
    writeFileSync(join(tmp, 'wide.csv'), 'a,b\n1,2\n');
    await expect(predictCommand([dir, join(tmp, 'wide.csv')], capture().out)).rejects.toThrow(
      /wide\.csv has 2 columns; the model takes 8 features/,
    );
  });

  it('byte MLM: "_" positions are filled with the argmax byte, as the model says', async () => {
    const doc = templ('bytes-mlm-tiny.json');
    const { model, inputNodes } = compile(doc, { seed: 9 });
    const dir = join(tmp, 'mlm-model');
    await writeModelFolder(dir, { model, doc, inputNodes });
    const text = 'hello _orld';
    writeFileSync(join(tmp, 'q.txt'), text);
    const ids = new Int32Array(128);
    for (let i = 0; i < text.length; i++) ids[i] = text[i] === '_' ? 3 : text.charCodeAt(i) + 6;
    const logits = tf.tidy(
      () => (model.predict(tf.tensor2d(ids, [1, 128], 'int32')) as tf.Tensor).arraySync() as number[][][],
    );
    model.dispose();
    const best = logits[0]![6]!.indexOf(Math.max(...logits[0]![6]!));
    const cap = capture();
    expect(await predictCommand([dir, join(tmp, 'q.txt'), '--json', '--top-k', '3'], cap.out)).toBe(0);
    const res = JSON.parse(cap.lines[0]!) as {
      results: { head: { text: string; masked: { position: number; top: { byte: string }[] }[] } }[];
    };
    const h = res.results[0]!.head;
    expect(h.masked.map((m) => m.position)).toEqual([6]);
    expect(h.masked[0]!.top).toHaveLength(3);
    expect(h.text.slice(0, 6)).toBe('hello ');
    expect(h.text.slice(7, 11)).toBe('orld');
    if (best >= 6) expect(h.masked[0]!.top[0]!.byte).toBe(String.fromCharCode(best - 6));
  });

  it('a checkpoint folder with --graph predicts as the model it holds', async () => {
    const doc = templ('tabular-perceiver.json');
    const { model } = compile(doc, { seed: 12 });
    const ckpt = await captureCheckpoint(model, tf.train.adam(1e-3), {
      epoch: 1,
      step: 3,
      settings: doc.training,
      history: [],
      bestValLoss: Infinity,
      epochsSinceBest: 0,
    });
    const dir = join(tmp, 'ckpt');
    writeCheckpoint(dir, ckpt);
    const x = [[1, 2, 3, 4, 5, 6, 7, 8]];
    writeFileSync(join(tmp, 'one.npy'), npy({ shape: [8], data: Float32Array.from(x[0]!) }));
    const direct = tf.tidy(() => tf.softmax(model.predict(tf.tensor2d(x)) as tf.Tensor).arraySync() as number[][]);
    model.dispose();
    const graphFile = join(tmp, 'graph-for-ckpt.json');
    writeFileSync(graphFile, JSON.stringify(doc));
    await expect(predictCommand([dir, join(tmp, 'one.npy')], capture().out)).rejects.toThrow(
      /checkpoint folder without graph\.json/,
    );
    const cap = capture();
    expect(
      await predictCommand([dir, join(tmp, 'one.npy'), '--graph', graphFile, '--json', '--top-k', '1'], cap.out),
    ).toBe(0);
    const r = JSON.parse(cap.lines[0]!) as { results: { head: { index: number; probability: number }[] }[] };
    expect(Math.abs(r.results[0]!.head[0]!.probability - Math.max(...direct[0]!))).toBeLessThan(1e-6);
  });
});
