import { describe, expect, it } from 'vitest';
import { analyse } from '../graph/analyse.js';
import { FIXTURE_CLASSES, REAL_CONFIGS, haveFixtures, readJson, readKeyList } from '../node/hfFixtures.js';
import { hfBindings, hfConfigToGraph, HfImportError, expectedTfWeights } from './convert.js';

const PUBLISHED: Record<string, number> = {
  PerceiverForMaskedLM: 201_108_230,
  PerceiverForImageClassificationLearned: 62_255_848,
  PerceiverForImageClassificationFourier: 48_440_627,
  // + the BatchNorm running mean and variance (64 + 64), which our analyser counts as parameters.
  PerceiverForImageClassificationConvProcessing: 48_646_522 + 128,
  PerceiverForOpticalFlow: 41_057_134,
  PerceiverForMultimodalAutoencoding: 19_858_855,
};

describe.skipIf(!haveFixtures)('HF config → graph', () => {
  for (const cls of FIXTURE_CLASSES) {
    it(`${cls}: state-dict keys, shapes and dtypes equal the fixture's key list`, () => {
      const config = readJson(cls, 'config.json');
      const got = hfBindings(config).map((b) => `${b.key}\t${JSON.stringify(b.shape)}\t${b.dtype === 'I64' ? 'int64' : 'float32'}`);
      const want = readKeyList(cls, 'state_dict_keys.txt').map((e) => `${e.key}\t${JSON.stringify(e.shape)}\t${e.dtype}`);
      expect(got).toEqual(want);
    });
    it(`${cls}: the published full-size config gives the published key list and parameter count`, () => {
      const name = REAL_CONFIGS[cls]!;
      const config = readJson('real_configs', `${name}.config.json`);
      const got = hfBindings(config).map((b) => `${b.key}\t${JSON.stringify(b.shape)}`);
      const want = readKeyList('real_configs', `${name}.keys.txt`).map((e) => `${e.key}\t${JSON.stringify(e.shape)}`);
      expect(got).toEqual(want);
      const { doc, hfClass } = hfConfigToGraph(config);
      expect(hfClass).toBe(cls);
      const a = analyse(doc);
      expect(a.problems.filter((p) => p.severity === 'error')).toEqual([]);
      expect(a.totals.params).toBe(PUBLISHED[cls]);
    });
    it(`${cls}: the fixture config's graph has exactly the parameters of the checkpoint`, () => {
      const config = readJson(cls, 'config.json');
      const { doc } = hfConfigToGraph(config);
      const a = analyse(doc);
      expect(a.problems.filter((p) => p.severity === 'error')).toEqual([]);
      const fx = readJson(cls, 'fixture.json') as { num_parameters: number };
      const bn = cls === 'PerceiverForImageClassificationConvProcessing' ? 128 : 0;
      expect(a.totals.params).toBe(fx.num_parameters + bn);
      expect(doc.origin?.hfClass).toBe(cls);
      expect(expectedTfWeights(config).size).toBeGreaterThan(0);
    });
  }
});

describe('HF config errors', () => {
  it('an unknown class is refused with the supported list', () => {
    expect(() => hfConfigToGraph({ architectures: ['PerceiverForSequenceClassification'] })).toThrow(HfImportError);
    expect(() => hfConfigToGraph({ architectures: ['BertModel'] })).toThrow(/BertModel.*PerceiverForMaskedLM/);
  });
  it('no architectures, a bad field, an impossible width are named', () => {
    expect(() => hfConfigToGraph({})).toThrow(/architectures/);
    expect(() => hfConfigToGraph({ architectures: ['PerceiverForMaskedLM'], d_latents: 'big' })).toThrow(/d_latents/);
    expect(() => hfConfigToGraph({ architectures: ['PerceiverForMaskedLM'], d_latents: 30, num_self_attention_heads: 8 })).toThrow(/d_latents 30 .*num_self_attention_heads 8/);
    expect(() => hfConfigToGraph({ architectures: ['PerceiverForMaskedLM'], hidden_act: 'relu' })).toThrow(/hidden_act/);
  });
});
