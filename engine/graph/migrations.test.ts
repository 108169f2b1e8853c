import { describe, expect, it } from 'vitest';
import { loadGraphDoc, migrate } from './load.js';
import { migrations } from './migrations.js';
import { SCHEMA_VERSION } from './schema.js';

const v0 = {
  schemaVersion: 0,
  name: 'old',
  blocks: [
    { id: 'l', kind: 'LatentArray', config: { numLatents: 8, channels: 16 } },
    { id: 'q', kind: 'TrainableQuery' },
  ],
  edges: [],
};

describe('migrations', () => {
  it('has a step for every version below the current one', () => {
    for (let v = 0; v < SCHEMA_VERSION; v++) expect(typeof migrations[v]).toBe('function');
  });

  it('v0 → v1 renames blocks to nodes and config to params', () => {
    const m = migrate(structuredClone(v0)) as Record<string, unknown>;
    expect(m.schemaVersion).toBe(1);
    expect(m.blocks).toBeUndefined();
    expect(m.nodes).toEqual([
      { id: 'l', kind: 'LatentArray', params: { numLatents: 8, channels: 16 } },
      { id: 'q', kind: 'TrainableQuery' },
    ]);
  });

  it('a migrated v0 file loads and validates', () => {
    const doc = loadGraphDoc(JSON.stringify(v0));
    expect(doc.nodes[0]!.params).toEqual({ numLatents: 8, channels: 16 });
    expect(doc.nodes[1]!.params).toEqual({});
  });

  it('does not mutate its input', () => {
    const input = structuredClone(v0);
    migrate(input);
    expect(input).toEqual(v0);
  });
});
