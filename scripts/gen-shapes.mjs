#!/usr/bin/env node
/**
 * Parametric shapes as a ModelNet-style point-cloud dataset (one folder per class):
 *
 *   node scripts/gen-shapes.mjs --out shapes [--per-class 60] [--seed 1]
 *
 * writes OUT/<shape>/<n>.off or .ply meshes of a sphere, cube, cylinder, cone, torus, pyramid,
 * capsule and octahedron. Each mesh draws its own resolution, proportions (e.g. a cylinder's
 * height, a torus' tube radius; ±20% per axis), a rotation about the up axis (z) with a small
 * tilt, and vertex noise; formats rotate through OFF, ascii PLY, binary little-endian PLY and
 * binary big-endian PLY, so every reader is exercised. Seeded: the same arguments give the same files.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  if (i < 0) return fallback;
  const v = process.argv[i + 1];
  if (v === undefined || v.startsWith('--')) throw new Error(`${name} needs a value`);
  return v;
}
if (process.argv.includes('--help')) {
  console.log('usage: node scripts/gen-shapes.mjs --out DIR [--per-class N (60)] [--seed S (1)]');
  process.exit(0);
}
const out = arg('--out');
if (!out) {
  console.error('gen-shapes: give --out DIR');
  process.exit(2);
}
const perClass = Number(arg('--per-class', '60'));
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
const rand = mulberry32(seed * 104729 + 3);
const uni = (a, b) => a + (b - a) * rand();
const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());

/** A surface of revolution / parametric grid (u around, v along) as vertices + quads split in triangles. */
function grid(nu, nv, f, closeU = true) {
  const V = [];
  const F = [];
  for (let j = 0; j <= nv; j++) for (let i = 0; i < nu; i++) V.push(f(i / nu, j / nv));
  const id = (i, j) => j * nu + (i % nu);
  for (let j = 0; j < nv; j++) {
    for (let i = 0; i < (closeU ? nu : nu - 1); i++) {
      F.push([id(i, j), id(i + 1, j), id(i + 1, j + 1)]);
      F.push([id(i, j), id(i + 1, j + 1), id(i, j + 1)]);
    }
  }
  return { V, F };
}

/** A disc cap at height z with radius r (fan around a centre vertex). */
function cap(mesh, nu, r, z, flip) {
  const c = mesh.V.length;
  mesh.V.push([0, 0, z]);
  for (let i = 0; i < nu; i++)
    mesh.V.push([r * Math.cos((2 * Math.PI * i) / nu), r * Math.sin((2 * Math.PI * i) / nu), z]);
  for (let i = 0; i < nu; i++) {
    const a = c + 1 + i;
    const b = c + 1 + ((i + 1) % nu);
    mesh.F.push(flip ? [c, b, a] : [c, a, b]);
  }
  return mesh;
}

const TAU = 2 * Math.PI;
const SHAPES = {
  sphere: () => {
    const n = Math.floor(uni(12, 28));
    return grid(n, n, (u, v) => {
      const th = v * Math.PI;
      return [Math.sin(th) * Math.cos(TAU * u), Math.sin(th) * Math.sin(TAU * u), Math.cos(th)];
    });
  },
  cube: () => {
    const V = [];
    for (const x of [-1, 1]) for (const y of [-1, 1]) for (const z of [-1, 1]) V.push([x, y, z]);
    const q = [
      [0, 1, 3, 2],
      [4, 6, 7, 5],
      [0, 4, 5, 1],
      [2, 3, 7, 6],
      [0, 2, 6, 4],
      [1, 5, 7, 3],
    ];
    return {
      V,
      F: q.flatMap(([a, b, c, d]) => [
        [a, b, c],
        [a, c, d],
      ]),
    };
  },
  cylinder: () => {
    const n = Math.floor(uni(12, 32));
    const h = uni(0.7, 1.6);
    const m = grid(n, 4, (u, v) => [Math.cos(TAU * u), Math.sin(TAU * u), h * (2 * v - 1)]);
    return cap(cap(m, n, 1, -h, true), n, 1, h, false);
  },
  cone: () => {
    const n = Math.floor(uni(12, 32));
    const h = uni(0.8, 1.8);
    const m = grid(n, 6, (u, v) => [(1 - v) * Math.cos(TAU * u), (1 - v) * Math.sin(TAU * u), h * v]);
    return cap(m, n, 1, 0, true);
  },
  torus: () => {
    const n = Math.floor(uni(16, 32));
    const r = uni(0.2, 0.45);
    return grid(n, Math.floor(n / 2), (u, v) => [
      (1 + r * Math.cos(TAU * v)) * Math.cos(TAU * u),
      (1 + r * Math.cos(TAU * v)) * Math.sin(TAU * u),
      r * Math.sin(TAU * v),
    ]);
  },
  pyramid: () => {
    const h = uni(0.8, 1.8);
    const V = [
      [-1, -1, 0],
      [1, -1, 0],
      [1, 1, 0],
      [-1, 1, 0],
      [0, 0, h],
    ];
    return {
      V,
      F: [
        [0, 2, 1],
        [0, 3, 2],
        [0, 1, 4],
        [1, 2, 4],
        [2, 3, 4],
        [3, 0, 4],
      ],
    };
  },
  capsule: () => {
    const n = Math.floor(uni(12, 24));
    const h = uni(0.6, 1.4);
    return grid(n, n, (u, v) => {
      // v: 0…1 over bottom hemisphere, the side, top hemisphere.
      const t = v * 3;
      let z;
      let r;
      if (t < 1) {
        const a = (t * Math.PI) / 2;
        r = Math.sin(a);
        z = -h - Math.cos(a);
      } else if (t < 2) {
        r = 1;
        z = -h + 2 * h * (t - 1);
      } else {
        const a = ((t - 2) * Math.PI) / 2;
        r = Math.cos(a);
        z = h + Math.sin(a);
      }
      return [r * Math.cos(TAU * u), r * Math.sin(TAU * u), z];
    });
  },
  octahedron: () => {
    const V = [
      [1, 0, 0],
      [-1, 0, 0],
      [0, 1, 0],
      [0, -1, 0],
      [0, 0, 1],
      [0, 0, -1],
    ];
    return {
      V,
      F: [
        [0, 2, 4],
        [2, 1, 4],
        [1, 3, 4],
        [3, 0, 4],
        [2, 0, 5],
        [1, 2, 5],
        [3, 1, 5],
        [0, 3, 5],
      ],
    };
  },
};

/** Proportions, rotation about z, a small tilt, vertex noise. */
function perturb(V) {
  const s = [uni(0.8, 1.2), uni(0.8, 1.2), uni(0.8, 1.2)];
  const th = uni(0, TAU);
  const tilt = uni(-0.15, 0.15);
  const noise = uni(0.002, 0.02);
  return V.map(([x, y, z]) => {
    x *= s[0];
    y *= s[1];
    z *= s[2];
    const y2 = y * Math.cos(tilt) - z * Math.sin(tilt);
    const z2 = y * Math.sin(tilt) + z * Math.cos(tilt);
    const x3 = x * Math.cos(th) - y2 * Math.sin(th);
    const y3 = x * Math.sin(th) + y2 * Math.cos(th);
    return [x3 + noise * gauss(), y3 + noise * gauss(), z2 + noise * gauss()];
  });
}

function off({ V, F }) {
  return `OFF\n${V.length} ${F.length} 0\n${V.map((v) => v.map((c) => c.toFixed(5)).join(' ')).join('\n')}\n${F.map((f) => `3 ${f.join(' ')}`).join('\n')}\n`;
}

function ply({ V, F }, format) {
  const header = `ply\nformat ${format} 1.0\ncomment gen-shapes.mjs\nelement vertex ${V.length}\nproperty float x\nproperty float y\nproperty float z\nelement face ${F.length}\nproperty list uchar int vertex_indices\nend_header\n`;
  if (format === 'ascii')
    return (
      header +
      V.map((v) => v.map((c) => c.toFixed(5)).join(' ')).join('\n') +
      '\n' +
      F.map((f) => `3 ${f.join(' ')}`).join('\n') +
      '\n'
    );
  const le = format === 'binary_little_endian';
  const h = new TextEncoder().encode(header);
  const b = new Uint8Array(h.length + V.length * 12 + F.length * 13);
  b.set(h);
  const dv = new DataView(b.buffer);
  let o = h.length;
  for (const v of V)
    for (const c of v) {
      dv.setFloat32(o, c, le);
      o += 4;
    }
  for (const f of F) {
    b[o++] = 3;
    for (const i of f) {
      dv.setInt32(o, i, le);
      o += 4;
    }
  }
  return b;
}

const FORMATS = ['off', 'ascii', 'binary_little_endian', 'binary_big_endian'];
const started = Date.now();
let count = 0;
for (const [name, make] of Object.entries(SHAPES)) {
  mkdirSync(join(out, name), { recursive: true });
  for (let i = 0; i < perClass; i++) {
    const mesh = make();
    mesh.V = perturb(mesh.V);
    const fmt = FORMATS[(i + count) % FORMATS.length];
    const base = join(out, name, String(i).padStart(4, '0'));
    if (fmt === 'off') writeFileSync(`${base}.off`, off(mesh));
    else writeFileSync(`${base}.ply`, ply(mesh, fmt));
  }
  count++;
}
console.log(
  `gen-shapes: ${perClass * Object.keys(SHAPES).length} meshes of ${Object.keys(SHAPES).length} shapes in ${out} (${((Date.now() - started) / 1000).toFixed(1)} s)`,
);
