/**
 * Per-kind migrations on load (KindDefinition.version + migrations): a node saved for an older
 * version of its kind has its params upgraded, step by step, before they are checked.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadGraphDoc, migrateKindParams, serializeGraphDoc, TemplateError } from './load.js';
import type { GraphDoc } from './schema.js';
import { getKind } from '../kinds/registry.js';
import type { KindDefinition } from '../kinds/types.js';

type Params = Record<string, unknown>;

/** LatentArray as if a release had renamed its `latents` parameter to `numLatents` (v1 → v2) and `scale` to `initScale` (v2 → v3). */
const renames: Record<number, (p: Params) => Params> = {
  1: ({ latents, ...rest }) => (latents === undefined ? rest : { ...rest, numLatents: latents }),
  2: ({ scale, ...rest }) => (scale === undefined ? rest : { ...rest, initScale: scale }),
};

const latent = getKind('LatentArray') as KindDefinition;
const saved = { version: latent.version, migrations: latent.migrations };

function withVersion(version: number, migrations?: Record<number, (p: Params) => Params>): void {
  latent.version = version;
  latent.migrations = migrations;
}

afterEach(() => {
  latent.version = saved.version;
  latent.migrations = saved.migrations;
});

function file(node: Params): string {
  return JSON.stringify({
    schemaVersion: 1,
    name: 'old',
    nodes: [{ id: 'z', kind: 'LatentArray', position: { x: 0, y: 0 }, ...node }],
    edges: [],
  });
}

describe('per-kind migrations on load', () => {
  it('migrates an old parameter name of a node saved with an older kind version', () => {
    withVersion(2, { 1: renames[1]! });
    const doc = loadGraphDoc(file({ params: { latents: 12, channels: 16 } }));
    expect(doc.nodes[0]!.params).toEqual({ numLatents: 12, channels: 16 });
    expect(doc.nodes[0]!.kindVersion).toBe(2);
  });

  it('runs every step from the saved version up to the current one, in order', () => {
    withVersion(3, renames);
    const fromV1 = loadGraphDoc(file({ params: { latents: 12, scale: 0.5 } }));
    expect(fromV1.nodes[0]!.params).toEqual({ numLatents: 12, initScale: 0.5 });
    const fromV2 = loadGraphDoc(file({ kindVersion: 2, params: { numLatents: 7, scale: 0.1 } }));
    expect(fromV2.nodes[0]!.params).toEqual({ numLatents: 7, initScale: 0.1 });
    expect(fromV2.nodes[0]!.kindVersion).toBe(3);
  });

  it('without the migration the old name is refused as an unknown parameter', () => {
    // What happened before migrations ran: renaming a parameter broke old files.
    expect(() => loadGraphDoc(file({ params: { latents: 12 } }))).toThrow(/unknown parameter "latents"/);
  });

  it('saves kindVersion for kinds past version 1, so a reload does not migrate twice', () => {
    withVersion(2, { 1: renames[1]! });
    const doc = loadGraphDoc(file({ params: { latents: 12 } }));
    const { kindVersion: _, ...made } = doc.nodes[0]!; // a node made in memory carries no version
    const text = serializeGraphDoc({ ...doc, nodes: [made] });
    expect(JSON.parse(text).nodes[0].kindVersion).toBe(2);
    expect(loadGraphDoc(text).nodes[0]!.params).toEqual({ numLatents: 12 });
  });

  it('files of version-1 kinds are written exactly as before (no kindVersion)', () => {
    const doc = loadGraphDoc(file({ params: { numLatents: 4 } }));
    expect(serializeGraphDoc(doc)).not.toContain('kindVersion');
  });

  it('refuses a node newer than the app, naming the node and the kind', () => {
    expect(() => loadGraphDoc(file({ kindVersion: 5, params: {} }))).toThrow(TemplateError);
    expect(() => loadGraphDoc(file({ kindVersion: 5, params: {} }))).toThrow(
      /node "z".*version 5 of Latent array.*update Perceiver Studio/,
    );
  });

  it('refuses a missing step and reports a failing one, naming the node', () => {
    withVersion(3, { 1: renames[1]! });
    expect(() => loadGraphDoc(file({ params: {} }))).toThrow(/node "z".*no migration from version 2 to 3/);
    withVersion(2, {
      1: () => {
        throw new Error('channels must be a number');
      },
    });
    expect(() => loadGraphDoc(file({ params: {} }))).toThrow(
      /node "z".*from version 1 failed: channels must be a number/,
    );
  });

  it('lenient loading keeps a node it cannot migrate as it is', () => {
    const doc = loadGraphDoc(file({ kindVersion: 5, params: { x: 1 } }), 'f', { lenient: true });
    expect(doc.nodes[0]!.params).toEqual({ x: 1 });
  });

  it('leaves the input and nodes of unknown kinds untouched', () => {
    const doc: GraphDoc = {
      schemaVersion: 1,
      name: 'd',
      nodes: [
        { id: 'a', kind: 'Mystery', params: { latents: 1 }, position: { x: 0, y: 0 } },
        { id: 'b', kind: 'LatentArray', params: { latents: 3 }, position: { x: 0, y: 0 } },
      ],
      edges: [],
    } as unknown as GraphDoc;
    const before = JSON.stringify(doc);
    const lookup = (k: string) =>
      k === 'LatentArray' ? { ...latent, version: 2, migrations: { 1: renames[1]! } } : undefined;
    const out = migrateKindParams(doc, {}, lookup);
    expect(JSON.stringify(doc)).toBe(before);
    expect(out.nodes[0]).toBe(doc.nodes[0]);
    expect(out.nodes[1]!.params).toEqual({ numLatents: 3 });
    expect(out.nodes[1]!.kindVersion).toBe(2);
  });
});
