/**
 * When the window's renderer process dies (crash, out of memory, killed): reload it, so the app
 * comes back with its tabs (sessionStorage) and the autosaved graphs under Restore — unless it
 * keeps dying, then stop reloading and tell the user (a reload loop helps no one).
 */
export const RELOADS_ALLOWED = 3;
export const RELOAD_WINDOW_MS = 60_000;

export type GoneDecision = { action: 'reload' } | { action: 'give-up'; message: string } | { action: 'ignore' };

export class RendererRecovery {
  private reloads: number[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  /** `reason` is Electron's RenderProcessGoneDetails.reason. */
  onGone(reason: string): GoneDecision {
    // 'clean-exit' is a normal end (the window is closing), not a crash.
    if (reason === 'clean-exit') return { action: 'ignore' };
    const t = this.now();
    this.reloads = this.reloads.filter((x) => t - x < RELOAD_WINDOW_MS);
    if (this.reloads.length >= RELOADS_ALLOWED) {
      return {
        action: 'give-up',
        message: `The window stopped ${this.reloads.length + 1} times within a minute (${reason}). Your unsaved graphs are autosaved; restart Perceiver Studio and choose Restore. The log file (Help › Show Log File) says more.`,
      };
    }
    this.reloads.push(t);
    return { action: 'reload' };
  }
}
