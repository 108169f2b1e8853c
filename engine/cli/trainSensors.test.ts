/** CLI training on generated audio and point-cloud folders (brief runs; the ≥ 90% runs are in trainSensors.slow.test.ts). */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './main.js';

let dir: string;
let espeak = true;

async function cli(argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { log: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out, err };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ps-cli-sensors-'));
  try {
    execFileSync('node', ['scripts/gen-spoken-digits.mjs', '--out', join(dir, 'digits'), '--per-class', '5'], {
      stdio: 'pipe',
    });
  } catch (err) {
    espeak = false;
    console.warn(
      `skipped the audio CLI test: scripts/gen-spoken-digits.mjs needs espeak-ng (${(err as Error).message.split('\n')[0]})`,
    );
  }
  execFileSync('node', ['scripts/gen-shapes.mjs', '--out', join(dir, 'shapes'), '--per-class', '6'], { stdio: 'pipe' });
  execFileSync('node', ['scripts/gen-videos.mjs', '--out', join(dir, 'videos'), '--per-class', '6'], { stdio: 'pipe' });
  writeFileSync(
    join(dir, 'shapes', 'cube', 'broken.ply'),
    'ply\nformat ascii 1.0\nelement vertex 50\nproperty float x\nproperty float y\nproperty float z\nend_header\n0 0 0\n',
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('train on sensor folders', () => {
  it('templates/audio-perceiver.json trains on a folder of spoken digits: classes, progress, confusion matrix', async (ctx) => {
    if (!espeak) return ctx.skip();
    const r = await cli([
      'train',
      'templates/audio-perceiver.json',
      '--data',
      join(dir, 'digits'),
      '--epochs',
      '1',
      '--max-steps',
      '2',
      '--json',
    ]);
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
    const start = JSON.parse(r.out[0]!);
    expect(start.classes).toEqual(['eight', 'five', 'four', 'nine', 'one', 'seven', 'six', 'three', 'two', 'zero']);
    const final = JSON.parse(r.out[r.out.length - 1]!);
    expect(final.confusion).toHaveLength(10);
    expect(final.confusion.flat().reduce((a: number, b: number) => a + b, 0)).toBe(start.test);
  });

  it('templates/pointcloud-perceiver.json trains on generated meshes, fits its class count, counts a truncated PLY as skipped', async () => {
    const r = await cli([
      'train',
      'templates/pointcloud-perceiver.json',
      '--data',
      join(dir, 'shapes'),
      '--epochs',
      '1',
      '--skip-bad-rows',
    ]);
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.out[0]).toMatch(/on .*shapes: \d+ train \/ \d+ validation \/ \d+ test, 8 classes, input \[512, 3\]/);
    expect(r.out).toContain('skipped 1 item:');
    expect(
      r.out.some((l) =>
        l.includes(
          'broken.ply: the PLY header declares 50 vertex elements but the file ends after 1; the file is truncated — export it again',
        ),
      ),
    ).toBe(true);
    expect(r.out.some((l) => /^test accuracy \d/.test(l))).toBe(true);
  });

  it('templates/video-perceiver.json trains on generated clips (frame folders and .npy); a frame of another size is refused by name', async () => {
    const r = await cli([
      'train',
      'templates/video-perceiver.json',
      '--data',
      join(dir, 'videos'),
      '--epochs',
      '1',
      '--json',
    ]);
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out[0]!).classes).toEqual(['down', 'left', 'right', 'up']);
    expect(JSON.parse(r.out[r.out.length - 1]!).confusion).toHaveLength(4);
    // Frame 0004 (one the 8-of-12 draw uses) of one clip folder replaced by a 16×16 image.
    const { PNG } = await import('pngjs');
    const small = new PNG({ width: 16, height: 16 });
    writeFileSync(join(dir, 'videos', 'left', '0001', '0004.png'), PNG.sync.write(small));
    const bad = await cli(['train', 'templates/video-perceiver.json', '--data', join(dir, 'videos'), '--epochs', '1']);
    expect(bad.code).toBe(3);
    expect(bad.err[0]).toContain('left/0001/: frame ');
    expect(bad.err[0]).toContain("0004.png is 16×16 but the clip's first frame");
  });

  it('templates/multimodal-perceiver.json trains on example folders (image.png + audio.wav + label.txt bound by name); a missing modality is named', async (ctx) => {
    if (!espeak) return ctx.skip();
    const mm = join(dir, 'mm');
    for (const word of ['one', 'two']) {
      for (let i = 0; i < 5; i++) {
        const ex = join(mm, `${word}${i}`);
        mkdirSync(ex, { recursive: true });
        copyFileSync(join(dir, 'digits', word, `000${i}.wav`), join(ex, 'audio.wav'));
        const png = new PNG({ width: 28, height: 28 });
        for (let p = 0; p < 28 * 28; p++) png.data.set(word === 'one' ? [250, 250, 250, 255] : [0, 0, 0, 255], p * 4);
        writeFileSync(join(ex, 'image.png'), PNG.sync.write(png));
        writeFileSync(join(ex, 'label.txt'), `${word}\n`);
      }
    }
    const r = await cli(['train', 'templates/multimodal-perceiver.json', '--data', mm, '--epochs', '1']);
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.out[0]).toMatch(/2 classes, inputs image \[28, 28, 1\], audio \[8192\]/);
    expect(r.out).toContain("  head.numClasses 10 → 2 (fitted to the data; --no-fit keeps the template's sizes)");
    expect(r.out.some((l) => /^test accuracy/.test(l))).toBe(true);
    rmSync(join(mm, 'two3', 'audio.wav'));
    const bad = await cli(['train', 'templates/multimodal-perceiver.json', '--data', mm, '--epochs', '1']);
    expect(bad.code).toBe(3);
    expect(bad.err[0]).toBe(
      `perceiver-studio: ${join(mm, 'two3')}: the example has no file for the input "audio" (a file named audio with .wav or .npy); add it, or remove the example folder`,
    );
  });

  it('stops on a bad file with its name (exit 3) without --skip-bad-rows, and says which template fits a folder', async () => {
    const r = await cli([
      'train',
      'templates/pointcloud-perceiver.json',
      '--data',
      join(dir, 'shapes'),
      '--epochs',
      '1',
    ]);
    expect(r.code).toBe(3);
    expect(r.err[0]).toMatch(/broken\.ply: the PLY header declares 50 vertex elements/);
    const m = await cli(['train', 'templates/mnist-perceiver-io.json', '--data', join(dir, 'shapes')]);
    expect(m.code).toBe(1);
    expect(m.err[0]).toContain(
      'is a folder of point clouds / meshes, but the graph\'s input "image" is a ImageInput; use a point-cloud template such as templates/pointcloud-perceiver.json',
    );
  });
});
