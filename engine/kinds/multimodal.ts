/**
 * Shared arithmetic of the multimodal nodes (DM MultimodalPreprocessor / MultimodalDecoder):
 * modalities on ports m0…m3, concatenated in sorted-name order, padded to a common width.
 */
import { z } from 'zod';
import { fail, type InferResult, type PortDef, type Shape } from './types.js';

export const MODALITY_PORTS = ['m0', 'm1', 'm2', 'm3'] as const;

export const modalityNames = z
  .array(
    z
      .string()
      .min(1)
      .max(32)
      .regex(/^[A-Za-z0-9_-]+$/, 'names use letters, digits, _ and - only'),
  )
  .min(1)
  .max(MODALITY_PORTS.length)
  .default(['audio', 'image', 'label', 'text'])
  .describe('Modality name of each port m0…m3; modalities are concatenated in sorted-name order (DM)');

export function modalityPorts(type: PortDef['type'], what: string): PortDef[] {
  return MODALITY_PORTS.map((name, k) => ({
    name,
    label: `modality ${k}`,
    type,
    ranks: [2],
    optional: true,
    description: `${what} of modality ${k} [tokens, channels]`,
  }));
}

export interface Modality {
  port: string;
  name: string;
  tokens: number;
  channels: number;
}

/** Connected modalities in concatenation (sorted-name) order, or an error. */
export function connectedModalities(
  names: readonly string[],
  inputs: Record<string, Shape | undefined>,
): Modality[] | InferResult {
  const mods: Modality[] = [];
  MODALITY_PORTS.forEach((port, k) => {
    const s = inputs[port];
    if (s) mods.push({ port, name: names[k] ?? '', tokens: s[0]!, channels: s[1]! });
  });
  if (mods.length === 0) return fail('connect at least one modality (ports m0…m3)', { port: 'm0' });
  for (const m of mods) {
    if (!m.name)
      return fail(`port ${m.port} is connected but has no entry in names; add a name for it`, { param: 'names' });
  }
  const seen = new Set<string>();
  for (const m of mods) {
    if (seen.has(m.name))
      return fail(`two connected modalities are both named "${m.name}"; names must differ`, { param: 'names' });
    seen.add(m.name);
  }
  return mods.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export const commonWidth = (mods: readonly Modality[], minPadding: number): number =>
  Math.max(...mods.map((m) => m.channels)) + minPadding;
