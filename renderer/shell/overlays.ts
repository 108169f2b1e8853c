/**
 * The app-wide overlays of the shell: the first-run welcome and the keyboard shortcut sheet.
 * A tiny store so the Help tab, the command palette and the keyboard can open them.
 */
import { useSyncExternalStore } from 'react';

export type Overlay = 'welcome' | 'shortcuts' | null;

/** localStorage key: set once the welcome was dismissed (the e2e suite sets it for every test). */
export const WELCOME_SEEN_KEY = 'perceiver-studio.welcome-seen';

let overlay: Overlay = null;
const listeners = new Set<() => void>();

export function openOverlay(o: Overlay): void {
  overlay = o;
  for (const l of listeners) l();
}

export function useOverlay(): Overlay {
  return useSyncExternalStore(
    (l) => (listeners.add(l), () => void listeners.delete(l)),
    () => overlay,
  );
}

export function welcomeSeen(): boolean {
  try {
    return localStorage.getItem(WELCOME_SEEN_KEY) === '1';
  } catch {
    return true; // no storage (a locked-down profile): never nag on every start
  }
}

export function markWelcomeSeen(): void {
  try {
    localStorage.setItem(WELCOME_SEEN_KEY, '1');
  } catch {
    // nothing to keep it in
  }
}

/** At start: the welcome on the very first run only. */
export function showWelcomeOnFirstRun(): void {
  if (!welcomeSeen()) openOverlay('welcome');
}
