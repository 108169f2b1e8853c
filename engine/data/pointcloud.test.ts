import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DataError } from './errors.js';
import { fileFolderDataset } from './fileFolder.js';
import {
  decodePointFile,
  parseOff,
  parsePly,
  parseXyz,
  pointCodec,
  pointsToInput,
  type PointShape,
} from './pointcloud.js';
import { mulberry32 } from './random.js';

const enc = (s: string) => new TextEncoder().encode(s);
/** A unit cube (8 vertices, 12 triangles) in the given format. */
const CUBE_V = [
  [-1, -1, -1],
  [-1, -1, 1],
  [-1, 1, -1],
  [-1, 1, 1],
  [1, -1, -1],
  [1, -1, 1],
  [1, 1, -1],
  [1, 1, 1],
];
const CUBE_Q = [
  [0, 1, 3, 2],
  [4, 6, 7, 5],
  [0, 4, 5, 1],
  [2, 3, 7, 6],
  [0, 2, 6, 4],
  [1, 5, 7, 3],
];
const cubeOff = () =>
  `OFF\n# a cube\n8 6 0\n${CUBE_V.map((v) => v.join(' ')).join('\n')}\n${CUBE_Q.map((q) => `4 ${q.join(' ')}`).join('\n')}\n`;

function cubePly(format: 'ascii' | 'binary_little_endian' | 'binary_big_endian', withColour = false): Uint8Array {
  const extra = withColour ? 'property uchar red\n' : '';
  const header = `ply\nformat ${format} 1.0\nelement vertex 8\nproperty float x\nproperty float y\nproperty double z\n${extra}element face 6\nproperty list uchar int vertex_indices\nend_header\n`;
  if (format === 'ascii')
    return enc(
      header +
        CUBE_V.map((v, i) => v.join(' ') + (withColour ? ` ${i * 10}` : '')).join('\n') +
        '\n' +
        CUBE_Q.map((q) => `4 ${q.join(' ')}`).join('\n') +
        '\n',
    );
  const le = format === 'binary_little_endian';
  const h = enc(header);
  const b = new Uint8Array(h.length + 8 * (16 + (withColour ? 1 : 0)) + 6 * 17);
  b.set(h);
  const dv = new DataView(b.buffer);
  let o = h.length;
  CUBE_V.forEach((v, i) => {
    dv.setFloat32(o, v[0]!, le);
    dv.setFloat32(o + 4, v[1]!, le);
    dv.setFloat64(o + 8, v[2]!, le);
    o += 16;
    if (withColour) b[o++] = i * 10;
  });
  for (const q of CUBE_Q) {
    b[o++] = 4;
    for (const i of q) {
      dv.setInt32(o, i, le);
      o += 4;
    }
  }
  return b;
}

const shape = (points: number, features = 0): PointShape => ({
  points,
  features,
  upAxis: 'z',
  augment: { rotate: true, scale: 0.2, jitter: 0.01 },
});

describe('point-cloud formats', () => {
  it('OFF, ascii PLY and binary PLY (both byte orders) read the same cube; quads are fanned into triangles', () => {
    const all = [
      parseOff(cubeOff(), 'c.off'),
      parsePly(cubePly('ascii'), 'c.ply'),
      parsePly(cubePly('binary_little_endian'), 'c.ply'),
      parsePly(cubePly('binary_big_endian'), 'c.ply'),
    ];
    for (const d of all) {
      expect(d.n).toBe(8);
      expect([...d.points]).toEqual(CUBE_V.flat());
      expect(d.triangles!.length).toBe(36);
    }
    expect([...parseOff('OFF8 0 0\n' + CUBE_V.map((v) => v.join(' ')).join('\n'), 'm.off').points]).toEqual(
      CUBE_V.flat(),
    );
  });

  it('keeps other vertex properties as features; XYZ/CSV with a header; .npy through decodePointFile', () => {
    const d = parsePly(cubePly('binary_big_endian', true), 'c.ply');
    expect(d.featureCount).toBe(1);
    expect([...d.features!]).toEqual([0, 10, 20, 30, 40, 50, 60, 70]);
    const x = parseXyz('x,y,z,intensity\n0,0,0,1\n1,2,3,4\n', 'p.csv');
    expect([x.n, x.featureCount, [...x.points]]).toEqual([2, 1, [0, 0, 0, 1, 2, 3]]);
    expect(decodePointFile(enc('0 0 0\n1 1 1\n'), 'p.xyz').n).toBe(2);
  });

  it('names the file and the fault', () => {
    const ply = cubePly('binary_little_endian');
    expect(() => parsePly(ply.subarray(0, ply.length - 40), 'c.ply')).toThrow(
      /^c\.ply: the PLY header declares 6 face elements but the file ends inside element 3; the file is truncated — export it again$/,
    );
    const more = new TextDecoder().decode(cubePly('ascii')).replace('element vertex 8', 'element vertex 20');
    expect(() => parsePly(enc(more), 'm.ply')).toThrow(
      /m\.ply: (vertex|face) \d+ .*|m\.ply: the PLY header declares 20 vertex elements but the file ends after/,
    );
    const fewer = enc(new TextDecoder().decode(cubePly('ascii')).split('\n').slice(0, 12).join('\n'));
    expect(() => parsePly(fewer, 'f.ply')).toThrow(
      'f.ply: the PLY header declares 8 vertex elements but the file ends after 3; the file is truncated — export it again',
    );
    expect(() => parseOff('OFF\n10 0 0\n0 0 0\n', 'v.off')).toThrow(
      'v.off: the OFF header declares 10 vertices but the file has 1 more lines; the file is truncated — export it again',
    );
    expect(() => parseOff('OFF\n3 1 0\n0 0 0\n1 0 0\n0 1 0\n3 0 1 7\n', 'i.off')).toThrow(
      'i.off: face 0 refers to vertex 7, but the file has 3 vertices (0…2)',
    );
    expect(() => parsePly(enc('ply\nformat ascii 1.0\nelement vertex 1\n'), 'h.ply')).toThrow(
      'h.ply: the PLY header is truncated: no "end_header" line; export the file again',
    );
    expect(() => parseXyz('1 2\n', 'a.xyz')).toThrow('a.xyz: line 1 has 2 values; a point needs x, y and z');
  });

  for (const [name, make] of [
    ['OFF', () => enc(cubeOff())],
    ['ascii PLY', () => cubePly('ascii', true)],
    ['binary PLY', () => cubePly('binary_little_endian', true)],
    ['big-endian PLY', () => cubePly('binary_big_endian')],
  ] as const) {
    it(`fuzz: mutated and truncated ${name} files decode or give a named DataError`, () => {
      const base = make();
      const file = name.includes('OFF') ? 'f.off' : 'f.ply';
      fc.assert(
        fc.property(
          fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
          fc.nat(base.length),
          (edits, cut) => {
            const b = base.slice(0, base.length - cut);
            for (const [i, v] of edits) if (i < b.length) b[i] = v;
            try {
              const d = decodePointFile(b, file);
              const x = pointsToInput(d, shape(16), file, mulberry32(1));
              expect(x.every(Number.isFinite)).toBe(true);
            } catch (err) {
              expect(err).toBeInstanceOf(DataError);
              expect((err as Error).message.startsWith(`${file}: `)).toBe(true);
            }
          },
        ),
        { numRuns: 300, seed: 3 },
      );
    });
  }
});

describe('sampling and normalisation', () => {
  it('samples meshes on their faces: every point of a cube lies on its surface, spread over all six faces', () => {
    const x = pointsToInput(parseOff(cubeOff(), 'c.off'), shape(600), 'c.off');
    // One common half-size r (≥ 1/√3: the farthest sample, near a corner, is at radius 1).
    const r = Math.max(...Array.from({ length: 600 }, (_, i) => Math.abs(x[3 * i]!)));
    expect(r).toBeGreaterThanOrEqual(1 / Math.sqrt(3) - 1e-6);
    const faces = new Set<string>();
    for (let i = 0; i < 600; i++) {
      const p = [x[3 * i]!, x[3 * i + 1]!, x[3 * i + 2]!];
      const m = Math.max(...p.map(Math.abs));
      expect(m).toBeCloseTo(r, 2);
      const axis = p.findIndex((v) => Math.abs(Math.abs(v) - m) < 1e-6);
      faces.add(`${axis}${Math.sign(p[axis]!)}`);
    }
    expect(faces.size).toBe(6);
  });

  it('centres and scales clouds into the unit sphere; evaluation draws repeat, training draws are augmented', () => {
    const pts = Array.from(
      { length: 100 },
      (_, i) => `${10 + (i % 10)} ${20 + Math.floor(i / 10)} ${5 + (i % 7)}`,
    ).join('\n');
    const d = parseXyz(pts, 'p.xyz');
    const a = pointsToInput(d, shape(50), 'p.xyz');
    expect([...a]).toEqual([...pointsToInput(d, shape(50), 'p.xyz')]);
    let maxR = 0;
    for (let i = 0; i < 50; i++) maxR = Math.max(maxR, Math.hypot(a[3 * i]!, a[3 * i + 1]!, a[3 * i + 2]!));
    expect(maxR).toBeCloseTo(1, 5);
    const t1 = pointsToInput(d, shape(50), 'p.xyz', mulberry32(5));
    const t2 = pointsToInput(d, shape(50), 'p.xyz', mulberry32(5));
    expect([...t1]).toEqual([...t2]);
    expect([...t1]).not.toEqual([...a]);
    // Rotation is about z: each point's z is only scaled and jittered, so z's spread stays close.
    const zs = (x: Float32Array) => Array.from({ length: 50 }, (_, i) => x[3 * i + 2]!);
    expect(Math.max(...zs(t1)) - Math.min(...zs(t1))).toBeGreaterThan(0.5 * (Math.max(...zs(a)) - Math.min(...zs(a))));
  });

  it('refuses fewer features than the input takes, naming the param', () => {
    expect(() => pointsToInput(parseXyz('0 0 0\n1 1 1\n', 'p.xyz'), shape(4, 2), 'p.xyz')).toThrow(
      "p.xyz: the points have 0 extra values each but the input node takes 2 features; set the Point cloud input's features to 0 or less",
    );
  });

  it('streams a ModelNet-style folder with training-only augmentation', async () => {
    const files = new Map<string, Uint8Array>();
    const classes = ['cube', 'flat'].map((name) => ({
      name,
      files: Array.from({ length: 10 }, (_, i) => `r/${name}/${i}.${i % 2 && name === 'cube' ? 'ply' : 'off'}`),
    }));
    for (const f of classes[0]!.files)
      files.set(f, f.endsWith('.ply') ? cubePly('binary_little_endian') : enc(cubeOff()));
    for (const f of classes[1]!.files) files.set(f, enc('OFF\n4 2 0\n0 0 0\n1 0 0\n1 1 0\n0 1 0\n3 0 1 2\n3 0 2 3\n'));
    const ds = fileFolderDataset(
      { root: 'r', classes, looseFiles: [] },
      async (p) => files.get(p)!,
      pointCodec(shape(64)),
      { validationFraction: 0.2, testFraction: 0.2 },
    );
    expect(ds.inputShape).toEqual([64, 3]);
    const e1 = await ds.train.example(0);
    const e2 = await ds.train.example(0);
    expect([...e1.x]).toEqual([...e2.x]);
    const epochs: Float32Array[] = [];
    for (const epoch of [0, 1]) for await (const b of ds.train.batches(100, { epoch })) epochs.push(b.x);
    expect([...epochs[0]!]).not.toEqual([...epochs[1]!]);
    const val: Float32Array[] = [];
    for (let k = 0; k < 2; k++) for await (const b of ds.validation.batches(100, { epoch: k })) val.push(b.x);
    expect([...val[0]!]).toEqual([...val[1]!]);
  });
});
