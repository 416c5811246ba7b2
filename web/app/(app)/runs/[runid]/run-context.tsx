'use client';
import { createContext, useContext } from 'react';
import type { RunView } from '@arkive/shared/contracts';

export interface RunContextValue {
  run: RunView;
  /** Re-reads the run (health, role) from the API. */
  reload(): Promise<void>;
}

export const RunContext = createContext<RunContextValue | null>(null);

/** The run the page is about, read once by the run layout (which renders the not-found page for unknown runs). */
export function useRun(): RunContextValue {
  const v = useContext(RunContext);
  if (!v) throw new Error('useRun outside the run layout');
  return v;
}
