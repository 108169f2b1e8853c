/**
 * What the canvas offers to the rest of the UI (toolbar, command palette, problems list):
 * registered by the mounted canvas, so callers never hold React Flow's instance themselves.
 */
export interface CanvasApi {
  fitView(): void;
  zoomToSelection(): void;
  zoomIn(): void;
  zoomOut(): void;
  autoLayout(): Promise<void>;
  openQuickAdd(): void;
  centerOn(nodeId: string): void;
  /** The flow position at the centre of the visible canvas (where pasted/added nodes go). */
  viewCentre(): { x: number; y: number };
  measuredSizes(): Map<string, { width: number; height: number }>;
  /** Pan (never zoom in) so these nodes are on screen, e.g. just pasted ones. */
  revealNodes(ids: string[]): void;
}

let current: CanvasApi | null = null;

export function registerCanvasApi(api: CanvasApi | null): void {
  current = api;
}

export function canvasApi(): CanvasApi | null {
  return current;
}
