/**
 * "Enter" a block: the canvas shows only the block's members (a view, not an edit: the GraphDoc
 * is unchanged and undo history is untouched), with a breadcrumb back to the whole graph.
 * Leaving happens by the breadcrumb, Escape, switching tabs, or the block disappearing.
 */
import { useSyncExternalStore } from 'react';
import type { GraphDoc } from '../../engine/graph/schema';
import { getState } from '../state/store';
import type { FocusView } from './flowModel';

interface Entered extends FocusView {
  tabId: string;
}

let entered: Entered | null = null;
const listeners = new Set<() => void>();
const emit = () => listeners.forEach((l) => l());

export function enterGroup(doc: GraphDoc, groupId: string): void {
  if (!doc.groups.some((g) => g.id === groupId)) return;
  const hidden = new Set(doc.nodes.filter((n) => n.group !== groupId).map((n) => n.id));
  entered = { tabId: getState().activeTabId, groupId, hidden };
  emit();
}

export function leaveGroup(): void {
  if (!entered) return;
  entered = null;
  emit();
}

/** The entered block of this tab's graph, or null (also when the block no longer exists). */
export function currentFocus(doc: GraphDoc, tabId: string): Entered | null {
  if (!entered || entered.tabId !== tabId || !doc.groups.some((g) => g.id === entered!.groupId)) return null;
  return entered;
}

export function useEnteredGroup(): Entered | null {
  return useSyncExternalStore(
    (l) => (listeners.add(l), () => listeners.delete(l)),
    () => entered,
  );
}
