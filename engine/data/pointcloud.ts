/**
 * Point clouds and meshes as Point cloud input examples: PLY (ascii, binary little/big endian),
 * OFF, XYZ / CSV / PTS text and `.npy` [N, 3+]. Meshes are sampled uniformly on their faces
 * (area-weighted), clouds subsampled (with repeats only when they have fewer points than asked);
 * then centred and scaled into the unit sphere. Training draws get seeded augmentation: rotation
 * about the up axis, scaling and jitter. Pure: bytes in, floats out; every refusal names the file.
 */
import { DataError } from './errors.js';
import { parseNpy } from './npy.js';
import { decodeUtf8 } from './platform.js';
import { mulberry32 } from './random.js';

export interface PointData {
  /** xyz per point, [n·3]. */
  points: Float32Array;
  n: number;
  /** Extra per-point values (colour, normals …), [n·featureCount]; absent: none. */
  features?: Float32Array;
  featureCount: number;
  /** Triangles as vertex indices [t·3] (meshes only; polygons are fanned). */
  triangles?: Uint32Array;
}

/** Bytes as Latin-1 text, in chunks (a spread of a large array overflows the call stack). */
function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode(...b.subarray(i, i + 8192));
  return s;
}

const fail = (file: string, problem: string): never => {
  throw new DataError(problem, { file });
};

function checkFinite(p: Float32Array, file: string, what: string): void {
  for (let i = 0; i < p.length; i++)
    if (!Number.isFinite(p[i]!))
      fail(file, `${what} ${Math.floor(i / 3)} has a non-finite coordinate (NaN or ±inf); fix or remove the point`);
}

function checkTriangles(tris: number[], nv: number, file: string): Uint32Array {
  for (let i = 0; i < tris.length; i++)
    if (!(tris[i]! >= 0 && tris[i]! < nv && Number.isInteger(tris[i]!)))
      fail(
        file,
        `face ${Math.floor(i / 3)} refers to vertex ${tris[i]}, but the file has ${nv} vertices (0…${nv - 1})`,
      );
  return Uint32Array.from(tris);
}

function fan(idx: number[], out: number[]): void {
  for (let k = 1; k + 1 < idx.length; k++) out.push(idx[0]!, idx[k]!, idx[k + 1]!);
}

/** Object File Format (ModelNet's): "OFF", counts "nv nf ne", vertices, faces "k i1 … ik". */
export function parseOff(text: string, file: string): PointData {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.replace(/#.*/, '').trim())
    .filter((l) => l.length > 0);
  if (lines.length === 0) fail(file, 'the OFF file is empty');
  let head = lines[0]!;
  let li = 1;
  if (!/^[CN]*OFF/.test(head))
    fail(file, 'not an OFF file (it must start with "OFF"); give .off, .ply, .xyz/.csv or .npy point data');
  // ModelNet has files whose counts follow "OFF" on the same line ("OFF490 976 0").
  head = head.replace(/^[CN]*OFF/, '').trim();
  const countLine = head.length > 0 ? head : lines[li++];
  if (countLine === undefined) fail(file, 'the OFF header is truncated: no vertex/face counts after "OFF"');
  const counts = countLine!.split(/\s+/).map(Number);
  const [nv, nf] = counts as [number, number];
  if (!(Number.isInteger(nv) && nv >= 0 && Number.isInteger(nf) && nf >= 0))
    fail(file, `the OFF counts line "${countLine}" is not "vertices faces edges"`);
  if (nv > 50_000_000 || nf > 50_000_000)
    fail(file, `the OFF header declares ${nv} vertices and ${nf} faces; more than this loader reads (50 million)`);
  if (lines.length - li < nv)
    fail(
      file,
      `the OFF header declares ${nv} vertices but the file has ${lines.length - li} more lines; the file is truncated — export it again`,
    );
  const points = new Float32Array(nv * 3);
  for (let i = 0; i < nv; i++) {
    const v = lines[li + i]!.split(/\s+/).map(Number);
    if (v.length < 3) fail(file, `vertex ${i} ("${lines[li + i]}") has fewer than 3 coordinates`);
    points.set([v[0]!, v[1]!, v[2]!], i * 3);
  }
  checkFinite(points, file, 'vertex');
  li += nv;
  if (lines.length - li < nf)
    fail(
      file,
      `the OFF header declares ${nf} faces but only ${lines.length - li} follow the vertices; the file is truncated — export it again`,
    );
  const tris: number[] = [];
  for (let f = 0; f < nf; f++) {
    const v = lines[li + f]!.split(/\s+/).map(Number);
    const k = v[0]!;
    if (!(Number.isInteger(k) && k >= 3 && v.length >= k + 1))
      fail(file, `face ${f} ("${lines[li + f]}") is not "k i1 … ik" with k ≥ 3`);
    fan(v.slice(1, k + 1), tris);
  }
  return { points, n: nv, featureCount: 0, triangles: nf > 0 ? checkTriangles(tris, nv, file) : undefined };
}

const PLY_TYPES: Record<string, { size: number; get: (v: DataView, o: number, le: boolean) => number }> = {};
for (const [names, size, get] of [
  [['char', 'int8'], 1, (v: DataView, o: number) => v.getInt8(o)],
  [['uchar', 'uint8'], 1, (v: DataView, o: number) => v.getUint8(o)],
  [['short', 'int16'], 2, (v: DataView, o: number, le: boolean) => v.getInt16(o, le)],
  [['ushort', 'uint16'], 2, (v: DataView, o: number, le: boolean) => v.getUint16(o, le)],
  [['int', 'int32'], 4, (v: DataView, o: number, le: boolean) => v.getInt32(o, le)],
  [['uint', 'uint32'], 4, (v: DataView, o: number, le: boolean) => v.getUint32(o, le)],
  [['float', 'float32'], 4, (v: DataView, o: number, le: boolean) => v.getFloat32(o, le)],
  [['double', 'float64'], 8, (v: DataView, o: number, le: boolean) => v.getFloat64(o, le)],
] as const) {
  for (const n of names) PLY_TYPES[n] = { size, get: get as (v: DataView, o: number, le: boolean) => number };
}

interface PlyProperty {
  name: string;
  type: string;
  /** List properties: the count's type. */
  countType?: string;
}
interface PlyElement {
  name: string;
  count: number;
  props: PlyProperty[];
}

/** The Stanford PLY format: vertices (x, y, z and any other scalar properties as features) and faces. */
export function parsePly(bytes: Uint8Array, file: string): PointData {
  // The header is ASCII up to "end_header\n".
  let end = -1;
  const limit = Math.min(bytes.length, 1 << 20);
  const marker = 'end_header';
  for (let i = 0; i + marker.length <= limit; i++) {
    if (bytes[i] === 0x65 && String.fromCharCode(...bytes.subarray(i, i + marker.length)) === marker) {
      let j = i + marker.length;
      if (bytes[j] === 0x0d) j++;
      if (bytes[j] === 0x0a) {
        end = j + 1;
        break;
      }
    }
  }
  const magic = String.fromCharCode(...bytes.subarray(0, Math.min(3, bytes.length)));
  if (magic !== 'ply')
    fail(file, 'not a PLY file (it must start with "ply"); give .ply, .off, .xyz/.csv or .npy point data');
  if (end < 0) fail(file, 'the PLY header is truncated: no "end_header" line; export the file again');
  const header = latin1(bytes.subarray(0, end)).split(/\r?\n/);
  let format = '';
  const elements: PlyElement[] = [];
  for (const raw of header) {
    const t = raw.trim().split(/\s+/);
    if (t[0] === 'format') format = t[1] ?? '';
    else if (t[0] === 'element') {
      const count = Number(t[2]);
      if (!(Number.isInteger(count) && count >= 0 && count <= 100_000_000))
        fail(file, `the PLY header line "${raw.trim()}" has no valid element count`);
      elements.push({ name: t[1] ?? '', count, props: [] });
    } else if (t[0] === 'property') {
      const el = elements[elements.length - 1];
      if (!el) fail(file, `the PLY header has "${raw.trim()}" before any element`);
      const prop: PlyProperty =
        t[1] === 'list'
          ? { name: t[4] ?? '', type: t[3] ?? '', countType: t[2] }
          : { name: t[2] ?? '', type: t[1] ?? '' };
      if (!PLY_TYPES[prop.type] || (prop.countType !== undefined && !PLY_TYPES[prop.countType]))
        fail(file, `the PLY property "${raw.trim()}" has an unknown type`);
      el!.props.push(prop);
    }
  }
  if (!['ascii', 'binary_little_endian', 'binary_big_endian'].includes(format))
    fail(file, `PLY format "${format}" is not ascii, binary_little_endian or binary_big_endian`);
  const vertex = elements.find((e) => e.name === 'vertex');
  if (!vertex) fail(file, 'the PLY file has no "vertex" element');
  const axes = ['x', 'y', 'z'].map((a) => vertex!.props.findIndex((p) => p.name === a && p.countType === undefined));
  if (axes.some((a) => a < 0)) fail(file, 'the PLY vertices have no x, y and z properties');
  const featureProps = vertex!.props
    .map((p, i) => ({ p, i }))
    .filter(({ p, i }) => p.countType === undefined && !axes.includes(i));
  const nv = vertex!.count;
  const points = new Float32Array(nv * 3);
  const features = featureProps.length ? new Float32Array(nv * featureProps.length) : undefined;
  const tris: number[] = [];
  const onVertex = (i: number, vals: number[]) => {
    points[i * 3] = vals[axes[0]!]!;
    points[i * 3 + 1] = vals[axes[1]!]!;
    points[i * 3 + 2] = vals[axes[2]!]!;
    featureProps.forEach(({ i: k }, f) => (features![i * featureProps.length + f] = vals[k]!));
  };
  const onFace = (el: PlyElement, vals: (number | number[])[]) => {
    const idx =
      vals[
        el.props.findIndex(
          (p) => p.countType !== undefined && (p.name === 'vertex_indices' || p.name === 'vertex_index'),
        )
      ];
    if (Array.isArray(idx) && idx.length >= 3) fan(idx, tris);
  };
  if (format === 'ascii') {
    const body = latin1(bytes.subarray(end))
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l.length > 0);
    let line = 0;
    for (const el of elements) {
      for (let r = 0; r < el.count; r++) {
        const text = body[line++];
        if (text === undefined)
          fail(
            file,
            `the PLY header declares ${el.count} ${el.name} elements but the file ends after ${r}; the file is truncated — export it again`,
          );
        const toks = text!.split(/\s+/).map(Number);
        let t = 0;
        const vals: (number | number[])[] = [];
        for (const p of el.props) {
          if (p.countType !== undefined) {
            const k = toks[t++]!;
            if (!(Number.isInteger(k) && k >= 0 && t + k <= toks.length))
              fail(file, `${el.name} ${r} has a bad list count (${k})`);
            vals.push(toks.slice(t, t + k));
            t += k;
          } else vals.push(toks[t++]!);
        }
        if (t > toks.length || vals.some((v) => typeof v === 'number' && Number.isNaN(v)))
          fail(
            file,
            `${el.name} ${r} ("${text}") has fewer or non-numeric values than its ${el.props.length} properties`,
          );
        if (el === vertex) onVertex(r, vals as number[]);
        else if (el.name === 'face') onFace(el, vals);
      }
    }
  } else {
    const le = format === 'binary_little_endian';
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let o = end;
    for (const el of elements) {
      for (let r = 0; r < el.count; r++) {
        const vals: (number | number[])[] = [];
        for (const p of el.props) {
          const need = (t: string) => {
            if (o + PLY_TYPES[t]!.size > bytes.length)
              fail(
                file,
                `the PLY header declares ${el.count} ${el.name} elements but the file ends inside element ${r}; the file is truncated — export it again`,
              );
          };
          if (p.countType !== undefined) {
            need(p.countType);
            const k = PLY_TYPES[p.countType]!.get(v, o, le);
            o += PLY_TYPES[p.countType]!.size;
            if (!(k >= 0 && k <= 1000)) fail(file, `${el.name} ${r} has a list of ${k} items; expected 0–1000`);
            const items: number[] = [];
            for (let q = 0; q < k; q++) {
              need(p.type);
              items.push(PLY_TYPES[p.type]!.get(v, o, le));
              o += PLY_TYPES[p.type]!.size;
            }
            vals.push(items);
          } else {
            need(p.type);
            vals.push(PLY_TYPES[p.type]!.get(v, o, le));
            o += PLY_TYPES[p.type]!.size;
          }
        }
        if (el === vertex) onVertex(r, vals as number[]);
        else if (el.name === 'face') onFace(el, vals);
      }
    }
  }
  checkFinite(points, file, 'vertex');
  return {
    points,
    n: nv,
    features,
    featureCount: featureProps.length,
    triangles: tris.length ? checkTriangles(tris, nv, file) : undefined,
  };
}

/** Text points: one per line, x y z [features…], separated by spaces, tabs or commas; an optional header line. */
export function parseXyz(text: string, file: string): PointData {
  const lines = text.split(/\r?\n/);
  const rows: number[][] = [];
  let width = -1;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!.replace(/#.*/, '').trim();
    if (!l) continue;
    const vals = l.split(/[\s,;]+/).map(Number);
    if (vals.some((x) => Number.isNaN(x))) {
      if (rows.length === 0 && width < 0) {
        width = 0; // the header line
        continue;
      }
      fail(file, `line ${i + 1} ("${l.slice(0, 60)}") is not a row of numbers`);
    }
    if (vals.length < 3) fail(file, `line ${i + 1} has ${vals.length} values; a point needs x, y and z`);
    if (rows.length > 0 && vals.length !== rows[0]!.length)
      fail(
        file,
        `line ${i + 1} has ${vals.length} values but the first point has ${rows[0]!.length}; every row needs the same columns`,
      );
    rows.push(vals);
  }
  if (rows.length === 0) fail(file, 'the file has no points');
  return fromRows(rows.length, rows[0]!.length, (r, c) => rows[r]![c]!, file);
}

function fromRows(n: number, w: number, at: (r: number, c: number) => number, file: string): PointData {
  const points = new Float32Array(n * 3);
  const fcount = w - 3;
  const features = fcount > 0 ? new Float32Array(n * fcount) : undefined;
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < 3; c++) points[r * 3 + c] = at(r, c);
    for (let c = 0; c < fcount; c++) features![r * fcount + c] = at(r, 3 + c);
  }
  checkFinite(points, file, 'point');
  return { points, n, features, featureCount: fcount };
}

export function pointsFromNpy(bytes: Uint8Array, file: string): PointData {
  const a = parseNpy(bytes, file);
  if (a.shape.length !== 2 || a.shape[1]! < 3 || a.shape[0]! < 1)
    fail(
      file,
      `a .npy point cloud is [points, 3 + features], but this array is [${a.shape.join(', ')}]; save one cloud per file`,
    );
  const w = a.shape[1]!;
  return fromRows(a.shape[0]!, w, (r, c) => a.data[r * w + c]!, file);
}

export function isPointFileName(name: string): boolean {
  return /\.(ply|off|xyz|pts|csv|txt|npy)$/i.test(name);
}

export function decodePointFile(bytes: Uint8Array, file: string): PointData {
  const lower = file.toLowerCase();
  if (lower.endsWith('.ply')) return parsePly(bytes, file);
  if (lower.endsWith('.npy')) return pointsFromNpy(bytes, file);
  let text: string;
  try {
    text = decodeUtf8(bytes);
  } catch {
    return fail(file, 'the file is not valid UTF-8 text; OFF and XYZ/CSV point files are text');
  }
  if (lower.endsWith('.off')) return parseOff(text, file);
  return parseXyz(text, file);
}

export interface PointShape {
  points: number;
  /** Extra per-point features the input takes (the file must have at least as many). */
  features: number;
  upAxis: 'x' | 'y' | 'z';
  augment: { rotate: boolean; scale: number; jitter: number };
}

/** A deterministic generator for evaluation draws of a file (same points every time). */
function fileRand(file: string): () => number {
  let h = 2166136261;
  for (let i = 0; i < file.length; i++) h = Math.imul(h ^ file.charCodeAt(i), 16777619);
  return mulberry32(h >>> 0);
}

/**
 * `shape.points` points (xyz + features) from a cloud or mesh, centred on the bounding-box centre
 * and scaled so the farthest point is at radius 1; `rand` (training) also augments.
 */
export function pointsToInput(d: PointData, shape: PointShape, file: string, rand?: () => number): Float32Array {
  if (d.n === 0) fail(file, 'the file has no points');
  if (d.featureCount < shape.features)
    fail(
      file,
      `the points have ${d.featureCount} extra values each but the input node takes ${shape.features} features; set the Point cloud input's features to ${d.featureCount} or less`,
    );
  const r = rand ?? fileRand(file);
  const N = shape.points;
  const W = 3 + shape.features;
  const out = new Float32Array(N * W);
  const tris = d.triangles;
  if (tris && tris.length > 0) {
    // Area-weighted triangle choice (binary search on the cumulative areas), uniform barycentric point.
    const t = tris.length / 3;
    const cum = new Float64Array(t);
    let total = 0;
    const p = d.points;
    for (let k = 0; k < t; k++) {
      const a = tris[3 * k]! * 3;
      const b = tris[3 * k + 1]! * 3;
      const c = tris[3 * k + 2]! * 3;
      const ux = p[b]! - p[a]!,
        uy = p[b + 1]! - p[a + 1]!,
        uz = p[b + 2]! - p[a + 2]!;
      const vx = p[c]! - p[a]!,
        vy = p[c + 1]! - p[a + 1]!,
        vz = p[c + 2]! - p[a + 2]!;
      total += 0.5 * Math.hypot(uy * vz - uz * vy, uz * vx - ux * vz, ux * vy - uy * vx);
      cum[k] = total;
    }
    if (!(total > 0)) fail(file, 'every face of the mesh has zero area; there is no surface to sample');
    for (let i = 0; i < N; i++) {
      const target = r() * total;
      let lo = 0;
      let hi = t - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cum[mid]! < target) lo = mid + 1;
        else hi = mid;
      }
      let s1 = r();
      let s2 = r();
      if (s1 + s2 > 1) {
        s1 = 1 - s1;
        s2 = 1 - s2;
      }
      const a = tris[3 * lo]!,
        b = tris[3 * lo + 1]!,
        c = tris[3 * lo + 2]!;
      for (let q = 0; q < 3; q++)
        out[i * W + q] = p[a * 3 + q]! + s1 * (p[b * 3 + q]! - p[a * 3 + q]!) + s2 * (p[c * 3 + q]! - p[a * 3 + q]!);
      // Features of a surface point: those of the nearest corner by barycentric weight.
      const corner = 1 - s1 - s2 >= Math.max(s1, s2) ? a : s1 >= s2 ? b : c;
      for (let f = 0; f < shape.features; f++) out[i * W + 3 + f] = d.features![corner * d.featureCount + f]!;
    }
  } else {
    // Subsample without repeats (partial Fisher–Yates); repeat points only when there are too few.
    const idx = new Uint32Array(d.n);
    for (let i = 0; i < d.n; i++) idx[i] = i;
    for (let i = 0; i < N; i++) {
      let src: number;
      if (i < d.n) {
        const j = i + Math.floor(r() * (d.n - i));
        const tmp = idx[i]!;
        idx[i] = idx[j]!;
        idx[j] = tmp;
        src = idx[i]!;
      } else src = Math.floor(r() * d.n);
      for (let q = 0; q < 3; q++) out[i * W + q] = d.points[src * 3 + q]!;
      for (let f = 0; f < shape.features; f++) out[i * W + 3 + f] = d.features![src * d.featureCount + f]!;
    }
  }
  // Centre on the bounding box and scale into the unit sphere.
  const lo = [Infinity, Infinity, Infinity];
  const hi = [-Infinity, -Infinity, -Infinity];
  for (let i = 0; i < N; i++)
    for (let q = 0; q < 3; q++) {
      lo[q] = Math.min(lo[q]!, out[i * W + q]!);
      hi[q] = Math.max(hi[q]!, out[i * W + q]!);
    }
  const centre = lo.map((l, q) => (l + hi[q]!) / 2);
  let radius = 0;
  for (let i = 0; i < N; i++) {
    for (let q = 0; q < 3; q++) out[i * W + q]! -= centre[q]!;
    radius = Math.max(radius, Math.hypot(out[i * W]!, out[i * W + 1]!, out[i * W + 2]!));
  }
  const inv = radius > 0 ? 1 / radius : 1;
  for (let i = 0; i < N; i++) for (let q = 0; q < 3; q++) out[i * W + q]! *= inv;
  if (rand) augmentPoints(out, N, W, shape, rand);
  return out;
}

/** Rotation about the up axis (uniform angle), a uniform scale in [1 − s, 1 + s], Gaussian jitter clipped at 5σ. */
function augmentPoints(out: Float32Array, N: number, W: number, shape: PointShape, rand: () => number): void {
  const { rotate, scale, jitter } = shape.augment;
  const up = { x: 0, y: 1, z: 2 }[shape.upAxis];
  const [a, b] = [0, 1, 2].filter((q) => q !== up) as [number, number];
  const theta = rotate ? rand() * 2 * Math.PI : 0;
  const cos = Math.cos(theta);
  const sin = Math.sin(theta);
  const k = scale > 0 ? 1 - scale + 2 * scale * rand() : 1;
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  for (let i = 0; i < N; i++) {
    const o = i * W;
    const pa = out[o + a]!;
    const pb = out[o + b]!;
    out[o + a] = cos * pa - sin * pb;
    out[o + b] = sin * pa + cos * pb;
    for (let q = 0; q < 3; q++) {
      out[o + q]! *= k;
      if (jitter > 0) out[o + q]! += Math.max(-5 * jitter, Math.min(5 * jitter, jitter * gauss()));
    }
  }
}

/** The example codec of a point-cloud class folder (ModelNet style: class/*.off). */
export function pointCodec(shape: PointShape): import('./fileFolder.js').ExampleCodec {
  return {
    what: 'point cloud',
    formats: 'PLY, OFF, XYZ/CSV or .npy',
    accepts: isPointFileName,
    shape: [shape.points, 3 + shape.features],
    decode: (bytes, path, rand) => pointsToInput(decodePointFile(bytes, path), shape, path, rand),
    prepare: (bytes, path) => {
      const d = decodePointFile(bytes, path);
      return { value: d, bytes: d.points.byteLength + (d.features?.byteLength ?? 0) + (d.triangles?.byteLength ?? 0) };
    },
    finish: (prepared, path, rand) => pointsToInput(prepared as PointData, shape, path, rand),
  };
}
