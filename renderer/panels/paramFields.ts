/**
 * Reads a kind's zod params schema into field descriptions for the generated inspector: type,
 * default, bounds, options and the one-line help given with .describe().
 */
import type { z } from 'zod';

export type FieldSpec =
  | {
      key: string;
      type: 'number';
      help: string;
      default: unknown;
      nullable: boolean;
      int: boolean;
      min?: number;
      max?: number;
    }
  | { key: string; type: 'boolean'; help: string; default: unknown; nullable: boolean }
  | { key: string; type: 'enum'; help: string; default: unknown; nullable: boolean; options: string[] }
  | { key: string; type: 'string'; help: string; default: unknown; nullable: boolean }
  | { key: string; type: 'other'; help: string; default: unknown; nullable: boolean };

interface ZodInternal {
  def: { type: string; innerType?: ZodInternal; defaultValue?: unknown };
  description?: string;
  minValue?: number | null;
  maxValue?: number | null;
  isInt?: boolean;
  options?: unknown[];
  shape?: Record<string, ZodInternal>;
}

export function fieldSpecs(schema: z.ZodType): FieldSpec[] {
  const shape = (schema as unknown as ZodInternal).shape;
  if (!shape) return [];
  return Object.entries(shape).map(([key, field]) => {
    let t: ZodInternal = field;
    let def: unknown;
    let nullable = false;
    let help = field.description ?? '';
    for (let guard = 0; guard < 8; guard++) {
      if (t.def.type === 'default') def = t.def.defaultValue;
      if (t.def.type === 'nullable' || t.def.type === 'optional') nullable = true;
      if (!help && t.description) help = t.description;
      if (!t.def.innerType) break;
      t = t.def.innerType;
    }
    const base = { key, help, default: def, nullable };
    switch (t.def.type) {
      case 'number':
        return { ...base, type: 'number', int: !!t.isInt, min: finite(t.minValue), max: finite(t.maxValue) };
      case 'boolean':
        return { ...base, type: 'boolean' };
      case 'enum':
        return { ...base, type: 'enum', options: (t.options ?? []).map(String) };
      case 'string':
        return { ...base, type: 'string' };
      default:
        return { ...base, type: 'other' };
    }
  });
}

function finite(v: number | null | undefined): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && Math.abs(v) < Number.MAX_SAFE_INTEGER ? v : undefined;
}

/** Words for labels: "numLatents" → "num latents". */
export function humanise(key: string): string {
  return key.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}
