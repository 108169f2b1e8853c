/**
 * predict on audio and point-cloud models: a WAV clip and an OFF mesh / PLY cloud go through the
 * input's own codec (as training on a folder reads them), and the outputs equal the model run on
 * that codec's example directly; a file of another format is refused naming what the input reads.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../compile/compile.js';
import { npy } from '../export/archive.js';
import { parseNpz } from '../data/npy.js';
import { decodeWithCodec, fileCodecFor } from '../data/inputCodecs.js';
import { loadGraphDoc } from '../graph/load.js';
import type { GraphDoc } from '../graph/schema.js';
import { writeModelFolder } from '../node/modelFolder.js';
import { predictCommand } from './predict.js';

const root = join(__dirname, '..', '..');
const tmp = mkdtempSync(join(tmpdir(), 'predict-sensors-'));
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

/** A mono 16-bit PCM WAV of a tone at `rate` Hz sampling (not the model's rate: predict resamples). */
function wav(freq: number, rate: number, seconds: number): Uint8Array {
  const n = Math.round(rate * seconds);
  const buf = Buffer.alloc(44 + 2 * n);
  buf.write('RIFF', 0);
  buf.writeUInt32LE(36 + 2 * n, 4);
  buf.write('WAVEfmt ', 8);
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20);
  buf.writeUInt16LE(1, 22);
  buf.writeUInt32LE(rate, 24);
  buf.writeUInt32LE(rate * 2, 28);
  buf.writeUInt16LE(2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write('data', 36);
  buf.writeUInt32LE(2 * n, 40);
  for (let i = 0; i < n; i++)
    buf.writeInt16LE(Math.round(12000 * Math.sin((2 * Math.PI * freq * i) / rate)), 44 + 2 * i);
  return new Uint8Array(buf);
}

const CUBE_OFF = `OFF
8 12 0
-1 -1 -1
1 -1 -1
1 1 -1
-1 1 -1
-1 -1 1
1 -1 1
1 1 1
-1 1 1
3 0 1 2
3 0 2 3
3 4 6 5
3 4 7 6
3 0 4 5
3 0 5 1
3 1 5 6
3 1 6 2
3 2 6 7
3 2 7 3
3 3 7 4
3 3 4 0
`;

async function modelFolderOf(doc: GraphDoc, name: string) {
  const { model, inputNodes } = compile(doc, { seed: 5 });
  const dir = join(tmp, name);
  await writeModelFolder(dir, {
    model,
    doc,
    inputNodes,
    info: { classNames: Array.from({ length: 10 }, (_, i) => `c${i}`) },
  });
  return { model, dir, inputNodes };
}

function direct(model: tf.LayersModel, x: Float32Array, shape: number[]): number[] {
  return tf.tidy(() => [...(model.predict(tf.tensor(x, [1, ...shape])) as tf.Tensor).dataSync()]);
}

describe('predict on audio and point-cloud models', () => {
  it('a WAV clip (another sample rate) through the Audio input codec', async () => {
    const doc = templ('audio-perceiver.json');
    Object.assign(doc.nodes.find((n) => n.id === 'audio')!.params, { samples: 2048 });
    const { model, dir } = await modelFolderOf(doc, 'audio-model');
    const file = join(tmp, 'tone.wav');
    const bytes = wav(440, 11025, 0.4);
    writeFileSync(file, bytes);
    const node = doc.nodes.find((n) => n.id === 'audio')!;
    const codec = fileCodecFor(node)!;
    const x = decodeWithCodec(codec, 'tone.wav', bytes, codec.shape);
    const want = direct(model, x, codec.shape);
    const cap = capture();
    const out = join(tmp, 'audio.npz');
    expect(await predictCommand([dir, file, '--json', '--out', out], cap.out)).toBe(0);
    const res = JSON.parse(cap.lines[0]!) as { results: { example: string }[] };
    expect(res.results[0]!.example).toBe('tone.wav');
    const got = [...(await parseNpz(new Uint8Array(readFileSync(out)))).values()][0]!;
    expect(got.shape[0]).toBe(1);
    const diff = Math.max(...want.map((v, i) => Math.abs(v - Number(got.data[i]))));
    expect(diff).toBeLessThan(1e-5);
    // A PNG is not what an audio input reads: the refusal names the formats.
    const png = join(tmp, 'not-audio.png');
    writeFileSync(png, new Uint8Array([0x89, 0x50, 0x4e, 0x47]));
    await expect(predictCommand([dir, png], capture().out)).rejects.toThrow(
      /not-audio\.png.*takes WAV or \.npy files \(audio clip\)/,
    );
    model.dispose();
  });

  it('an OFF mesh and a raw .npy cloud through the Point cloud input codec', async () => {
    const doc = templ('pointcloud-perceiver.json');
    Object.assign(doc.nodes.find((n) => n.id === 'points')!.params, { points: 128 });
    const { model, dir } = await modelFolderOf(doc, 'points-model');
    const off = join(tmp, 'cube.off');
    writeFileSync(off, CUBE_OFF);
    const node = doc.nodes.find((n) => n.id === 'points')!;
    const codec = fileCodecFor(node)!;
    const x = decodeWithCodec(codec, 'cube.off', new TextEncoder().encode(CUBE_OFF), codec.shape);
    const want = direct(model, x, codec.shape);
    const cap = capture();
    const out = join(tmp, 'points.npz');
    expect(await predictCommand([dir, off, '--json', '--out', out], cap.out)).toBe(0);
    const got = [...(await parseNpz(new Uint8Array(readFileSync(out)))).values()][0]!;
    const diff = Math.max(...want.map((v, i) => Math.abs(v - Number(got.data[i]))));
    expect(diff).toBeLessThan(1e-5);
    // A raw cloud of 300 points as .npy (not the input's [128, 3]): one cloud, subsampled by the codec.
    const cloud = new Float32Array(300 * 3).map((_, i) => Math.sin(i * 0.37) * (1 + (i % 3)));
    const npyBytes = npy({ shape: [300, 3], data: cloud });
    const npyFile = join(tmp, 'cloud.npy');
    writeFileSync(npyFile, npyBytes);
    const wantNpy = direct(model, decodeWithCodec(codec, 'cloud.npy', npyBytes, codec.shape), codec.shape);
    const out2 = join(tmp, 'cloud.npz');
    expect(await predictCommand([dir, npyFile, '--json', '--out', out2], capture().out)).toBe(0);
    const got2 = [...(await parseNpz(new Uint8Array(readFileSync(out2)))).values()][0]!;
    expect(Math.max(...wantNpy.map((v, i) => Math.abs(v - Number(got2.data[i]))))).toBeLessThan(1e-5);
    model.dispose();
  });
});
