/**
 * Library search: every word of the query must appear in a template's title, file name,
 * description or tags ("tag:mnist" matches a tag exactly). Pure, so it is unit-tested.
 */
import type { TemplateSummary } from '../../electron/ipc-contract';

export type LibraryScope = 'all' | 'builtin' | 'user';

export function matchesQuery(t: TemplateSummary, query: string): boolean {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const hay = `${t.title}\n${t.name}\n${t.description}\n${t.tags.join(' ')}`.toLowerCase();
  const tags = new Set(t.tags.map((x) => x.toLowerCase()));
  return words.every((w) => (w.startsWith('tag:') ? tags.has(w.slice(4)) : hay.includes(w)));
}

export function filterTemplates(
  list: readonly TemplateSummary[],
  scope: LibraryScope,
  query: string,
): TemplateSummary[] {
  return list.filter((t) => (scope === 'all' || t.scope === scope) && matchesQuery(t, query));
}

/** A file name for the user library from a graph's name ("My net" → "My net.perceiver.json"). */
export function libraryFileName(name: string): string {
  const clean = name
    .replace(/[/\\<>:"|?*\u0000-\u001f]+/g, ' ')
    .replace(/\.{2,}/g, ' ')
    .replace(/\s+/g, ' ')
    .replace(/^[. ]+|[. ]+$/g, '');
  return `${clean.slice(0, 150) || 'graph'}.perceiver.json`;
}

/** The name shown for a library file: without ".perceiver.json" / ".json". */
export function displayName(fileName: string): string {
  return fileName.replace(/(\.perceiver)?\.json$/i, '');
}
