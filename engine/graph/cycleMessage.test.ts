/** Issue 16: a cycle error lists the nodes on the cycle only; nodes after it say so. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyse } from './analyse.js';
import { jsonDepth, loadGraphDoc, MAX_JSON_DEPTH, safeJsonParse } from './load.js';

const template = () => loadGraphDoc(readFileSync(join(__dirname, '../../templates/mnist-perceiver-io.json'), 'utf8'));

describe('cycle messages', () => {
  it('names the cycle (encoder → stack → encoder), not the nodes downstream of it', () => {
    const d = template();
    d.edges.push({ id: 'back', source: { node: 'stack', port: 'out' }, target: { node: 'encoder', port: 'q' } });
    d.edges = d.edges.filter((e) => e.id !== 'e3');
    const errs = analyse(d).problems.filter((p) => p.severity === 'error');
    const enc = errs.find((p) => p.nodeId === 'encoder')!;
    expect(enc.message).toMatch(/^Node "encoder" is on a cycle \(encoder → stack → encoder\)/);
    expect(errs.find((p) => p.nodeId === 'stack')!.message).toMatch(/is on a cycle \(stack → encoder → stack\)/);
    for (const p of errs.filter((x) => /on a cycle/.test(x.message))) expect(p.message).not.toMatch(/head|decoder/);
    const after = errs.filter((p) => /comes after a cycle/.test(p.message)).map((p) => p.nodeId);
    expect(after).toEqual(expect.arrayContaining(['decoder', 'head']));
    expect(errs.find((p) => p.nodeId === 'head')!.message).toMatch(
      /comes after a cycle \((encoder → stack → encoder|stack → encoder → stack)\)/,
    );
  });

  it('a self-loop is a cycle of one', () => {
    const d = template();
    d.edges = d.edges.filter((e) => !(e.target.node === 'stack' && e.target.port === 'in'));
    d.edges.push({ id: 'self', source: { node: 'stack', port: 'out' }, target: { node: 'stack', port: 'in' } });
    const p = analyse(d).problems.find((x) => x.nodeId === 'stack' && /cycle/.test(x.message))!;
    expect(p.message).toMatch(/is on a cycle \(stack → stack\)/);
  });
});

describe('JSON depth and encodings', () => {
  it('counts nesting outside strings only and stops early', () => {
    expect(jsonDepth('{"a":[1,{"b":"[[[[{{{"}]}')).toBe(3);
    expect(jsonDepth('"\\"[[["')).toBe(0);
    expect(jsonDepth('['.repeat(100000), 10)).toBe(11);
    expect(() => safeJsonParse('['.repeat(MAX_JSON_DEPTH + 1) + ']'.repeat(MAX_JSON_DEPTH + 1), 'x.json')).toThrow(
      /x\.json nests arrays\/objects more than 256 levels deep/,
    );
    expect(safeJsonParse('['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH))).toBeInstanceOf(Array);
    expect(safeJsonParse('\ufeff{"a":1}')).toEqual({ a: 1 });
  });
});
