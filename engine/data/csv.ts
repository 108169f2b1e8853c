/**
 * CSV → numeric features + class labels. RFC 4180 quoting (embedded commas, quotes, newlines),
 * delimiter detection (comma, semicolon, tab), header detection, a target column chosen by name
 * (or 1-based number), categorical targets mapped to classes with the mapping kept.
 * Every refusal names the file, the line as an editor shows it, and the column.
 */
import { DataError, newSkipped, skip, type BadRowPolicy, type Skipped } from './errors.js';
import { classesFromTargets, type TabularData } from './tabular.js';

export interface CsvRecord {
  fields: string[];
  /** 1-based line where the record starts. */
  line: number;
}

/** Split CSV text into records. Quoted fields may hold the delimiter, "" and newlines. */
export function parseCsvRecords(text: string, delimiter: string, file?: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let recordLine = 1;
  let inQuotes = false;
  let quoteLine = 0;
  let wasQuoted = false;
  let afterClosingQuote = false;
  const n = text.length;
  const endRecord = () => {
    fields.push(field);
    // A line with nothing on it is not a record (trailing newline, blank separators).
    if (!(fields.length === 1 && fields[0] === '' && !wasQuoted)) records.push({ fields, line: recordLine });
    fields = [];
    field = '';
    wasQuoted = false;
  };
  for (let i = 0; i < n; i++) {
    const c = text[i]!;
    if (inQuotes) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else {
          inQuotes = false;
          afterClosingQuote = true;
        }
      } else {
        if (c === '\n') line++;
        field += c;
      }
      continue;
    }
    if (c === '"') {
      if (field.trim() !== '') throw new DataError('a quote (") appears inside an unquoted field; quote the whole field and double inner quotes ("")', { file, line });
      field = '';
      inQuotes = true;
      wasQuoted = true;
      quoteLine = line;
    } else if (c === delimiter) {
      fields.push(field);
      field = '';
      afterClosingQuote = false;
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      afterClosingQuote = false;
      line++;
      recordLine = line;
    } else {
      if (afterClosingQuote) {
        // Text after a closing quote, e.g. "ab"c, is ambiguous: refuse rather than guess.
        if (c.trim() !== '') throw new DataError('unexpected text after a closing quote; quote the whole field', { file, line });
        continue;
      }
      field += c;
    }
  }
  if (inQuotes) throw new DataError(`a quoted field opened on line ${quoteLine} is never closed; add the closing quote (")`, { file, line: quoteLine });
  if (field !== '' || fields.length > 0 || wasQuoted) endRecord();
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
  if (!NUMBER_RE.test(s)) return { ok: false, problem: `has "${s.length > 40 ? s.slice(0, 40) + '…' : s}", which is not a number` };
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
  const list = names.length <= 30 ? names.map((n) => `"${n}"`).join(', ') : names.slice(0, 30).map((n) => `"${n}"`).join(', ') + ', …';
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
  const names = hasHeader ? records[0]!.fields.map((f, i) => f.trim() || `column ${i + 1}`) : Array.from({ length: width }, (_, i) => `column ${i + 1}`);
  if (width < 2) throw new DataError(`the first row has ${width} field${width === 1 ? '' : 's'} with the delimiter "${delimiter === '\t' ? '\\t' : delimiter}"; a table needs at least one feature and a target column`, { file, line: records[0]!.line });
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
      bad(`the row has ${rec.fields.length} field${rec.fields.length === 1 ? '' : 's'} but the ${hasHeader ? 'header' : 'first row'} has ${width}; every row needs the same number of fields`, rec.line);
      continue;
    }
    let okRow = true;
    let k = 0;
    for (let c = 0; c < width; c++) {
      if (c === targetCol) continue;
      const v = parseNumberCell(rec.fields[c]!);
      if (!v.ok) {
        bad(`the feature cell ${v.problem}; features must be finite numbers${hasHeader ? ` (or make "${names[c]}" the target with --target)` : ''}`, rec.line, `"${names[c]}"`);
        okRow = false;
        break;
      }
      features[row * d + k++] = v.value;
    }
    if (!okRow) continue;
    const t = rec.fields[targetCol]!.trim();
    if (t === '') {
      bad('the target cell is empty; every row needs a class', rec.line, `"${names[targetCol]}"`);
      continue;
    }
    targets.push(t);
    targetLines.push(rec.line);
    row++;
  }
  if (row === 0) throw new DataError(`no usable rows (${skipped.count} skipped: ${skipped.reasons.slice(0, 3).join('; ')})`, { file });
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
