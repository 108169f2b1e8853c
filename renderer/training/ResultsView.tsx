import type { TestSummary, RunResults } from '../worker/protocol';
import { SampleImage } from '../data/SampleImage';
import { formatDuration } from '../format';
import { ConfusionMatrix } from './ConfusionMatrix';
import { formatMetric, metricLabel } from './metricText';

/** How good the model is on the held-back test split: accuracy, loss, confusion, per class, mistakes. */
export function ResultsView({
  test,
  results,
  seconds,
}: {
  test: TestSummary;
  results: RunResults | null;
  seconds: number | null;
}) {
  if (test.metric && test.metric !== 'accuracy') {
    // Token and regression heads: the metric and loss; no classes, so no confusion matrix.
    const label = metricLabel(test.metric);
    return (
      <div className="test-result results" aria-label="Results">
        <div data-testid="test-accuracy" className="big">
          Test {label} {formatMetric(test.metric, test.accuracy, 2)}
        </div>
        <div className="muted small" data-testid="test-loss">
          test loss {test.loss.toFixed(4)}
          {test.metric === 'maskedTokenAccuracy'
            ? ' over the hidden bytes of the held-back windows'
            : ' on the held-back examples'}
          {seconds !== null ? `, after ${formatDuration(seconds)}` : ''}
        </div>
      </div>
    );
  }
  const names = results?.classNames;
  const n = test.confusion.reduce((a, row) => a + row.reduce((b, v) => b + v, 0), 0);
  const wrong = n - test.confusion.reduce((a, row, i) => a + row[i]!, 0);
  return (
    <div className="test-result results" aria-label="Results">
      <div data-testid="test-accuracy" className="big">
        Test accuracy {(test.accuracy * 100).toFixed(2)}%
      </div>
      <div className="muted small" data-testid="test-loss">
        test loss {test.loss.toFixed(4)} on {n} held-back examples ({wrong} misclassified)
        {seconds !== null ? `, after ${formatDuration(seconds)}` : ''}
      </div>
      <h4>Confusion matrix</h4>
      <ConfusionMatrix confusion={test.confusion} classNames={names} />
      {results && (
        <>
          <h4>Per-class accuracy</h4>
          <table className="per-class" aria-label="Per-class accuracy">
            <tbody>
              {results.perClassAccuracy.map((a, i) => (
                <tr key={i}>
                  <td>{results.classNames[i]}</td>
                  <td className="num">{Number.isNaN(a) ? 'n/a (none in test)' : `${(a * 100).toFixed(1)}%`}</td>
                  <td className="num muted">{test.confusion[i]!.reduce((x, y) => x + y, 0)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h4>Misclassified examples</h4>
          {results.mistakes.length === 0 ? (
            <div className="muted small" data-testid="no-mistakes">
              No test example was misclassified.
            </div>
          ) : results.imageShape ? (
            <div className="mistake-grid" aria-label="Misclassified examples">
              {results.mistakes.map((m, i) => (
                <figure className="mistake" key={i} data-testid="mistake">
                  <SampleImage
                    x={m.x}
                    shape={results.imageShape!}
                    size={52}
                    title={`${m.path ?? 'example'}: true ${results.classNames[m.label]}, predicted ${results.classNames[m.predicted]}`}
                  />
                  <figcaption>
                    {results.classNames[m.label]}
                    <br />
                    <span className="pred">→ {results.classNames[m.predicted]}</span>
                  </figcaption>
                </figure>
              ))}
            </div>
          ) : (
            <div className="data-rows-wrap">
              <table className="data-rows" aria-label="Misclassified examples">
                <thead>
                  <tr>
                    <th>true</th>
                    <th>predicted</th>
                    {results.mistakes[0]?.path && <th>file</th>}
                    {results.featureNames.slice(0, 12).map((f) => (
                      <th key={f}>{f}</th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {results.mistakes.map((m, i) => (
                    <tr key={i} data-testid="mistake">
                      <td className="target">{results.classNames[m.label]}</td>
                      <td className="target">{results.classNames[m.predicted]}</td>
                      {m.path && <td>{m.path}</td>}
                      {(m.path && results.featureNames.length === 0 ? [] : Array.from(m.x.subarray(0, 12))).map(
                        (v, j) => (
                          <td key={j}>{v.toFixed(3)}</td>
                        ),
                      )}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {results.mistakes.length > 0 && results.mistakes.length < wrong && (
            <div className="muted small">
              showing the first {results.mistakes.length} of {wrong}
            </div>
          )}
        </>
      )}
    </div>
  );
}
