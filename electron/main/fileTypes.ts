/**
 * The graph files the desktop app opens and saves: its own `.perceiver` extension (JSON inside;
 * one extension, so every OS associates it, unlike `.perceiver.json` where only the last part
 * counts), and `.json` (templates, and files saved by earlier versions as `.perceiver.json`).
 */
export const GRAPH_EXTENSIONS = ['perceiver', 'json'] as const;

export function isGraphFile(path: string): boolean {
  return /\.(perceiver|json)$/i.test(path);
}

/** The name a new file gets in the save dialog: "net.perceiver.json" / "net.json" / "net" → "net.perceiver". */
export function saveNameFor(suggested: string): string {
  const base = suggested.replace(/(\.perceiver)?\.json$/i, '').replace(/\.perceiver$/i, '') || 'graph';
  return `${base}.perceiver`;
}

/** A path the user typed in the save dialog without an extension gets ours. */
export function withGraphExtension(path: string): string {
  return isGraphFile(path) ? path : `${path}.perceiver`;
}
