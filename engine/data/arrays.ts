/**
 * NumPy arrays → examples. A single .npy is a table [n, columns] whose target is one column
 * (default the last); an .npz holds features and labels as two arrays ("x"/"y" and the usual
 * aliases, or the target named with --target).
 */
import { DataError, newSkipped } from './errors.js';
import { firstNonFinite, indexOf, type NpyArray } from './npy.js';
import { classesFromTargets, type TabularData, type TargetKind } from './tabular.js';

const X_NAMES = ['x', 'X', 'inputs', 'features', 'data', 'images', 'x_train'];
const Y_NAMES = ['y', 'Y', 'labels', 'label', 'targets', 'target', 'classes', 'y_train'];

function labelsFrom(
  values: ArrayLike<number>,
  file: string | undefined,
  column: string,
  name: (i: number) => string,
): { labels: Int32Array; classNames: string[] } {
  const targets: string[] = new Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) throw new DataError(`${name(i)} is ${v}; labels must be finite classes`, { file });
    targets[i] = String(v);
  }
  return classesFromTargets(targets, { file, column, elementName: name });
}

function checkFinite(a: NpyArray, what: string, file?: string): void {
  const bad = firstNonFinite(a.data);
  if (bad >= 0)
    throw new DataError(
      `${what}${indexOf(bad, a.shape)} is ${a.data[bad]}; features must be finite (replace NaN/Infinity first)`,
      { file },
    );
}

export function tableFromNpy(
  a: NpyArray,
  opts: { file?: string; target?: string; targetKind?: TargetKind } = {},
): TabularData {
  const file = opts.file;
  if (a.shape.length !== 2) {
    throw new DataError(
      `a single .npy is read as a table [rows, columns] with the class in one column, but this array has shape (${a.shape.join(', ')}); save features and labels together with np.savez(path, x=…, y=…)`,
      { file },
    );
  }
  const [n, cols] = a.shape as [number, number];
  if (n === 0)
    throw new DataError(
      `the array has shape (0, ${cols}): it holds no examples (0 rows); save the table with its rows`,
      { file },
    );
  if (cols < 2) throw new DataError(`the table has ${cols} column; it needs features and a class column`, { file });
  let t = cols - 1;
  if (opts.target !== undefined) {
    const k = Number(opts.target);
    if (!Number.isInteger(k) || k < 1 || k > cols)
      throw new DataError(`--target for a .npy table is a column number 1…${cols} (got "${opts.target}")`, { file });
    t = k - 1;
  }
  const d = cols - 1;
  const features = new Float32Array(n * d);
  const targetValues = new Float32Array(n);
  for (let r = 0; r < n; r++) {
    let k = 0;
    for (let c = 0; c < cols; c++) {
      const v = a.data[r * cols + c]!;
      if (c === t) targetValues[r] = v;
      else {
        if (!Number.isFinite(v))
          throw new DataError(`element [${r}, ${c}] is ${v}; features must be finite (replace NaN/Infinity first)`, {
            file,
          });
        features[r * d + k++] = v;
      }
    }
  }
  const column = `column ${t + 1}`;
  const featureNames = Array.from({ length: cols }, (_, c) => `column ${c + 1}`).filter((_, c) => c !== t);
  if (opts.targetKind === 'values') {
    const bad = firstNonFinite(targetValues);
    if (bad >= 0)
      throw new DataError(`element [${bad}, ${t}] is ${targetValues[bad]}; regression targets must be finite`, {
        file,
      });
    return {
      features,
      labels: new Int32Array(n),
      n,
      featureShape: [d],
      featureNames,
      targetName: column,
      classNames: [],
      skipped: newSkipped(),
      values: targetValues,
      valueShape: [1],
    };
  }
  const { labels, classNames } = labelsFrom(targetValues, file, column, (i) => `element [${i}, ${t}]`);
  return {
    features,
    labels,
    n,
    featureShape: [d],
    featureNames,
    targetName: column,
    classNames,
    skipped: newSkipped(),
  };
}

export function examplesFromNpz(
  arrays: Map<string, NpyArray>,
  opts: { file?: string; target?: string; targetKind?: TargetKind } = {},
): TabularData {
  const file = opts.file;
  const names = [...arrays.keys()];
  const list = names.map((n) => `"${n}" (${arrays.get(n)!.shape.join('×')})`).join(', ');
  const yName = opts.target ?? Y_NAMES.find((n) => arrays.has(n));
  if (yName === undefined || !arrays.has(yName)) {
    throw new DataError(
      `${opts.target ? `there is no array "${opts.target}"` : 'no label array (y, labels, targets…)'}; the archive holds ${list}. Name the labels with --target`,
      { file },
    );
  }
  const others = names.filter((n) => n !== yName);
  const xName = X_NAMES.find((n) => arrays.has(n) && n !== yName) ?? (others.length === 1 ? others[0] : undefined);
  if (xName === undefined)
    throw new DataError(`cannot tell which array holds the features; the archive holds ${list}. Call it "x"`, { file });
  const x = arrays.get(xName)!;
  const y = arrays.get(yName)!;
  for (const [name, a] of [
    [xName, x],
    [yName, y],
  ] as const) {
    if (a.shape.length === 0 || a.shape[0] === 0)
      throw new DataError(
        `"${name}" has shape (${a.shape.join(', ')}): it holds no examples; the first axis counts the examples`,
        { file },
      );
  }
  if (opts.targetKind === 'values') {
    // Regression: any per-example shape, e.g. (n, O, C) for a per-position head.
    if (x.shape.length < 2)
      throw new DataError(
        `the features "${xName}" have shape (${x.shape.join(', ')}); expected (examples, features…)`,
        { file },
      );
    if (x.shape[0] !== y.shape[0])
      throw new DataError(`"${xName}" has ${x.shape[0]} examples but "${yName}" has ${y.shape[0]}; they must match`, {
        file,
      });
    checkFinite(x, xName, file);
    const bad = firstNonFinite(y.data);
    if (bad >= 0)
      throw new DataError(`${yName}${indexOf(bad, y.shape)} is ${y.data[bad]}; regression targets must be finite`, {
        file,
      });
    const n = x.shape[0]!;
    return {
      features: x.data,
      labels: new Int32Array(n),
      n,
      featureShape: x.shape.slice(1),
      featureNames: [],
      targetName: yName,
      classNames: [],
      skipped: newSkipped(),
      values: Float32Array.from(y.data),
      valueShape: y.shape.length > 1 ? y.shape.slice(1) : [1],
    };
  }
  if (y.shape.length !== 1 && !(y.shape.length === 2 && y.shape[1] === 1)) {
    throw new DataError(
      `the labels "${yName}" have shape (${y.shape.join(', ')}); expected one class per example, shape (n,)`,
      { file },
    );
  }
  if (x.shape.length < 2)
    throw new DataError(`the features "${xName}" have shape (${x.shape.join(', ')}); expected (examples, features…)`, {
      file,
    });
  if (x.shape[0] !== y.shape[0])
    throw new DataError(`"${xName}" has ${x.shape[0]} examples but "${yName}" has ${y.shape[0]}; they must match`, {
      file,
    });
  if (!y.integral) {
    const bad = y.data.findIndex((v) => !Number.isInteger(v));
    throw new DataError(`${yName}[${bad}] is ${y.data[bad]}; labels must be integer classes`, { file });
  }
  checkFinite(x, xName, file);
  const { labels, classNames } = labelsFrom(y.data, file, yName, (i) => `${yName}[${i}]`);
  return {
    features: x.data,
    labels,
    n: x.shape[0]!,
    featureShape: x.shape.slice(1),
    featureNames: [],
    targetName: yName,
    classNames,
    skipped: newSkipped(),
  };
}
