/**
 * Window size and position, restored at start. A saved position is used only when it still
 * overlaps a display (a monitor may have been unplugged); otherwise the window is centred.
 */
import { join } from 'node:path';
import { atomicWrite, readJsonState } from '../services/safeFs.js';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface WindowState {
  bounds: Rect;
  maximized: boolean;
}

export const DEFAULT_SIZE = { width: 1440, height: 900 };
export const MIN_SIZE = { width: 800, height: 560 };

const isRect = (r: unknown): r is Rect =>
  typeof r === 'object' &&
  r !== null &&
  ['x', 'y', 'width', 'height'].every((k) => Number.isFinite((r as Record<string, unknown>)[k]));

const isState = (v: unknown): v is WindowState =>
  typeof v === 'object' &&
  v !== null &&
  isRect((v as WindowState).bounds) &&
  typeof (v as WindowState).maximized === 'boolean';

/** Bounds to open the window with, given what was saved and the displays' work areas. */
export function restoreBounds(
  saved: WindowState | null,
  workAreas: Rect[],
): { bounds: Partial<Rect> & { width: number; height: number }; maximized: boolean } {
  if (!saved) return { bounds: { ...DEFAULT_SIZE }, maximized: false };
  const width = Math.max(MIN_SIZE.width, Math.round(saved.bounds.width));
  const height = Math.max(MIN_SIZE.height, Math.round(saved.bounds.height));
  const b = { x: Math.round(saved.bounds.x), y: Math.round(saved.bounds.y), width, height };
  // Visible enough to grab: at least 100×50 px of the window inside some display.
  const visible = workAreas.some((a) => {
    const w = Math.min(b.x + b.width, a.x + a.width) - Math.max(b.x, a.x);
    const h = Math.min(b.y + b.height, a.y + a.height) - Math.max(b.y, a.y);
    return w >= 100 && h >= 50;
  });
  return { bounds: visible ? b : { width, height }, maximized: saved.maximized };
}

export class WindowStateStore {
  private readonly file: string;
  constructor(userData: string) {
    this.file = join(userData, 'window-state.json');
  }
  load(): Promise<WindowState | null> {
    return readJsonState<WindowState | null>(this.file, null, (v): v is WindowState | null => v === null || isState(v));
  }
  async save(state: WindowState): Promise<void> {
    await atomicWrite(this.file, JSON.stringify(state));
  }
}
