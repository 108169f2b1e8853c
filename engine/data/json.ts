/**
 * JSON examples in two layouts:
 *  - an array of objects, one per example: [{"a": 1, "b": 2, "label": "cat"}, …]
 *    (numeric fields are features, the target field is chosen by name, default "label");
 *  - {"x": [[…], …], "y": […]}: nested arrays of any rank (e.g. 28×28 images) and their classes.
 */
import { DataError, newSkipped, skip, type BadRowPolicy } from './errors.js';
import { classesFromTargets, type TabularData } from './tabular.js';

export interface JsonOptions {
  file?: string;
  /** Target field of an array of objects; default "label", "y", "target" or "class", else the last key. */
  target?: string;
  badRows?: BadRowPolicy;
}

const DEFAULT_TARGETS = ['label', 'labels', 'y', 'target', 'class'];

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `"${v.length > 30 ? v.slice(0, 30) + '…' : v}"`;
  return typeof v === 'object' ? 'an object' : String(v);
}

function targetText(v: unknown): string | undefined {
  if (typeof v === 'string' && v.trim() !== '') return v.trim();
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'boolean') return String(v);
  return undefined;
}

export function parseJsonData(text: string, opts: JsonOptions = {}): TabularData {
  const file = opts.file;
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new DataError(`not valid JSON (${(err as Error).message})`, { file });
  }
  if (Array.isArray(doc)) return fromObjects(doc, opts);
  if (doc && typeof doc === 'object' && 'x' in doc && 'y' in doc)
    return fromXY(doc as { x: unknown; y: unknown }, opts);
  throw new DataError(
    'expected an array of objects ([{"feature": 1, …, "label": "a"}, …]) or {"x": [...], "y": [...]}',
    { file },
  );
}

function fromObjects(rows: unknown[], opts: JsonOptions): TabularData {
  const file = opts.file;
  if (rows.length === 0) throw new DataError('the array is empty', { file });
  const first = rows[0];
  if (!first || typeof first !== 'object' || Array.isArray(first))
    throw new DataError(`element [0] is ${describe(first)}; expected an object such as {"feature": 1, "label": "a"}`, {
      file,
    });
  const keys = Object.keys(first);
  let target = opts.target;
  if (target === undefined) target = DEFAULT_TARGETS.find((k) => keys.includes(k)) ?? keys[keys.length - 1];
  if (target === undefined || !keys.includes(target)) {
    throw new DataError(
      `there is no target field "${target}" in element [0]; its fields are ${keys.map((k) => `"${k}"`).join(', ')}`,
      { file },
    );
  }
  const featureNames = keys.filter((k) => k !== target);
  if (featureNames.length === 0)
    throw new DataError(`element [0] has only the target field "${target}"; add numeric features`, { file });
  const d = featureNames.length;
  const features = new Float32Array(rows.length * d);
  const targets: string[] = [];
  const kept: number[] = [];
  const skipped = newSkipped();
  const bad = (problem: string, i: number) => {
    if (opts.badRows === 'skip') skip(skipped, `element [${i}]: ${problem}`);
    else throw new DataError(problem, { file, item: `element [${i}]` });
  };
  rows.forEach((r, i) => {
    if (!r || typeof r !== 'object' || Array.isArray(r)) return bad(`is ${describe(r)}; expected an object`, i);
    const o = r as Record<string, unknown>;
    const row = targets.length;
    for (let k = 0; k < d; k++) {
      const name = featureNames[k]!;
      const v = o[name];
      if (typeof v !== 'number')
        return bad(
          name in o
            ? `field "${name}" is ${describe(v)}; features must be numbers`
            : `field "${name}" is missing (element [0] has it)`,
          i,
        );
      if (!Number.isFinite(v)) return bad(`field "${name}" is not finite`, i);
      features[row * d + k] = v;
    }
    const extra = Object.keys(o).find((k) => k !== target && !featureNames.includes(k));
    if (extra !== undefined)
      return bad(`has a field "${extra}" that element [0] does not; every element needs the same fields`, i);
    const t = targetText(o[target!]);
    if (t === undefined)
      return bad(
        `the target "${target}" is ${target! in o ? describe(o[target!]) : 'missing'}; every element needs a class`,
        i,
      );
    targets.push(t);
    kept.push(i);
  });
  if (targets.length === 0) throw new DataError(`no usable elements (${skipped.count} skipped)`, { file });
  const { labels, classNames } = classesFromTargets(targets, {
    file,
    column: target,
    elementName: (j) => `element [${kept[j]}]`,
  });
  return {
    features: features.slice(0, targets.length * d),
    labels,
    n: targets.length,
    featureShape: [d],
    featureNames,
    targetName: target,
    classNames,
    skipped,
  };
}

/** Shape of a nested numeric array, checking it is rectangular. */
function shapeOf(v: unknown, path: string, file?: string): number[] {
  const shape: number[] = [];
  let cur = v;
  while (Array.isArray(cur)) {
    if (cur.length === 0) throw new DataError(`${path} is an empty array`, { file });
    shape.push(cur.length);
    cur = cur[0];
  }
  return shape;
}

function flattenInto(
  v: unknown,
  shape: number[],
  depth: number,
  out: Float32Array,
  offset: number,
  path: string,
  file?: string,
): number {
  if (depth === shape.length) {
    if (typeof v !== 'number') throw new DataError(`${path} is ${describe(v)}; expected a number`, { file });
    if (!Number.isFinite(v)) throw new DataError(`${path} is not finite`, { file });
    out[offset] = v;
    return offset + 1;
  }
  if (!Array.isArray(v) || v.length !== shape[depth]) {
    throw new DataError(
      `${path} ${Array.isArray(v) ? `has ${v.length} entries` : `is ${describe(v)}`}; expected ${shape[depth]} entries like x[0]${'[0]'.repeat(depth - 1)} (every example must have the same shape)`,
      { file },
    );
  }
  for (let i = 0; i < v.length; i++) offset = flattenInto(v[i], shape, depth + 1, out, offset, `${path}[${i}]`, file);
  return offset;
}

function fromXY(doc: { x: unknown; y: unknown }, opts: JsonOptions): TabularData {
  const file = opts.file;
  if (!Array.isArray(doc.x)) throw new DataError(`"x" is ${describe(doc.x)}; expected an array of examples`, { file });
  if (!Array.isArray(doc.y)) throw new DataError(`"y" is ${describe(doc.y)}; expected an array of classes`, { file });
  if (doc.x.length !== doc.y.length)
    throw new DataError(`"x" has ${doc.x.length} examples but "y" has ${doc.y.length}; they must match`, { file });
  const shape = shapeOf(doc.x, 'x', file);
  const featureShape = shape.slice(1);
  if (featureShape.length === 0)
    throw new DataError(
      'each example in "x" is a single number; wrap it as [number] or give a feature array per example',
      { file },
    );
  const size = featureShape.reduce((a, b) => a * b, 1);
  const features = new Float32Array(doc.x.length * size);
  flattenInto(doc.x, shape, 0, features, 0, 'x', file);
  const targets = doc.y.map((v, i) => {
    const t = targetText(v);
    if (t === undefined) throw new DataError(`y[${i}] is ${describe(v)}; expected a class (integer or name)`, { file });
    return t;
  });
  const { labels, classNames } = classesFromTargets(targets, { file, column: 'y', elementName: (i) => `y[${i}]` });
  return {
    features,
    labels,
    n: doc.x.length,
    featureShape,
    featureNames: [],
    targetName: 'y',
    classNames,
    skipped: newSkipped(),
  };
}
