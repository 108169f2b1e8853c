import { createContext, useContext } from 'react';
import type { Analysis } from '../../engine/graph/analyse';

/** The analysis of the active graph, computed once per document version in App. */
export const AnalysisContext = createContext<Analysis | null>(null);

export function useAnalysis(): Analysis {
  const a = useContext(AnalysisContext);
  if (!a) throw new Error('useAnalysis outside <AnalysisContext.Provider>');
  return a;
}
