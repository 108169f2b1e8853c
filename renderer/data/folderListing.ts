/**
 * Picked files → what the engine's image-folder loader expects. A browser gives a folder as a
 * flat list of relative paths ("shapes/circle/1.png"); this rebuilds the class subfolders the
 * same way the CLI's listing does (engine/node/imageFolder.ts), so both refuse and skip alike.
 */
import type { ImageFolderListing } from '../../engine/data/images';

/** Split "root/class/file.png" paths into the folder's classes; anything else is loose. */
export function listingFromPaths(paths: readonly string[]): ImageFolderListing {
  const parts = paths.map((p) => p.replace(/\\/g, '/').split('/').filter(Boolean));
  const roots = new Set(parts.map((p) => (p.length > 1 ? p[0]! : '')));
  // One picked folder gives one common root; several dropped folders have none.
  const root = roots.size === 1 && !roots.has('') ? [...roots][0]! : '';
  const byClass = new Map<string, string[]>();
  const looseFiles: string[] = [];
  parts.forEach((p, i) => {
    const rel = root ? p.slice(1) : p;
    const path = paths[i]!;
    if (rel.some((seg) => seg.startsWith('.'))) return; // hidden files (.DS_Store) are not data
    if (rel.length === 2) {
      const list = byClass.get(rel[0]!) ?? [];
      list.push(path);
      byClass.set(rel[0]!, list);
    } else if (rel.length > 2) {
      // Nested folders inside a class are not classes of their own: say so, as the CLI does.
      const cls = byClass.get(rel[0]!) ?? [];
      byClass.set(rel[0]!, cls);
      looseFiles.push(path);
    } else looseFiles.push(path);
  });
  const classes = [...byClass.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, files]) => ({ name, files: files.sort() }));
  return { root: root || 'dropped files', classes, looseFiles: looseFiles.sort() };
}

/**
 * A video folder (class/clip/frame.png … or class/clip.npy) as engine/data/video reads it, the
 * way the CLI lists it (engine/node/videoFolder.ts): each class's entries are its clip folders
 * (path ending "/") and .npy clips; `frames` gives a clip folder's frame files.
 */
export function videoListingFromPaths(paths: readonly string[]): {
  listing: ImageFolderListing;
  frames: Map<string, string[]>;
} {
  const parts = paths.map((p) => p.replace(/\\/g, '/').split('/').filter(Boolean));
  const roots = new Set(parts.map((p) => (p.length > 1 ? p[0]! : '')));
  const root = roots.size === 1 && !roots.has('') ? [...roots][0]! : '';
  const byClass = new Map<string, Set<string>>();
  const frames = new Map<string, string[]>();
  const looseFiles: string[] = [];
  parts.forEach((p, i) => {
    const rel = root ? p.slice(1) : p;
    const path = paths[i]!;
    if (rel.some((seg) => seg.startsWith('.'))) return;
    if (rel.length < 2) {
      looseFiles.push(path);
      return;
    }
    const entries = byClass.get(rel[0]!) ?? new Set<string>();
    byClass.set(rel[0]!, entries);
    if (rel.length === 2) entries.add(path);
    else if (rel.length === 3) {
      // root/class/clip/frame: the clip folder is the entry; its frames are listed for the codec.
      const clip = path.slice(0, path.length - rel[2]!.length);
      entries.add(clip);
      const list = frames.get(clip) ?? [];
      list.push(path);
      frames.set(clip, list);
    } else looseFiles.push(path);
  });
  const classes = [...byClass.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, files]) => ({ name, files: [...files].sort() }));
  return { listing: { root: root || 'dropped files', classes, looseFiles: looseFiles.sort() }, frames };
}

/** The data-file kinds the panel accepts, for the file input's accept list. */
export const DATA_FILE_ACCEPT = '.csv,.tsv,.json,.npy,.npz,.txt,.text,.md';
