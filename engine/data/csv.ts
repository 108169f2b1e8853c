/**
 * CSV → numeric features + class labels. RFC 4180 quoting (embedded commas, quotes, newlines),
 * delimiter detection (comma, semicolon, tab), header detection, a target column chosen by name
 * (or 1-based number), categorical targets mapped to classes with the mapping kept.
 * Every refusal names the file, the line as an editor shows it, and the column.
 */
import { DataError, newSkipped, skip, type BadRowPolicy, type Skipped } from './errors.js';
import { classesFromTargets, type TabularData, type TargetKind } from './tabular.js';

export interface CsvRecord {
  fields: string[];
  /** 1-based line where the record starts. */
  line: number;
}

/** Split CSV text into records. Quoted fields may hold the delimiter, "" and newlines. */
export function parseCsvRecords(text: string, delimiter: string, file?: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  const n = text.length;
  const D = delimiter.charCodeAt(0);
  const QUOTE = 34;
  const LF = 10;
  const CR = 13;
  let line = 1;
  let i = 0;
  // One record per iteration; unquoted fields are sliced, not built char by char (fast path).
  while (i < n) {
    const recordLine = line;
    const fields: string[] = [];
    let anyQuoted = false;
    for (;;) {
      let field: string;
      // Leading blanks before an opening quote are allowed.
      let j = i;
      while (j < n && (text.charCodeAt(j) === 32 || text.charCodeAt(j) === 9) && D !== 9) j++;
      if (j < n && text.charCodeAt(j) === QUOTE) {
        anyQuoted = true;
        const quoteLine = line;
        let k = j + 1;
        let value = '';
        let chunkStart = k;
        for (;;) {
          if (k >= n)
            throw new DataError(
              `a quoted field opened on line ${quoteLine} is never closed; add the closing quote (")`,
              { file, line: quoteLine },
            );
          const c = text.charCodeAt(k);
          if (c === QUOTE) {
            if (text.charCodeAt(k + 1) === QUOTE) {
              value += text.slice(chunkStart, k + 1);
              k += 2;
              chunkStart = k;
              continue;
            }
            value += text.slice(chunkStart, k);
            k++;
            break;
          }
          if (c === LF) line++;
          k++;
        }
        // After the closing quote only blanks may come before the delimiter or line end.
        while (k < n && (text.charCodeAt(k) === 32 || text.charCodeAt(k) === 9) && text.charCodeAt(k) !== D) k++;
        if (k < n && text.charCodeAt(k) !== D && text.charCodeAt(k) !== LF && text.charCodeAt(k) !== CR) {
          throw new DataError('unexpected text after a closing quote; quote the whole field', { file, line });
        }
        field = value;
        i = k;
      } else {
        let k = i;
        while (k < n) {
          const c = text.charCodeAt(k);
          if (c === D || c === LF || c === CR) break;
          if (c === QUOTE)
            throw new DataError(
              'a quote (") appears inside an unquoted field; quote the whole field and double inner quotes ("")',
              { file, line },
            );
          k++;
        }
        field = text.slice(i, k);
        i = k;
      }
      fields.push(field);
      if (i < n && text.charCodeAt(i) === D) {
        i++;
        continue;
      }
      // End of record: newline (LF, CRLF or CR) or end of text.
      if (i < n) {
        if (text.charCodeAt(i) === CR && text.charCodeAt(i + 1) === LF) i++;
        i++;
        line++;
      }
      break;
    }
    // A line with nothing on it is not a record (trailing newline, blank separators).
    if (!(fields.length === 1 && fields[0] === '' && !anyQuoted)) records.push({ fields, line: recordLine });
  }
  return records;
}

/** The delimiter that splits the first line into the most fields (outside quotes). */
export function detectDelimiter(text: string): string {
  const firstLine = text.slice(0, Math.min(text.length, 65536)).split(/\r?\n/, 1)[0] ?? '';
  let best = ',';
  let bestCount = 0;
  for (const d of [',', ';', '\t', '|']) {
    let count = 0;
    let q = false;
    for (const c of firstLine) {
      if (c === '"') q = !q;
      else if (!q && c === d) count++;
    }
    if (count > bestCount) {
      best = d;
      bestCount = count;
    }
  }
  return best;
}

const NUMBER_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const NONFINITE_RE = /^[+-]?(nan|inf|infinity)$/i;

export type CellValue = { ok: true; value: number } | { ok: false; problem: string };

/** Strict number parsing: "", " ", "0x10", "1,5" are not numbers (Number() would accept some). */
export function parseNumberCell(raw: string): CellValue {
  const s = raw.trim();
  if (s === '') return { ok: false, problem: 'is empty' };
  if (NONFINITE_RE.test(s)) return { ok: false, problem: `is ${s} (not a finite number)` };
  if (!NUMBER_RE.test(s))
    return { ok: false, problem: `has "${s.length > 40 ? s.slice(0, 40) + '…' : s}", which is not a number` };
  const v = Number(s);
  if (!Number.isFinite(v)) return { ok: false, problem: `has ${s}, which overflows to Infinity` };
  return { ok: true, value: v };
}

function isNumeric(raw: string): boolean {
  const s = raw.trim();
  return NUMBER_RE.test(s) || NONFINITE_RE.test(s);
}

/** A header is a first row that is not data: some cell is text where the rows below hold numbers. */
export function looksLikeHeader(records: CsvRecord[]): boolean {
  const first = records[0];
  if (!first) return false;
  const body = records.slice(1, 21);
  if (body.length === 0) return first.fields.some((f) => !isNumeric(f));
  for (let c = 0; c < first.fields.length; c++) {
    const below = body.map((r) => r.fields[c]).filter((v): v is string => v !== undefined);
    if (!isNumeric(first.fields[c]!) && below.length > 0 && below.every(isNumeric)) return true;
  }
  // All-text table (e.g. only a categorical column): a header if its names never recur below.
  if (first.fields.every((f) => !isNumeric(f) && f.trim() !== '')) {
    return first.fields.every((f, c) => !body.some((r) => r.fields[c] === f));
  }
  return false;
}

export interface CsvOptions {
  /** Shown in messages. */
  file?: string;
  /** Target column: a header name, or a 1-based column number. Default: the last column. */
  target?: string;
  /** 'auto' (default) detects a header row. */
  header?: boolean | 'auto';
  delimiter?: string;
  /** What to do with a bad row: stop with its line number (default) or skip and count it. */
  badRows?: BadRowPolicy;
  /** 'values': the target is a real number per row (regression heads); default classes. */
  targetKind?: TargetKind;
}

function resolveTarget(target: string | undefined, names: string[], hasHeader: boolean, file?: string): number {
  if (target === undefined || target === '') return names.length - 1;
  const byName = names.indexOf(target);
  if (byName >= 0) return byName;
  const trimmed = names.findIndex((n) => n.trim().toLowerCase() === target.trim().toLowerCase());
  if (trimmed >= 0) return trimmed;
  if (/^\d+$/.test(target)) {
    const k = Number(target);
    if (k >= 1 && k <= names.length) return k - 1;
  }
  const list =
    names.length <= 30
      ? names.map((n) => `"${n}"`).join(', ')
      : names
          .slice(0, 30)
          .map((n) => `"${n}"`)
          .join(', ') + ', …';
  throw new DataError(
    `there is no target column "${target}". ${hasHeader ? `The columns are ${list}` : `The file has no header row; give a column number 1…${names.length}`}.`,
    { file },
  );
}

export function parseCsv(text: string, opts: CsvOptions = {}): TabularData {
  const file = opts.file;
  const delimiter = opts.delimiter ?? detectDelimiter(text);
  const records = parseCsvRecords(text, delimiter, file);
  if (records.length === 0) throw new DataError('the file has no rows', { file });
  const hasHeader = opts.header === 'auto' || opts.header === undefined ? looksLikeHeader(records) : opts.header;
  const width = records[0]!.fields.length;
  const names = hasHeader
    ? records[0]!.fields.map((f, i) => f.trim() || `column ${i + 1}`)
    : Array.from({ length: width }, (_, i) => `column ${i + 1}`);
  if (width < 2)
    throw new DataError(
      `the first row has ${width} field${width === 1 ? '' : 's'} with the delimiter "${delimiter === '\t' ? '\\t' : delimiter}"; a table needs at least one feature and a target column`,
      { file, line: records[0]!.line },
    );
  const targetCol = resolveTarget(opts.target, names, hasHeader, file);
  const body = hasHeader ? records.slice(1) : records;
  if (body.length === 0) throw new DataError('the file has a header but no data rows', { file });
  const d = width - 1;
  const skipped: Skipped = newSkipped();
  const features = new Float32Array(body.length * d);
  const targets: string[] = [];
  const targetLines: number[] = [];
  let row = 0;
  const bad = (problem: string, line: number, column?: string) => {
    if (opts.badRows === 'skip') {
      skip(skipped, `line ${line}${column ? `, column ${column}` : ''}: ${problem}`);
      return;
    }
    throw new DataError(problem, { file, line, column });
  };
  for (const rec of body) {
    if (rec.fields.length !== width) {
      bad(
        `the row has ${rec.fields.length} field${rec.fields.length === 1 ? '' : 's'} but the ${hasHeader ? 'header' : 'first row'} has ${width}; every row needs the same number of fields`,
        rec.line,
      );
      continue;
    }
    let okRow = true;
    let k = 0;
    for (let c = 0; c < width; c++) {
      if (c === targetCol) continue;
      const v = parseNumberCell(rec.fields[c]!);
      if (!v.ok) {
        bad(
          `the feature cell ${v.problem}; features must be finite numbers${hasHeader ? ` (or make "${names[c]}" the target with --target)` : ''}`,
          rec.line,
          `"${names[c]}"`,
        );
        okRow = false;
        break;
      }
      features[row * d + k++] = v.value;
    }
    if (!okRow) continue;
    const t = rec.fields[targetCol]!.trim();
    if (t === '') {
      bad(
        `the target cell is empty; every row needs ${opts.targetKind === 'values' ? 'a value' : 'a class'}`,
        rec.line,
        `"${names[targetCol]}"`,
      );
      continue;
    }
    if (opts.targetKind === 'values') {
      const v = parseNumberCell(t);
      if (!v.ok) {
        bad(
          `the target cell ${v.problem}; a regression head needs a finite number in every row`,
          rec.line,
          `"${names[targetCol]}"`,
        );
        continue;
      }
    }
    targets.push(t);
    targetLines.push(rec.line);
    row++;
  }
  if (row === 0)
    throw new DataError(`no usable rows (${skipped.count} skipped: ${skipped.reasons.slice(0, 3).join('; ')})`, {
      file,
    });
  if (opts.targetKind === 'values') {
    return {
      features: row === body.length ? features : features.slice(0, row * d),
      labels: new Int32Array(row),
      n: row,
      featureShape: [d],
      featureNames: names.filter((_, c) => c !== targetCol),
      targetName: names[targetCol]!,
      classNames: [],
      skipped,
      values: Float32Array.from(targets, (t) => (parseNumberCell(t) as { value: number }).value),
      valueShape: [1],
    };
  }
  const { labels, classNames } = classesFromTargets(targets, { file, column: names[targetCol]!, lines: targetLines });
  return {
    features: row === body.length ? features : features.slice(0, row * d),
    labels,
    n: row,
    featureShape: [d],
    featureNames: names.filter((_, c) => c !== targetCol),
    targetName: names[targetCol]!,
    classNames,
    skipped,
  };
}
