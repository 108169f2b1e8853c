#!/usr/bin/env node
// Draws the app icon (no source image: the drawing below is the source) and writes what
// electron-builder looks for in build/ (electron-builder.yml: buildResources: build):
//   build/icon.png            1024×1024, the master
//   build/icons/<n>x<n>.png   16 … 1024, the Linux icon set (AppImage, deb)
//   build/icon.ico            16, 24, 32, 48, 64, 128, 256 (Windows; PNG-compressed entries)
//   build/icon.icns           16 … 1024 incl. @2x (macOS; PNG-compressed entries)
// The drawing: a rounded tile, an input "grid" on the left whose rows attend (fan of lines) to a
// short column of latents on the right — the Perceiver's cross-attention — in the app's blue.
// Own code only (pngjs for PNG encoding, a box filter for the smaller sizes); ImageMagick is
// not needed (`identify build/icon.ico build/icon.icns` lists what was written). Run: node scripts/make-icons.mjs   (deterministic: same bytes every run)
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'build');
const N = 1024;
const SS = 4; // supersamples per axis

const hex = (h) => [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16)];
const BG_TOP = hex('#1b2340');
const BG_BOTTOM = hex('#0f1424');
const ACCENT = hex('#5b8cff');
const LIGHT = hex('#e3e7ef');
const GREEN = hex('#69f0ae');

// Shapes in unit coordinates (0..1). Each returns true when the point is inside.
const tile = (x, y) => {
  const m = 0.06,
    r = 0.2;
  const dx = Math.max(m + r - x, 0, x - (1 - m - r));
  const dy = Math.max(m + r - y, 0, y - (1 - m - r));
  return x >= m && x <= 1 - m && y >= m && y <= 1 - m && dx * dx + dy * dy <= r * r;
};
const rounded = (cx, cy, w, h, r) => (x, y) => {
  const dx = Math.max(Math.abs(x - cx) - (w / 2 - r), 0);
  const dy = Math.max(Math.abs(y - cy) - (h / 2 - r), 0);
  return dx * dx + dy * dy <= r * r;
};
const segment = (x1, y1, x2, y2, w) => (x, y) => {
  const vx = x2 - x1,
    vy = y2 - y1;
  const t = Math.max(0, Math.min(1, ((x - x1) * vx + (y - y1) * vy) / (vx * vx + vy * vy)));
  const px = x1 + t * vx - x,
    py = y1 + t * vy - y;
  return px * px + py * py <= (w / 2) * (w / 2);
};

// Inputs: a 4×4 grid of cells on the left; latents: 3 pills on the right.
const inputs = [];
for (let r = 0; r < 4; r++)
  for (let c = 0; c < 4; c++) inputs.push(rounded(0.2 + c * 0.085, 0.32 + r * 0.12, 0.062, 0.085, 0.014));
const latentY = [0.36, 0.5, 0.64];
const latents = latentY.map((y) => rounded(0.76, y, 0.16, 0.09, 0.045));
const lines = [];
for (let r = 0; r < 4; r++) for (const ly of latentY) lines.push(segment(0.5, 0.32 + r * 0.12, 0.68, ly, 0.012));
const outLine = segment(0.76, 0.69, 0.76, 0.8, 0.014);
const outDot = rounded(0.76, 0.82, 0.07, 0.07, 0.035);

function colourAt(x, y) {
  if (!tile(x, y)) return null;
  const t = (y - 0.06) / 0.88;
  let c = BG_TOP.map((a, i) => a + (BG_BOTTOM[i] - a) * t);
  if (lines.some((f) => f(x, y))) c = c.map((a, i) => a * 0.35 + ACCENT[i] * 0.65);
  if (outLine(x, y) || outDot(x, y)) c = GREEN;
  if (inputs.some((f) => f(x, y))) c = LIGHT;
  if (latents.some((f) => f(x, y))) c = ACCENT;
  return c;
}

function draw() {
  const px = new Float64Array(N * N * 4);
  for (let j = 0; j < N; j++) {
    for (let i = 0; i < N; i++) {
      let r = 0,
        g = 0,
        b = 0,
        a = 0;
      for (let sj = 0; sj < SS; sj++) {
        for (let si = 0; si < SS; si++) {
          const c = colourAt((i + (si + 0.5) / SS) / N, (j + (sj + 0.5) / SS) / N);
          if (!c) continue;
          r += c[0];
          g += c[1];
          b += c[2];
          a += 1;
        }
      }
      const k = (j * N + i) * 4;
      // Premultiplied so that downscaling blends edges correctly.
      px[k] = r / (SS * SS);
      px[k + 1] = g / (SS * SS);
      px[k + 2] = b / (SS * SS);
      px[k + 3] = (255 * a) / (SS * SS);
    }
  }
  return px;
}

/** Box-filter a premultiplied from×from image down to n×n: each pixel averages the source pixels whose centres fall in it. */
function downscale(src, from, n) {
  const f = from / n;
  const dst = new Float64Array(n * n * 4);
  const span = (i) => [Math.ceil(i * f - 0.5), Math.ceil((i + 1) * f - 0.5)];
  for (let j = 0; j < n; j++) {
    const [y0, y1] = span(j);
    for (let i = 0; i < n; i++) {
      const [x0, x1] = span(i);
      const k = (j * n + i) * 4;
      for (let y = y0; y < y1; y++)
        for (let x = x0; x < x1; x++) {
          const s = (y * from + x) * 4;
          for (let c = 0; c < 4; c++) dst[k + c] += src[s + c];
        }
      for (let c = 0; c < 4; c++) dst[k + c] /= (y1 - y0) * (x1 - x0);
    }
  }
  return dst;
}

function encode(pre, n) {
  const png = new PNG({ width: n, height: n });
  for (let k = 0; k < n * n * 4; k += 4) {
    const a = pre[k + 3];
    const un = a > 0 ? 255 / a : 0;
    png.data[k] = Math.round(Math.min(255, pre[k] * un));
    png.data[k + 1] = Math.round(Math.min(255, pre[k + 1] * un));
    png.data[k + 2] = Math.round(Math.min(255, pre[k + 2] * un));
    png.data[k + 3] = Math.round(a);
  }
  return PNG.sync.write(png, { colorType: 6 });
}

// Premultiplied means colour channels already carry coverage: scale them by coverage/255 once.
const master = draw();
for (let k = 0; k < master.length; k += 4) for (let c = 0; c < 3; c++) master[k + c] *= master[k + 3] / 255;

const SIZES = [16, 24, 32, 48, 64, 128, 256, 512, 1024];
const pngs = new Map();
for (const n of SIZES) pngs.set(n, encode(n === N ? master : downscale(master, N, n), n));

mkdirSync(join(out, 'icons'), { recursive: true });
writeFileSync(join(out, 'icon.png'), pngs.get(1024));
for (const n of SIZES) writeFileSync(join(out, 'icons', `${n}x${n}.png`), pngs.get(n));

// .ico: ICONDIR + ICONDIRENTRY per image, PNG data (Windows Vista and later read PNG entries).
function ico(sizes) {
  const head = Buffer.alloc(6 + 16 * sizes.length);
  head.writeUInt16LE(0, 0);
  head.writeUInt16LE(1, 2);
  head.writeUInt16LE(sizes.length, 4);
  let offset = head.length;
  const bodies = [];
  sizes.forEach((n, i) => {
    const data = pngs.get(n);
    const e = 6 + 16 * i;
    head.writeUInt8(n >= 256 ? 0 : n, e);
    head.writeUInt8(n >= 256 ? 0 : n, e + 1);
    head.writeUInt8(0, e + 2);
    head.writeUInt8(0, e + 3);
    head.writeUInt16LE(1, e + 4);
    head.writeUInt16LE(32, e + 6);
    head.writeUInt32LE(data.length, e + 8);
    head.writeUInt32LE(offset, e + 12);
    offset += data.length;
    bodies.push(data);
  });
  return Buffer.concat([head, ...bodies]);
}
writeFileSync(join(out, 'icon.ico'), ico([16, 24, 32, 48, 64, 128, 256]));

// .icns: 'icns' + total length, then (type, length incl. 8-byte header, PNG) per entry.
function icns(entries) {
  const parts = entries.map(([type, n]) => {
    const data = pngs.get(n);
    const h = Buffer.alloc(8);
    h.write(type, 0, 'ascii');
    h.writeUInt32BE(data.length + 8, 4);
    return Buffer.concat([h, data]);
  });
  const h = Buffer.alloc(8);
  h.write('icns', 0, 'ascii');
  h.writeUInt32BE(8 + parts.reduce((s, p) => s + p.length, 0), 4);
  return Buffer.concat([h, ...parts]);
}
writeFileSync(
  join(out, 'icon.icns'),
  icns([
    ['icp4', 16],
    ['icp5', 32],
    ['icp6', 64],
    ['ic07', 128],
    ['ic08', 256],
    ['ic09', 512],
    ['ic10', 1024],
    ['ic11', 32],
    ['ic12', 64],
    ['ic13', 256],
    ['ic14', 512],
  ]),
);
console.log(`build/: icon.png, icons/{${SIZES.join(',')}}, icon.ico, icon.icns`);
