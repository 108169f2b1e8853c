#!/usr/bin/env node
/**
 * Multimodal examples of the digits 0–9: one folder per example with `image.png` (the digit drawn
 * by ImageMagick in a random font, size, rotation and offset, 28×28 grey, with noise), `audio.wav`
 * (the spoken word, from scripts/gen-spoken-digits.mjs) and `label.txt` (the word):
 *
 *   node scripts/gen-multimodal.mjs --out mm-digits [--per-class 40] [--seed 1]
 *
 * Needs espeak-ng and ImageMagick's `convert`. Seeded.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  if (i < 0) return fallback;
  const v = process.argv[i + 1];
  if (v === undefined || v.startsWith('--')) throw new Error(`${name} needs a value`);
  return v;
}
if (process.argv.includes('--help')) {
  console.log('usage: node scripts/gen-multimodal.mjs --out DIR [--per-class N (40)] [--seed S (1)]');
  process.exit(0);
}
const out = arg('--out');
if (!out) {
  console.error('gen-multimodal: give --out DIR');
  process.exit(2);
}
const perClass = arg('--per-class', '40');
const seed = Number(arg('--seed', '1'));
const WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
const FONTS = [
  'DejaVu-Sans',
  'DejaVu-Serif',
  'DejaVu-Sans-Mono',
  'Helvetica',
  'Times-Roman',
  'Courier',
  'AvantGarde-Book',
  'Bookman-Demi',
];

let a = seed * 9973 + 5;
const rand = () => {
  a = (a + 0x6d2b79f5) | 0;
  let t = Math.imul(a ^ (a >>> 15), 1 | a);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const uni = (lo, hi) => lo + (hi - lo) * rand();

const started = Date.now();
const tmp = mkdtempSync(join(tmpdir(), 'mm-digits-'));
try {
  const here = dirname(fileURLToPath(import.meta.url));
  execFileSync(
    'node',
    [join(here, 'gen-spoken-digits.mjs'), '--out', tmp, '--per-class', perClass, '--seed', String(seed)],
    { stdio: 'pipe' },
  );
  let n = 0;
  for (const [d, word] of WORDS.entries()) {
    for (const f of readdirSync(join(tmp, word)).sort()) {
      const ex = join(out, `${String(n++).padStart(5, '0')}`);
      mkdirSync(ex, { recursive: true });
      copyFileSync(join(tmp, word, f), join(ex, 'audio.wav'));
      const font = FONTS[Math.floor(rand() * FONTS.length)];
      const args = [
        '-size',
        '28x28',
        'xc:black',
        '-fill',
        'white',
        '-font',
        font,
        '-pointsize',
        String(Math.round(uni(14, 24))),
        '-gravity',
        'center',
        '-annotate',
        `${Math.round(uni(-15, 15))}x${Math.round(uni(-15, 15))}+${Math.round(uni(-4, 4))}+${Math.round(uni(-4, 4))}`,
        String(d),
        '-attenuate',
        String(uni(0.2, 0.6).toFixed(2)),
        '+noise',
        'Gaussian',
        '-colorspace',
        'Gray',
        join(ex, 'image.png'),
      ];
      try {
        execFileSync('convert', args, { stdio: 'pipe' });
      } catch {
        // A font this ImageMagick lacks: the default font instead.
        execFileSync(
          'convert',
          args.filter((_, i) => i !== args.indexOf('-font') && i !== args.indexOf('-font') + 1),
          { stdio: 'pipe' },
        );
      }
      writeFileSync(join(ex, 'label.txt'), word + '\n');
    }
  }
  console.log(
    `gen-multimodal: ${n} example folders (image.png, audio.wav, label.txt) in ${out} (${((Date.now() - started) / 1000).toFixed(1)} s)`,
  );
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
