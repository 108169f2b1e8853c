/**
 * Shape-only checks of every registered kind: the inspector and docs are generated from these
 * definitions, so each must be complete, self-consistent and parse its own defaults.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { getKind, KINDS, kindNames } from './registry.js';

describe('the kind registry', () => {
  it('has unique kind names, all findable', () => {
    expect(new Set(kindNames()).size).toBe(KINDS.length);
    for (const k of KINDS) expect(getKind(k.kind)).toBe(k);
    expect(getKind('Nope')).toBeUndefined();
  });

  for (const k of KINDS) {
    describe(k.kind, () => {
      it('is documented: title, summary, maths, reference, port descriptions', () => {
        for (const text of [k.title, k.summary, k.maths, k.reference]) expect(text.length).toBeGreaterThan(3);
        for (const p of [...k.inputs, ...k.outputs])
          expect(p.description.length, `${k.kind}.${p.name}`).toBeGreaterThan(3);
        expect(new Set(k.inputs.map((p) => p.name)).size).toBe(k.inputs.length);
        expect(new Set(k.outputs.map((p) => p.name)).size).toBe(k.outputs.length);
      });

      it('every parameter has a description, and the defaults parse', () => {
        const shape = (k.params as unknown as z.ZodObject).shape as Record<string, z.ZodType>;
        for (const [name, field] of Object.entries(shape)) expect(field.description, `${k.kind}.${name}`).toBeTruthy();
        const defaults = k.params.parse({});
        expect(Object.keys(defaults as object).sort()).toEqual(Object.keys(shape).sort());
        expect(k.describe(defaults).length).toBeGreaterThan(0);
      });

      it('rejects unknown parameters', () => {
        expect(k.params.safeParse({ notAParameter: 1 }).success).toBe(false);
      });

      it('model inputs and heads declare what they need', () => {
        if (k.modelInput) expect(k.isModelInput).toBe(true);
        if (k.isModelInput) expect(k.inputs).toEqual([]);
        if (k.loss) expect(k.category).toBe('head');
      });
    });
  }

  it('a missing required input is an error that names the port', () => {
    for (const k of KINDS) {
      const required = k.inputs.filter((p) => !p.optional);
      if (required.length === 0) continue;
      const r = k.inferShape(k.params.parse({}), {});
      expect(r.ok, k.kind).toBe(false);
      if (!r.ok)
        expect(
          k.inputs.map((p) => p.name),
          k.kind,
        ).toContain(r.error.port);
    }
  });
});
