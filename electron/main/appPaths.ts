/**
 * Where a running app finds its parts, packaged or not. The packaging test checks that
 * electron-builder puts the files exactly here.
 */
import { join, resolve } from 'node:path';

export interface AppLocation {
  isPackaged: boolean;
  /** process.resourcesPath */
  resourcesPath: string;
  /** The folder holding dist/ and package.json (app.asar when packaged). */
  appRoot: string;
}

/** main.cjs lives in <appRoot>/dist/electron. */
export function appRootFromMainDir(mainDir: string): string {
  return resolve(mainDir, '..', '..');
}

export function rendererDirOf(loc: AppLocation): string {
  return join(loc.appRoot, 'dist', 'renderer');
}

/** Built-in templates: extraResources next to app.asar when packaged, the repo's folder otherwise. */
export function builtinTemplatesDirOf(loc: AppLocation): string {
  return loc.isPackaged ? join(loc.resourcesPath, 'templates') : join(loc.appRoot, 'templates');
}

export function preloadPathOf(mainDir: string): string {
  return join(mainDir, 'preload.cjs');
}
