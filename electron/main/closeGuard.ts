/**
 * Unsaved changes on close or quit. The renderer reports whether the graph is dirty; closing a
 * dirty window asks Save / Don't Save / Cancel. "Save" asks the renderer to save and closes
 * once it reports clean (a cancelled Save dialog leaves the window open).
 */
export type CloseChoice = 'save' | 'discard' | 'cancel';

export class CloseGuard {
  private dirty = false;
  private closeAfterSave = false;
  private allowClose = false;

  constructor(
    private readonly hooks: {
      ask: () => Promise<CloseChoice>;
      requestSave: () => void;
      close: () => void;
    },
  ) {}

  get isDirty(): boolean {
    return this.dirty;
  }

  /** From the renderer's setDocumentState. */
  setDirty(dirty: boolean): void {
    this.dirty = dirty;
    if (!dirty && this.closeAfterSave) {
      this.closeAfterSave = false;
      this.allowClose = true;
      this.hooks.close();
    }
  }

  /**
   * Call from the window's 'close' event. Returns true when the close may go ahead now;
   * false means the caller must preventDefault() (a prompt or a save is under way).
   */
  onClose(): boolean {
    if (this.allowClose || !this.dirty) return true;
    void this.hooks.ask().then((choice) => {
      if (choice === 'discard') {
        this.allowClose = true;
        this.hooks.close();
      } else if (choice === 'save') {
        this.closeAfterSave = true;
        this.hooks.requestSave();
      }
    });
    return false;
  }

  /** The renderer's save failed or was cancelled: stay open, forget the pending close. */
  cancelPendingClose(): void {
    this.closeAfterSave = false;
  }
}
