import { describe, expect, it } from 'vitest';
import { parseCsv, parseCsvRecords, looksLikeHeader, detectDelimiter } from './csv.js';
import { DataError } from './errors.js';

const IRIS = `sepal_length,sepal_width,species
5.1,3.5,setosa
7.0,3.2,versicolor
6.3,3.3,virginica
4.9,3.0,setosa
`;

function errorOf(f: () => unknown): DataError {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(DataError);
    return err as DataError;
  }
  throw new Error('expected a DataError');
}

describe('CSV records', () => {
  it('handles quotes, doubled quotes, embedded delimiters and newlines, CRLF', () => {
    const recs = parseCsvRecords('a,"b,c","say ""hi"""\r\n1,"two\nlines",3\r\n', ',');
    expect(recs.map((r) => r.fields)).toEqual([
      ['a', 'b,c', 'say "hi"'],
      ['1', 'two\nlines', '3'],
    ]);
    expect(recs.map((r) => r.line)).toEqual([1, 2]);
  });
  it('counts lines inside quoted fields so later rows report the editor line', () => {
    const recs = parseCsvRecords('x,y\n"a\nb\nc",1\n2,3\n', ',');
    expect(recs[2]!.line).toBe(5);
  });
  it('refuses an unterminated quote with the line it opened on', () => {
    const e = errorOf(() => parseCsvRecords('a,b\n1,"oops\n2,3\n', ',', 'f.csv'));
    expect(e.message).toMatch(/^f\.csv, line 2: a quoted field opened on line 2 is never closed/);
  });
  it('refuses text after a closing quote', () => {
    expect(() => parseCsvRecords('"ab"c,1\n', ',')).toThrow(/after a closing quote/);
  });
  it('detects semicolons and tabs', () => {
    expect(detectDelimiter('a;b;c\n1;2;3')).toBe(';');
    expect(detectDelimiter('a\tb\n1\t2')).toBe('\t');
    expect(detectDelimiter('"a;b",c\n')).toBe(',');
  });
});

describe('header detection', () => {
  it('finds a header over numeric rows and none over data', () => {
    expect(looksLikeHeader(parseCsvRecords(IRIS, ','))).toBe(true);
    expect(looksLikeHeader(parseCsvRecords('1,2,a\n3,4,b\n', ','))).toBe(false);
  });
});

describe('parseCsv', () => {
  it('maps a categorical target to classes and keeps the mapping', () => {
    const t = parseCsv(IRIS, { file: 'iris.csv' });
    expect(t.featureNames).toEqual(['sepal_length', 'sepal_width']);
    expect(t.targetName).toBe('species');
    expect(t.classNames).toEqual(['setosa', 'versicolor', 'virginica']);
    expect([...t.labels]).toEqual([0, 1, 2, 0]);
    expect([...t.features]).toEqual([5.1, 3.5, 7.0, 3.2, 6.3, 3.3, 4.9, 3.0].map(Math.fround));
    expect(t.featureShape).toEqual([2]);
    expect(t.skipped.count).toBe(0);
  });
  it('chooses the target by name (case-insensitive) or 1-based number', () => {
    const csv = 'label,a,b\n1,0.5,2\n0,0.1,3\n1,0.2,4\n';
    const t = parseCsv(csv, { target: 'LABEL' });
    expect(t.featureNames).toEqual(['a', 'b']);
    expect([...t.labels]).toEqual([1, 0, 1]);
    expect(parseCsv('1,0.5,2\n0,0.1,3\n', { target: '1' }).featureShape).toEqual([2]);
  });
  it('sorts numeric classes numerically', () => {
    const t = parseCsv('f,c\n1,10\n2,9\n3,2\n4,10\n');
    expect(t.classNames).toEqual(['2', '9', '10']);
    expect([...t.labels]).toEqual([2, 1, 0, 2]);
  });
  it('names a missing target column and lists the columns', () => {
    const e = errorOf(() => parseCsv(IRIS, { file: 'iris.csv', target: 'colour' }));
    expect(e.message).toBe(
      'iris.csv: there is no target column "colour". The columns are "sepal_length", "sepal_width", "species".',
    );
  });
  it('reports ragged rows with their line', () => {
    const e = errorOf(() => parseCsv('a,b,c\n1,2,x\n1,2\n', { file: 'r.csv' }));
    expect(e.message).toMatch(/^r\.csv, line 3: the row has 2 fields but the header has 3/);
    expect(e.where.line).toBe(3);
  });
  it('reports non-numeric, empty, NaN and Infinity cells with line and column', () => {
    expect(errorOf(() => parseCsv('a,b,c\n1,2,x\n1,abc,y\n', { file: 'f.csv' })).message).toMatch(
      /^f\.csv, line 3, column "b": the feature cell has "abc", which is not a number/,
    );
    expect(errorOf(() => parseCsv('a,b,c\n1,2,x\n1,,y\n')).message).toMatch(
      /line 3, column "b": the feature cell is empty/,
    );
    expect(errorOf(() => parseCsv('a,b,c\n1,2,x\nNaN,1,y\n')).message).toMatch(
      /line 3, column "a": the feature cell is NaN/,
    );
    expect(errorOf(() => parseCsv('a,b,c\n1,2,x\n1,-Infinity,y\n')).message).toMatch(
      /line 3, column "b": the feature cell is -Infinity/,
    );
    expect(errorOf(() => parseCsv('a,b,c\n1,2,x\n1,1e999,y\n')).message).toMatch(/overflows/);
    expect(errorOf(() => parseCsv('a,b,c\n1,2,x\n1,2, \n')).message).toMatch(
      /line 3, column "c": the target cell is empty/,
    );
  });
  it('skips and counts bad rows when asked, never silently', () => {
    const t = parseCsv('a,b,c\n1,2,x\n1,abc,y\n3,4\n5,6,y\n', { badRows: 'skip' });
    expect(t.n).toBe(2);
    expect(t.skipped.count).toBe(2);
    expect(t.skipped.reasons[0]).toMatch(/^line 3, column "b"/);
    expect(t.skipped.reasons[1]).toMatch(/^line 4: the row has 2 fields/);
  });
  it('refuses continuous targets and id-like columns', () => {
    expect(() => parseCsv('a,t\n1,0.5\n2,1.5\n')).toThrow(/regression targets are not supported/);
    const rows = Array.from({ length: 40 }, (_, i) => `${i},${i}`).join('\n');
    expect(() => parseCsv('a,id\n' + rows)).toThrow(/looks like an id/);
  });
  it('refuses an empty file and a header without rows', () => {
    expect(() => parseCsv('', { file: 'e.csv' })).toThrow('e.csv: the file has no rows');
    expect(() => parseCsv('a,b\n', { file: 'e.csv' })).toThrow(/header but no data rows/);
  });
});

describe('CSV round trip (property)', () => {
  it('any table of fields, quoted where needed, parses back to the same fields', async () => {
    const fc = (await import('fast-check')).default;
    const field = fc.string({
      unit: fc.constantFrom('a', 'b', '1', ' ', ',', '"', '\n', '\r\n', ';', 'é'),
      maxLength: 8,
    });
    const quote = (f: string) => (/[",\r\n]/.test(f) || f.trim() !== f ? `"${f.replace(/"/g, '""')}"` : f);
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 4 })
          .chain((w) => fc.array(fc.array(field, { minLength: w, maxLength: w }), { minLength: 1, maxLength: 6 })),
        (rows) => {
          // A record of one empty unquoted field is a blank line; quote it so it stays a record.
          const text =
            rows.map((r) => r.map((f) => (r.length === 1 && f === '' ? '""' : quote(f))).join(',')).join('\r\n') + '\n';
          expect(parseCsvRecords(text, ',').map((r) => r.fields)).toEqual(rows);
        },
      ),
      { numRuns: 300 },
    );
  });
});
