/**
 * The app's worker reads a multimodal .npz for the tiny multimodal autoencoder as the CLI does:
 * arrays bound to the input nodes by name, y one-hot into the label input, each head's targets
 * (waveform and pixels reconstructed, the class); the preview reports every input and target.
 */
import { describe, expect, it } from 'vitest';
import { npz } from '../../engine/export/archive';
import type { GraphDoc } from '../../engine/graph/schema';
import { modelHeadsInfo, modelInputsInfo } from '../../engine/train/inputInfo';
import { WorkerDataSources } from './dataSource';

const texts = import.meta.glob('../../templates/multimodal-autoencoder-tiny.json', {
  eager: true,
  query: '?raw',
  import: 'default',
}) as Record<string, string>;
const doc = JSON.parse(Object.values(texts)[0]!) as GraphDoc;
const N = 40;

function file(drop?: string): File {
  const arrays: Record<string, { shape: number[]; data: Float32Array | Int32Array }> = {
    image: { shape: [N, 28, 28, 1], data: Float32Array.from({ length: N * 784 }, (_, i) => (i % 7) / 7) },
    audio: { shape: [N, 2048], data: Float32Array.from({ length: N * 2048 }, (_, i) => Math.sin(i / 9)) },
    y: { shape: [N], data: Int32Array.from({ length: N }, (_, i) => i % 4) },
  };
  if (drop) delete arrays[drop];
  return new File([new Uint8Array(npz(arrays))], 'mm.npz');
}

describe('worker data sources: multimodal .npz', () => {
  const sources = new WorkerDataSources(async () => new Uint8Array());
  const inputs = modelInputsInfo(doc)!;
  const heads = modelHeadsInfo(doc)!;

  it('binds the arrays to the graph by name and gives each head its targets', async () => {
    expect(heads.map((h) => [h.nodeId, h.reconstructs])).toEqual([
      ['audioOut', 1],
      ['imageOut', 0],
      ['labelOut', undefined],
    ]);
    const source = { id: 's1', kind: 'table' as const, name: 'mm.npz', file: file() };
    const preview = await sources.preview(source, undefined, null, false, 'classes', undefined, inputs, heads);
    expect(preview.inputShape).toEqual([28, 28, 1]);
    expect(preview.moreInputShapes).toEqual([[2048], [10]]);
    expect(preview.targets).toEqual([
      { kind: 'values', shape: [2048] },
      { kind: 'values', shape: [784, 1] },
      { kind: 'classes' },
    ]);
    expect(preview.classNames).toEqual(['0', '1', '2', '3']);
    const ds = await sources.dataset(source, undefined, null, false, 'classes', undefined, false, inputs, heads);
    for await (const b of ds.train.batches(8)) {
      expect(b.y).toEqual(b.moreInputs![0]);
      expect(b.moreTargets![0]!.y).toEqual(b.x);
      expect(b.moreTargets![1]!.y).toBeInstanceOf(Int32Array);
      break;
    }
  });

  it('a missing array is named with the archive', async () => {
    const source = { id: 's2', kind: 'table' as const, name: 'mm.npz', file: file('audio') };
    await expect(sources.preview(source, undefined, null, false, 'classes', undefined, inputs, heads)).rejects.toThrow(
      'mm.npz: no array "audio" for the input node "audio"',
    );
  });
});
