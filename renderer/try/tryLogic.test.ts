import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TryWeightsInfo } from '../worker/protocol';
import { LiveScheduler, meanCells, padGeometry, percent, tryStateOf } from './tryLogic';

const info: TryWeightsInfo = {
  source: 'run',
  label: 'run 2, 1 epoch completed',
  docName: 'MNIST Perceiver IO',
  training: false,
  input: { nodeId: 'image', kind: 'image', shape: [28, 28, 1], dtype: 'float32' },
  inputs: [{ nodeId: 'image', kind: 'image', shape: [28, 28, 1], dtype: 'float32' }],
  output: { nodeId: 'head', kind: 'classes', shape: [10] },
  outputs: [{ nodeId: 'head', kind: 'classes', shape: [10] }],
  classNames: ['0', '1'],
  featureNames: [],
  normalization: 'none',
};

describe('tryStateOf', () => {
  it('waits, asks for weights, refuses a changed graph with the changes, refuses unsupported models, else is ready', () => {
    expect(tryStateOf(null).kind).toBe('waiting');
    const none = tryStateOf({ info: null, changes: [] });
    expect(none.kind).toBe('no-weights');
    expect(none.kind === 'no-weights' && none.message).toMatch(/train or import first/);
    const changed = tryStateOf({
      info,
      changes: ['latents.numLatents is 64 (trained with 32)', 'node "extra" was added'],
    });
    expect(changed.kind).toBe('changed');
    expect(changed.kind === 'changed' && changed.message).toMatch(
      /run 2, 1 epoch completed.*latents\.numLatents is 64 \(trained with 32\); node "extra" was added/,
    );
    const many = tryStateOf({ info, changes: ['a', 'b', 'c', 'd', 'e', 'f'] });
    expect(many.kind === 'changed' && many.message).toMatch(/; 2 more/);
    expect(tryStateOf({ info: { ...info, unsupported: 'this graph has 2 model inputs' }, changes: [] }).kind).toBe(
      'unsupported',
    );
    expect(tryStateOf({ info, changes: [] })).toEqual({ kind: 'ready', info });
  });
});

describe('padGeometry', () => {
  it('zooms the input to about 280 px with whole pixels and an MNIST-like brush', () => {
    expect(padGeometry([28, 28, 1])).toEqual({ zoom: 10, width: 280, height: 280, brush: 12 });
    expect(padGeometry([224, 224, 3])).toMatchObject({ zoom: 1, width: 224, height: 224 });
    expect(padGeometry([8, 16, 1])).toMatchObject({ zoom: 16, width: 256, height: 128 });
    expect(padGeometry([1000, 500, 3]).zoom).toBe(1);
  });
});

describe('meanCells and percent', () => {
  it('averages latents cell by cell', () => {
    const m = meanCells([
      { w: 2, h: 1, values: Float32Array.from([1, 0]) },
      { w: 2, h: 1, values: Float32Array.from([0, 0.5]) },
    ])!;
    expect(Array.from(m.values)).toEqual([0.5, 0.25]);
    expect(meanCells([])).toBeNull();
  });
  it('formats probabilities', () => {
    expect(percent(0.875)).toBe('87.5%');
    expect(percent(0.05)).toBe('5.0%');
    expect(percent(0.003)).toBe('0.30%');
  });
});

describe('LiveScheduler', () => {
  afterEach(() => vi.useRealTimers());
  it('keeps one request in flight and sends only the newest input next, after the minimum gap', async () => {
    vi.useFakeTimers();
    const sent: number[] = [];
    const answers: (() => void)[] = [];
    const s = new LiveScheduler<number>(
      (n) => {
        sent.push(n);
        return new Promise<void>((r) => answers.push(r));
      },
      100,
      () => Date.now(),
    );
    s.push(1);
    s.push(2);
    s.push(3);
    expect(sent).toEqual([1]);
    answers.shift()!();
    await vi.advanceTimersByTimeAsync(0);
    // Answered at once, but the gap since the send is not over: 3 waits for the timer.
    expect(sent).toEqual([1]);
    await vi.advanceTimersByTimeAsync(100);
    expect(sent).toEqual([1, 3]);
    expect(s.busy).toBe(true);
    answers.shift()!();
    await vi.advanceTimersByTimeAsync(200);
    expect(s.busy).toBe(false);
    s.push(4);
    s.cancel();
    expect(sent).toEqual([1, 3, 4]);
  });
  it('keeps going after a failed request', async () => {
    vi.useFakeTimers();
    const sent: number[] = [];
    const s = new LiveScheduler<number>((n) => (sent.push(n), Promise.reject(new Error('worker crashed'))), 10);
    s.push(1);
    s.push(2);
    await vi.advanceTimersByTimeAsync(50);
    expect(sent).toEqual([1, 2]);
  });
});
