/**
 * "Fit the graph to this data": engine/train/fitToData finds the param edits that make the model
 * input take the data's example shape and the classification heads predict its number of
 * classes; here they become ordinary setParam commands, visible on the canvas and undoable.
 */
import type { Command } from '../../engine/graph/commands';
import type { GraphDoc } from '../../engine/graph/schema';
import { fitToData, formatChange } from '../../engine/train/fitToData';

export interface FitPlan {
  command: Command | null;
  /** One line per change, e.g. `head.numClasses 10 → 3`. */
  changes: string[];
  /** Why the graph cannot be fitted by param edits alone, when it cannot. */
  problem: string | null;
}

export function planFit(
  doc: GraphDoc,
  data: { inputShape: number[]; numClasses: number; moreInputShapes?: number[][] },
): FitPlan {
  const fit = fitToData(doc, data);
  if (fit.problem) return { command: null, changes: [], problem: fit.problem };
  const commands: Command[] = fit.changes.map((c) => ({ type: 'setParam', id: c.nodeId, key: c.param, value: c.to }));
  return {
    command: commands.length ? { type: 'batch', label: 'Fit the graph to the data', commands } : null,
    changes: fit.changes.map(formatChange),
    problem: null,
  };
}
