import { describe, expect, it } from 'vitest';
import { analyse } from '../graph/analyse.js';
import { bindToData } from './bindData.js';
import { tinyPerceiverDoc } from './testModel.js';

function withInput(params: Record<string, unknown>, headClasses = 2) {
  const doc = tinyPerceiverDoc({ classes: headClasses });
  const image = doc.nodes.find((n) => n.id === 'image')!;
  image.params = { ...image.params, ...params };
  return doc;
}

describe('bindToData', () => {
  it('fills input params set to 0 from the data shape, axis by axis', () => {
    const r = bindToData(withInput({ height: 0, width: 0, channels: 0 }), { inputShape: [6, 8, 1], numClasses: 2 });
    expect(r.doc.nodes.find((n) => n.id === 'image')!.params).toMatchObject({ height: 6, width: 8, channels: 1 });
    expect(r.filled).toEqual([
      'image.height = 6 (from data)',
      'image.width = 8 (from data)',
      'image.channels = 1 (from data)',
    ]);
    expect(analyse(r.doc).valid).toBe(true);
  });
  it('leaves a 0 that is a real value alone (ImageInput frames)', () => {
    const r = bindToData(withInput({ frames: 0 }), { inputShape: [4, 4, 1], numClasses: 2 });
    expect(r.filled).toEqual([]);
  });
  it('fills a head numClasses of 0 from the data', () => {
    const doc = tinyPerceiverDoc();
    doc.nodes.find((n) => n.id === 'head')!.params = { numClasses: 0 };
    const r = bindToData(doc, { inputShape: [4, 4, 1], numClasses: 7 });
    expect(r.filled).toEqual(['head.numClasses = 7 (from data)']);
    expect(analyse(r.doc).heads[0]!.loss).toEqual({ type: 'classification', classes: 7 });
  });
  it('names the node and what to change on a mismatch', () => {
    expect(() => bindToData(withInput({}), { inputShape: [28, 28, 1], numClasses: 2 })).toThrow(
      'The input node "image" expects examples of shape [4, 4, 1] but the data gives [28, 28, 1]; change its params to match, or set the size params to 0 to take them from the data',
    );
    expect(() => bindToData(withInput({}), { inputShape: [4, 4, 1], numClasses: 3 })).toThrow(
      'The head "head" predicts 2 classes but the data has 3; set its numClasses to 3 (or 0 to take it from the data)',
    );
    expect(() => bindToData(withInput({ height: 0 }), { inputShape: [16], numClasses: 2 })).toThrow(
      /gives rank-3 examples but the data's examples are \[16\]/,
    );
  });
});
