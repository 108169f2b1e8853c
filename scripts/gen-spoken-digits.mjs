#!/usr/bin/env node
/**
 * Spoken digits "zero" … "nine" made with espeak-ng, as an audio dataset of class subfolders:
 *
 *   node scripts/gen-spoken-digits.mjs --out spoken-digits [--per-class 60] [--seed 1]
 *
 * writes OUT/<word>/<n>.wav (16-bit PCM mono at espeak's 22,050 Hz). Every file draws its own voice
 * (English accents × espeak voice variants, male and female), speed (130–210 words/min), pitch
 * (20–80), a leading silence (0–150 ms), a gain (0.4–1.0) and white noise (about 30–45 dB below
 * the speech), all from a seeded generator, so the same arguments give the same files.
 * Needs espeak-ng (Debian: apt-get install espeak-ng).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
const ACCENTS = [
  'en',
  'en-us',
  'en-gb-scotland',
  'en-gb-x-rp',
  'en-029',
  'en-us-nyc',
  'en-gb-x-gbclan',
  'en-gb-x-gbcwmd',
];
const VARIANTS = ['', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'f1', 'f2', 'f3', 'f4', 'f5', 'klatt', 'klatt2'];

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  if (i < 0) return fallback;
  const v = process.argv[i + 1];
  if (v === undefined || v.startsWith('--')) throw new Error(`${name} needs a value`);
  return v;
}

if (process.argv.includes('--help')) {
  console.log('usage: node scripts/gen-spoken-digits.mjs --out DIR [--per-class N (60)] [--seed S (1)]');
  process.exit(0);
}
const out = arg('--out');
if (!out) {
  console.error('gen-spoken-digits: give --out DIR');
  process.exit(2);
}
const perClass = Number(arg('--per-class', '60'));
const seed = Number(arg('--seed', '1'));
if (!(Number.isInteger(perClass) && perClass > 0)) throw new Error('--per-class must be a positive integer');

function mulberry32(a) {
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = mulberry32(seed * 7919 + 17);
const pick = (xs) => xs[Math.floor(rand() * xs.length)];
const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());

/** The 16-bit mono samples and rate of espeak's WAV (RIFF, fmt, data). */
function readPcm16(bytes) {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let off = 12;
  let rate = 22050;
  while (off + 8 <= bytes.length) {
    const id = String.fromCharCode(...bytes.subarray(off, off + 4));
    let size = v.getUint32(off + 4, true);
    if (id === 'fmt ') rate = v.getUint32(off + 12, true);
    if (id === 'data') {
      size = Math.min(size, bytes.length - off - 8);
      const n = size >> 1;
      const s = new Float32Array(n);
      for (let i = 0; i < n; i++) s[i] = v.getInt16(off + 8 + 2 * i, true) / 32768;
      return { rate, samples: s };
    }
    off += 8 + size + (size & 1);
  }
  throw new Error('espeak-ng wrote no data chunk');
}

function wav16(samples, rate) {
  const b = new Uint8Array(44 + samples.length * 2);
  const v = new DataView(b.buffer);
  const str = (o, s) => [...s].forEach((c, i) => (b[o + i] = c.charCodeAt(0)));
  str(0, 'RIFF');
  v.setUint32(4, 36 + samples.length * 2, true);
  str(8, 'WAVE');
  str(12, 'fmt ');
  v.setUint32(16, 16, true);
  v.setUint16(20, 1, true);
  v.setUint16(22, 1, true);
  v.setUint32(24, rate, true);
  v.setUint32(28, rate * 2, true);
  v.setUint16(32, 2, true);
  v.setUint16(34, 16, true);
  str(36, 'data');
  v.setUint32(40, samples.length * 2, true);
  for (let i = 0; i < samples.length; i++)
    v.setInt16(44 + 2 * i, Math.max(-32768, Math.min(32767, Math.round(samples[i] * 32767))), true);
  return b;
}

const tmp = mkdtempSync(join(tmpdir(), 'spoken-digits-'));
const started = Date.now();
try {
  for (const word of WORDS) mkdirSync(join(out, word), { recursive: true });
  for (let i = 0; i < perClass; i++) {
    for (const word of WORDS) {
      const variant = pick(VARIANTS);
      const voice = pick(ACCENTS) + (variant ? `+${variant}` : '');
      const speed = String(130 + Math.floor(rand() * 81));
      const pitch = String(20 + Math.floor(rand() * 61));
      const file = join(tmp, 'w.wav');
      execFileSync('espeak-ng', ['-v', voice, '-s', speed, '-p', pitch, '-w', file, word], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      const { rate, samples } = readPcm16(new Uint8Array(readFileSync(file)));
      const lead = Math.floor(rand() * 0.15 * rate);
      const gain = 0.4 + 0.6 * rand();
      let peak = 1e-6;
      for (const s of samples) peak = Math.max(peak, Math.abs(s));
      const noise = (gain / peak) * Math.pow(10, -(30 + 15 * rand()) / 20) * 0.3;
      const y = new Float32Array(lead + samples.length);
      for (let k = 0; k < y.length; k++) y[k] = (k >= lead ? (samples[k - lead] * gain) / peak : 0) + noise * gauss();
      writeFileSync(join(out, word, `${String(i).padStart(4, '0')}.wav`), wav16(y, rate));
    }
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
console.log(
  `gen-spoken-digits: ${perClass * WORDS.length} files in ${out} (${((Date.now() - started) / 1000).toFixed(1)} s)`,
);
