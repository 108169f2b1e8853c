import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadGraphDoc, safeJsonParse, serializeGraphDoc, TemplateError } from './load.js';
import { LIMITS, SCHEMA_VERSION } from './schema.js';

const text = readFileSync(join(__dirname, '../../templates/mnist-perceiver-io.json'), 'utf8');
const raw = () => JSON.parse(text) as Record<string, unknown> & { nodes: Record<string, unknown>[] };
const fails = (t: string) => {
  try {
    loadGraphDoc(t, 'my.json');
  } catch (e) {
    expect(e).toBeInstanceOf(TemplateError);
    return e as TemplateError;
  }
  throw new Error('expected the load to fail');
};

describe('loadGraphDoc', () => {
  it('loads the default template and round-trips through serialisation', () => {
    const doc = loadGraphDoc(text);
    expect(doc.schemaVersion).toBe(SCHEMA_VERSION);
    expect(doc.nodes.map((n) => n.id)).toEqual([
      'image',
      'patches',
      'fourier',
      'latents',
      'encoder',
      'stack',
      'query',
      'decoder',
      'head',
    ]);
    expect(loadGraphDoc(serializeGraphDoc(doc))).toEqual(doc);
  });

  it('rejects malformed JSON naming the file', () => {
    expect(fails('{ nodes: [] }').message).toMatch(/my\.json is not valid JSON/);
  });

  it('rejects a truncated file', () => {
    expect(fails(text.slice(0, text.length / 2)).message).toMatch(/not valid JSON.*truncated/);
  });

  it('rejects a newer schema version with what to do', () => {
    expect(fails(JSON.stringify({ ...raw(), schemaVersion: SCHEMA_VERSION + 1 })).message).toMatch(
      /newer than this app understands.*update Perceiver Studio/,
    );
  });

  it('rejects a missing or invalid schema version', () => {
    const { schemaVersion: _, ...rest } = raw();
    expect(fails(JSON.stringify(rest)).field).toBe('schemaVersion');
    expect(fails(JSON.stringify({ ...raw(), schemaVersion: 'one' })).message).toMatch(/no valid "schemaVersion"/);
    expect(fails('[1,2]').message).toMatch(/must be a JSON object/);
  });

  it('rejects prototype-polluting keys anywhere', () => {
    const t = text.replace('"spatialDownsample": 4', '"spatialDownsample": 4, "__proto__": { "polluted": true }');
    expect(fails(t).message).toMatch(/forbidden key "__proto__"/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(fails(text.replace('"name"', '"constructor": {"prototype": {}}, "name"')).message).toMatch(/forbidden key/);
  });

  it('rejects unknown top-level and node keys', () => {
    expect(fails(JSON.stringify({ ...raw(), extra: 1 })).message).toMatch(/Invalid template at \(document\).*extra/);
    const r = raw();
    r.nodes[2] = { ...r.nodes[2], colour: 'red' };
    expect(fails(JSON.stringify(r)).message).toMatch(/nodes\[2\] \(node "fourier"\)/);
  });

  it('rejects unknown kinds and bad parameters, naming the node and field', () => {
    const r = raw();
    r.nodes[1] = { ...r.nodes[1], kind: 'Nope' };
    const e1 = fails(JSON.stringify(r));
    expect(e1.message).toMatch(/node "patches".*unknown kind "Nope"/);
    const r2 = raw();
    r2.nodes[5] = { ...r2.nodes[5], params: { layersPerBlock: 2, blocks: 2, heads: 4, depth: 9 } };
    const e2 = fails(JSON.stringify(r2));
    expect(e2.message).toMatch(/node "stack".*unknown parameter "depth"/);
    const r3 = raw();
    r3.nodes[3] = { ...r3.nodes[3], params: { numLatents: '32', channels: 64 } };
    const e3 = fails(JSON.stringify(r3));
    expect(e3.message).toMatch(/node "latents".*numLatents/);
    expect(e3.field).toBe('nodes.3.params.numLatents');
  });

  it('rejects absurd sizes', () => {
    const r = raw();
    r.nodes[3] = { ...r.nodes[3], params: { numLatents: 1e15, channels: 64 } };
    expect(fails(JSON.stringify(r)).message).toMatch(/node "latents".*numLatents/);
    const many = {
      ...raw(),
      nodes: Array.from({ length: LIMITS.maxNodes + 1 }, (_, i) => ({ id: `n${i}`, kind: 'LatentArray' })),
    };
    expect(fails(JSON.stringify(many)).message).toMatch(/nodes/);
    expect(fails(' '.repeat(LIMITS.maxFileBytes + 1)).message).toMatch(/limited to/);
  });

  it('rejects duplicate ids', () => {
    const r = raw();
    r.nodes[1] = { ...r.nodes[1], id: 'image' };
    expect(fails(JSON.stringify(r)).message).toMatch(/share the id "image"/);
  });

  it('lenient loading keeps unknown kinds for the editor to show', () => {
    const r = raw();
    r.nodes[1] = { ...r.nodes[1], kind: 'Nope' };
    expect(loadGraphDoc(JSON.stringify(r), 'x', { lenient: true }).nodes[1]!.kind).toBe('Nope');
  });

  it('safeJsonParse returns plain values', () => {
    expect(safeJsonParse('{"a":[1,{"b":2}]}')).toEqual({ a: [1, { b: 2 }] });
  });
});
