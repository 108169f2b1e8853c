/**
 * Custom blocks: groups the user saved to the palette (e.g. "cross-attend + latent stack"),
 * kept in this app's local storage as clips and pasted like any copy (fresh ids every time).
 */
import { useSyncExternalStore } from 'react';
import { copySelection, type Clip } from '../../engine/graph/commands';
import type { GraphDoc } from '../../engine/graph/schema';
import { getKind } from '../../engine/kinds/registry';

export interface CustomBlock {
  id: string;
  label: string;
  clip: Clip;
}

const KEY = 'perceiver-studio.customBlocks.v1';
export const BLOCK_MIME = 'application/x-perceiver-block';
const listeners = new Set<() => void>();
let cache: CustomBlock[] | null = null;

function read(): CustomBlock[] {
  if (cache) return cache;
  try {
    const raw = JSON.parse(localStorage.getItem(KEY) ?? '[]') as unknown;
    // Stored blocks are re-checked: a block whose kinds this build lacks is dropped, not trusted.
    cache = Array.isArray(raw)
      ? (raw as CustomBlock[]).filter(
          (b) =>
            b &&
            typeof b.label === 'string' &&
            Array.isArray(b.clip?.nodes) &&
            b.clip.nodes.every((n) => getKind(n.kind)),
        )
      : [];
  } catch {
    cache = [];
  }
  return cache;
}

function write(blocks: CustomBlock[]): void {
  cache = blocks;
  try {
    localStorage.setItem(KEY, JSON.stringify(blocks));
  } catch {
    // Storage full or disabled: the blocks still live for this session.
  }
  for (const l of listeners) l();
}

export function useCustomBlocks(): CustomBlock[] {
  return useSyncExternalStore((l) => (listeners.add(l), () => listeners.delete(l)), read);
}

export function customBlock(id: string): CustomBlock | undefined {
  return read().find((b) => b.id === id);
}

/** Save a group of `doc` to the palette; returns the block. */
export function saveGroupAsBlock(doc: GraphDoc, groupId: string): CustomBlock {
  const group = doc.groups.find((g) => g.id === groupId);
  if (!group) throw new Error(`There is no group "${groupId}"`);
  const ids = doc.nodes.filter((n) => n.group === groupId).map((n) => n.id);
  const clip = copySelection(doc, ids);
  clip.groups = clip.groups.map((g) => ({ ...g, collapsed: false }));
  const block: CustomBlock = { id: `block-${Date.now().toString(36)}-${read().length}`, label: group.label, clip };
  write([...read().filter((b) => b.label !== block.label), block]);
  return block;
}

export function deleteBlock(id: string): void {
  write(read().filter((b) => b.id !== id));
}
