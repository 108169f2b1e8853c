import { useEffect, useRef, useState } from 'react';
import { getTrainState, useTrainer } from '../training/trainer';
import { runEndOf, type RunEnd } from './runEnd';
import './shell.css';

/** Listeners for a run's end (the host bridge forwards it to Electron for an OS notification). */
const endListeners = new Set<(e: RunEnd) => void>();
export function onRunEnd(l: (e: RunEnd) => void): () => void {
  endListeners.add(l);
  return () => void endListeners.delete(l);
}

/**
 * A notice that stays until dismissed when a run ends (finished, stopped, diverged, failed),
 * so a run that ended while the user looked elsewhere is not missed.
 */
export function RunEndNotice({ onShow }: { onShow: () => void }) {
  const status = useTrainer((s) => s.status);
  const prev = useRef(getTrainState().status);
  const [end, setEnd] = useState<RunEnd | null>(null);
  useEffect(() => {
    const was = prev.current;
    prev.current = status;
    if (status === 'running') setEnd(null);
    const e = runEndOf({ status: was }, getTrainState());
    if (!e) return;
    setEnd(e);
    for (const l of endListeners) l(e);
  }, [status]);
  if (!end) return null;
  return (
    <div className={`run-end${end.ok ? '' : ' failed'}`} role="status" aria-label="Run ended" data-testid="run-end">
      <div>
        <b>{end.title}</b>
        <p>{end.body}</p>
      </div>
      <button
        type="button"
        className="btn"
        onClick={() => {
          onShow();
          setEnd(null);
        }}
      >
        Show results
      </button>
      <button type="button" className="icon-btn" aria-label="Dismiss the run notice" onClick={() => setEnd(null)}>
        ×
      </button>
    </div>
  );
}
