/**
 * Data the e2e specs create on disk, as a user's own files would be: a CSV of numeric features
 * with a named class column, and a folder of PNG images (one subfolder per class).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { mulberry32 } from '../../engine/data/random';

/** The engine's seeded generator, so every run writes the same files. */
const rng = mulberry32;

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `perceiver-e2e-${prefix}-`));
}

export const SPECIES = ['setosa', 'versicolor', 'virginica'];

/** rows × (8 numeric features + "species"), classes separable by their feature means. */
export function csvText(rows: number, opts: { scale?: number; seed?: number } = {}): string {
  const r = rng(opts.seed ?? 7);
  const scale = opts.scale ?? 1;
  const lines = [['f1', 'f2', 'f3', 'f4', 'f5', 'f6', 'f7', 'f8', 'species'].join(',')];
  for (let i = 0; i < rows; i++) {
    const c = i % 3;
    const feats = Array.from({ length: 8 }, (_, j) => ((j % 3 === c ? 2 : 0) + (r() - 0.5)) * scale);
    lines.push([...feats.map((v) => (scale > 1e6 ? v.toExponential(3) : v.toFixed(4))), SPECIES[c]].join(','));
  }
  return lines.join('\n') + '\n';
}

export function writeCsv(dir: string, name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

export const SHAPES = ['circle', 'cross', 'square'];

/** Grey 16×16 PNGs of three shapes with noise, `perClass` in each class subfolder. */
export function writeImageFolder(dir: string, perClass: number): string {
  const root = join(dir, 'shapes');
  const r = rng(11);
  const size = 16;
  for (const shape of SHAPES) {
    mkdirSync(join(root, shape), { recursive: true });
    for (let k = 0; k < perClass; k++) {
      const png = new PNG({ width: size, height: size });
      const cx = 7.5 + (r() - 0.5) * 3;
      const cy = 7.5 + (r() - 0.5) * 3;
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          const dx = x - cx;
          const dy = y - cy;
          const on =
            shape === 'circle'
              ? Math.abs(Math.hypot(dx, dy) - 5) < 1.2
              : shape === 'cross'
                ? Math.abs(dx) < 1.2 || Math.abs(dy) < 1.2
                : Math.max(Math.abs(dx), Math.abs(dy)) < 5 && Math.max(Math.abs(dx), Math.abs(dy)) > 3.5;
          const v = Math.max(0, Math.min(255, Math.round((on ? 220 : 20) + (r() - 0.5) * 40)));
          const o = (y * size + x) * 4;
          png.data[o] = png.data[o + 1] = png.data[o + 2] = v;
          png.data[o + 3] = 255;
        }
      }
      writeFileSync(join(root, shape, `${shape}-${k}.png`), PNG.sync.write(png));
    }
  }
  return root;
}
