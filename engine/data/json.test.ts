import { describe, expect, it } from 'vitest';
import { parseJsonData } from './json.js';

describe('parseJsonData', () => {
  it('reads an array of objects with a named target', () => {
    const t = parseJsonData(
      JSON.stringify([
        { a: 1, b: 2, label: 'cat' },
        { a: 3, b: 4, label: 'dog' },
        { a: 5, b: 6, label: 'cat' },
      ]),
    );
    expect(t.featureNames).toEqual(['a', 'b']);
    expect(t.classNames).toEqual(['cat', 'dog']);
    expect([...t.labels]).toEqual([0, 1, 0]);
    expect([...t.features]).toEqual([1, 2, 3, 4, 5, 6]);
  });
  it('names the element and field of a bad value', () => {
    const rows = [
      { a: 1, y: 0 },
      { a: 'x', y: 1 },
    ];
    expect(() => parseJsonData(JSON.stringify(rows), { file: 'd.json' })).toThrow(
      'd.json, element [1]: field "a" is "x"; features must be numbers',
    );
    expect(() => parseJsonData(JSON.stringify([{ a: 1, y: 0 }, { y: 1 }]), { file: 'd.json' })).toThrow(
      /element \[1\]: field "a" is missing/,
    );
    expect(() =>
      parseJsonData(
        JSON.stringify([
          { a: 1, y: 0 },
          { a: 1, y: 1, b: 2 },
        ]),
      ),
    ).toThrow(/has a field "b" that element \[0\] does not/);
    expect(() => parseJsonData(JSON.stringify([{ a: 1, y: 0 }]), { target: 'z' })).toThrow(
      /no target field "z".*"a", "y"/,
    );
  });
  it('reads {x, y} with nested example shapes and checks they are rectangular', () => {
    const t = parseJsonData(
      JSON.stringify({
        x: [
          [
            [1, 2],
            [3, 4],
          ],
          [
            [5, 6],
            [7, 8],
          ],
        ],
        y: [1, 0],
      }),
    );
    expect(t.featureShape).toEqual([2, 2]);
    expect([...t.features]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(() => parseJsonData(JSON.stringify({ x: [[1, 2], [3]], y: [0, 1] }), { file: 'j.json' })).toThrow(
      'j.json: x[1] has 1 entries; expected 2 entries',
    );
    expect(() => parseJsonData(JSON.stringify({ x: [[1, 2]], y: [0, 1] }))).toThrow(/"x" has 1 examples but "y" has 2/);
    expect(() =>
      parseJsonData(
        JSON.stringify({
          x: [
            [1, null],
            [1, 2],
          ],
          y: [0, 1],
        }),
      ),
    ).toThrow(/x\[0\]\[1\] is null/);
  });
  it('refuses invalid JSON with the parser message', () => {
    expect(() => parseJsonData('[{"a": 1,', { file: 'bad.json' })).toThrow(/^bad\.json: not valid JSON/);
  });
  it('skips and counts bad elements when asked', () => {
    const t = parseJsonData(
      JSON.stringify([
        { a: 1, y: 0 },
        { a: null, y: 1 },
        { a: 2, y: 1 },
      ]),
      { badRows: 'skip' },
    );
    expect(t.n).toBe(2);
    expect(t.skipped).toEqual({ count: 1, reasons: ['element [1]: field "a" is null; features must be numbers'] });
  });
});
