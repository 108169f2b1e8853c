#!/usr/bin/env node
/**
 * Short videos of a moving shape, one folder per class of motion (left, right, up, down):
 *
 *   node scripts/gen-videos.mjs --out videos [--per-class 40] [--frames 12] [--size 32] [--seed 1]
 *
 * Each clip draws a square or disc of a random colour, size, start and speed on a noisy
 * background of another colour, moving in its class's direction (with a little sideways drift).
 * Clips alternate between a folder of PNG frames (OUT/<class>/<n>/0001.png …) and a uint8 .npy
 * [T, H, W, 3] (OUT/<class>/<n>.npy), so both readers are exercised. Seeded.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  if (i < 0) return fallback;
  const v = process.argv[i + 1];
  if (v === undefined || v.startsWith('--')) throw new Error(`${name} needs a value`);
  return v;
}
if (process.argv.includes('--help')) {
  console.log(
    'usage: node scripts/gen-videos.mjs --out DIR [--per-class N (40)] [--frames T (12)] [--size S (32)] [--seed S (1)]',
  );
  process.exit(0);
}
const out = arg('--out');
if (!out) {
  console.error('gen-videos: give --out DIR');
  process.exit(2);
}
const perClass = Number(arg('--per-class', '40'));
const T = Number(arg('--frames', '12'));
const S = Number(arg('--size', '32'));
const seed = Number(arg('--seed', '1'));

function mulberry32(a) {
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = mulberry32(seed * 7 + 11);
const uni = (a, b) => a + (b - a) * rand();

const MOTIONS = { left: [-1, 0], right: [1, 0], up: [0, -1], down: [0, 1] };

function clip([dx, dy]) {
  const r = uni(3, 6);
  const speed = uni(0.8, 1.6);
  const drift = uni(-0.25, 0.25);
  const vx = dx * speed + (dx === 0 ? drift : 0);
  const vy = dy * speed + (dy === 0 ? drift : 0);
  // Start so the path stays mostly inside the frame.
  const span = speed * (T - 1);
  const cx0 = dx > 0 ? uni(r, S - r - span) : dx < 0 ? uni(r + span, S - r) : uni(r, S - r);
  const cy0 = dy > 0 ? uni(r, S - r - span) : dy < 0 ? uni(r + span, S - r) : uni(r, S - r);
  const fg = [uni(120, 255), uni(120, 255), uni(120, 255)];
  const bg = [uni(0, 90), uni(0, 90), uni(0, 90)];
  const disc = rand() < 0.5;
  const frames = [];
  for (let t = 0; t < T; t++) {
    const cx = cx0 + vx * t;
    const cy = cy0 + vy * t;
    const f = new Uint8Array(S * S * 3);
    for (let y = 0; y < S; y++) {
      for (let x = 0; x < S; x++) {
        const inside = disc ? (x - cx) ** 2 + (y - cy) ** 2 <= r * r : Math.abs(x - cx) <= r && Math.abs(y - cy) <= r;
        for (let c = 0; c < 3; c++)
          f[(y * S + x) * 3 + c] = Math.max(0, Math.min(255, Math.round((inside ? fg[c] : bg[c]) + uni(-12, 12))));
      }
    }
    frames.push(f);
  }
  return frames;
}

function npy(frames) {
  const header = `{'descr': '|u1', 'fortran_order': False, 'shape': (${T}, ${S}, ${S}, 3), }`;
  const total = 10 + header.length + 1;
  const pad = (64 - (total % 64)) % 64;
  const h = header + ' '.repeat(pad) + '\n';
  const b = new Uint8Array(10 + h.length + T * S * S * 3);
  b.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, h.length & 255, h.length >> 8]);
  for (let i = 0; i < h.length; i++) b[10 + i] = h.charCodeAt(i);
  frames.forEach((f, t) => b.set(f, 10 + h.length + t * f.length));
  return b;
}

const started = Date.now();
for (const [name, dir] of Object.entries(MOTIONS)) {
  mkdirSync(join(out, name), { recursive: true });
  for (let i = 0; i < perClass; i++) {
    const frames = clip(dir);
    const base = join(out, name, String(i).padStart(4, '0'));
    if (i % 2 === 0) writeFileSync(`${base}.npy`, npy(frames));
    else {
      mkdirSync(base, { recursive: true });
      frames.forEach((f, t) => {
        const png = new PNG({ width: S, height: S });
        for (let p = 0; p < S * S; p++) png.data.set([f[p * 3], f[p * 3 + 1], f[p * 3 + 2], 255], p * 4);
        writeFileSync(join(base, `${String(t + 1).padStart(4, '0')}.png`), PNG.sync.write(png));
      });
    }
  }
}
console.log(
  `gen-videos: ${perClass * 4} clips of ${T} frames (${S}×${S}) in ${out} (${((Date.now() - started) / 1000).toFixed(1)} s)`,
);
