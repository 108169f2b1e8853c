/**
 * Light / dark theme: View › Toggle Theme (Electron menu), the command palette and the toolbar
 * switch run `toggleTheme`; the choice is kept in localStorage and applied as
 * <html data-theme="…"> before the first paint (main.tsx imports this module first).
 */
import { useSyncExternalStore } from 'react';
import './theme.css';

export type Theme = 'dark' | 'light';
const KEY = 'perceiver.theme';

function stored(): Theme {
  try {
    return localStorage.getItem(KEY) === 'light' ? 'light' : 'dark';
  } catch {
    return 'dark';
  }
}

let theme: Theme = typeof document === 'undefined' ? 'dark' : stored();
const listeners = new Set<() => void>();

function apply(): void {
  if (typeof document === 'undefined') return;
  document.documentElement.dataset.theme = theme;
  document.documentElement.style.colorScheme = theme;
}
apply();

export function getTheme(): Theme {
  return theme;
}

export function setTheme(next: Theme): void {
  theme = next;
  try {
    localStorage.setItem(KEY, next);
  } catch {
    // Storage refused (private mode): the theme still changes for this session.
  }
  apply();
  for (const l of listeners) l();
}

export function toggleTheme(): void {
  setTheme(theme === 'dark' ? 'light' : 'dark');
}

export function useTheme(): Theme {
  return useSyncExternalStore(
    (l) => (listeners.add(l), () => listeners.delete(l)),
    () => theme,
  );
}
