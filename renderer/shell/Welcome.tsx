import { useEffect, useRef } from 'react';
import { markWelcomeSeen, openOverlay } from './overlays';
import './shell.css';

export interface WelcomeStarts {
  trainDefault: () => void;
  openTemplate: () => void;
  loadData: () => void;
}

/** The first-run welcome: what the app does, three ways to start. Dismissed once, reopened from Help. */
export function Welcome({ starts }: { starts: WelcomeStarts }) {
  const first = useRef<HTMLButtonElement>(null);
  useEffect(() => first.current?.focus(), []);
  const close = () => {
    markWelcomeSeen();
    openOverlay(null);
  };
  const start = (f: () => void) => () => {
    close();
    f();
  };
  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && close()}>
      <div
        className="modal welcome"
        role="dialog"
        aria-modal="true"
        aria-labelledby="welcome-title"
        onKeyDown={(e) => e.key === 'Escape' && (e.stopPropagation(), close())}
      >
        <div className="modal-head">
          <h2 id="welcome-title">Welcome to Perceiver Studio</h2>
          <button type="button" className="icon-btn" aria-label="Close the welcome" onClick={close}>
            ×
          </button>
        </div>
        <div className="modal-body">
          <p>
            Build Perceiver and Perceiver IO models as a graph of blocks — inputs, position encodings, latents, cross-
            and self-attention, decoders and heads — see every tensor shape, parameter count and FLOP as you edit, and
            train the graph right here on your data. Export the trained model to PyTorch or TensorFlow.js when it works.
          </p>
          <div className="welcome-starts" role="list" aria-label="Ways to start">
            <button
              type="button"
              role="listitem"
              className="welcome-start"
              ref={first}
              onClick={start(starts.trainDefault)}
            >
              <b>▶ Train the default model</b>
              <span>
                A small Perceiver IO on the built-in MNIST digits (95.75% test accuracy in 5.8 min, measured with the
                CLI on a 2-core CPU; the Training tab shows the ETA of your run).
              </span>
            </button>
            <button type="button" role="listitem" className="welcome-start" onClick={start(starts.openTemplate)}>
              <b>▦ Open a template</b>
              <span>
                The published architectures (Perceiver, Perceiver IO for ImageNet, language, optical flow, multimodal)
                and small ones to train.
              </span>
            </button>
            <button type="button" role="listitem" className="welcome-start" onClick={start(starts.loadData)}>
              <b>⇪ Load your data</b>
              <span>
                A CSV table, an image folder, text files or an .npz array; the Dataset tab fits the graph to it.
              </span>
            </button>
          </div>
          <p className="muted small">
            Press <kbd>?</kbd> for the keyboard shortcuts. This welcome stays in the Help tab.
          </p>
        </div>
        <div className="modal-foot">
          <button
            type="button"
            className="btn"
            onClick={() => {
              markWelcomeSeen();
              openOverlay('shortcuts');
            }}
          >
            Keyboard shortcuts
          </button>
          <button type="button" className="btn" onClick={close}>
            Start with this graph
          </button>
        </div>
      </div>
    </div>
  );
}
