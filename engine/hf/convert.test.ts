import { describe, expect, it } from 'vitest';
import { analyse } from '../graph/analyse.js';
import { FIXTURE_CLASSES, REAL_CONFIGS, haveFixtures, readBytes, readJson, readKeyList } from '../node/hfFixtures.js';
import {
  expectedTfWeights,
  hfBindings,
  hfConfigJson,
  hfConfigToGraph,
  hfConfigWithLabels,
  HfImportError,
  hfToWeights,
  weightsToHf,
} from './convert.js';
import { readSafetensors, writeSafetensors } from './safetensors.js';

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
      const got = hfBindings(config).map(
        (b) => `${b.key}\t${JSON.stringify(b.shape)}\t${b.dtype === 'I64' ? 'int64' : 'float32'}`,
      );
      const want = readKeyList(cls, 'state_dict_keys.txt').map(
        (e) => `${e.key}\t${JSON.stringify(e.shape)}\t${e.dtype}`,
      );
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

describe.skipIf(!haveFixtures)('HF config for fine-tuning', () => {
  it('hfConfigWithLabels gives a new head size and a loadable config.json', () => {
    const config = hfConfigWithLabels(readJson('PerceiverForImageClassificationFourier', 'config.json'), [
      'cat',
      'dog',
      'fox',
      'owl',
    ]);
    const { doc } = hfConfigToGraph(config);
    expect(doc.nodes.find((n) => n.id === 'head')!.params.numClasses).toBe(4);
    const json = hfConfigJson(config) as { id2label: Record<string, string>; architectures: string[] };
    expect(json.id2label).toEqual({ 0: 'cat', 1: 'dog', 2: 'fox', 3: 'owl' });
    expect(json.architectures).toEqual(['PerceiverForImageClassificationFourier']);
    const keys = hfBindings(config).filter((b) => b.key.includes('final_layer'));
    expect(keys.map((k) => k.shape)).toEqual([[4, 32], [4]]);
  });
});

describe('HF config errors', () => {
  it('an unknown class is refused with the supported list', () => {
    expect(() => hfConfigToGraph({ architectures: ['PerceiverForSequenceClassification'] })).toThrow(HfImportError);
    expect(() => hfConfigToGraph({ architectures: ['BertModel'] })).toThrow(/BertModel.*PerceiverForMaskedLM/);
  });
  it('no architectures, a bad field, an impossible width are named', () => {
    expect(() => hfConfigToGraph({})).toThrow(/architectures/);
    expect(() => hfConfigToGraph({ architectures: ['PerceiverForMaskedLM'], d_latents: 'big' })).toThrow(/d_latents/);
    expect(() =>
      hfConfigToGraph({ architectures: ['PerceiverForMaskedLM'], d_latents: 30, num_self_attention_heads: 8 }),
    ).toThrow(/d_latents 30 .*num_self_attention_heads 8/);
    expect(() => hfConfigToGraph({ architectures: ['PerceiverForMaskedLM'], hidden_act: 'relu' })).toThrow(
      /hidden_act/,
    );
    // Cross-attention qk 8 cannot split over 3 heads: named through the encoder node.
    expect(() =>
      hfConfigToGraph({
        architectures: ['PerceiverForMaskedLM'],
        d_latents: 24,
        num_self_attention_heads: 4,
        num_cross_attention_heads: 3,
        qk_channels: 8,
        v_channels: 24,
      }),
    ).toThrow(/valid PerceiverForMaskedLM: .*"encoder": qk_channels 8 is not divisible by 3 heads/);
    expect(() =>
      hfConfigToGraph({ architectures: ['PerceiverForImageClassificationConvProcessing'], image_size: 3 }),
    ).toThrow(/"conv".*too small/);
  });
});

describe.skipIf(!haveFixtures)('HF weights ↔ graph weights', () => {
  for (const cls of FIXTURE_CLASSES) {
    it(`${cls}: import → HF export gives the fixture's exact keys, order, shapes, dtypes and values; re-import is identical`, () => {
      const config = readJson(cls, 'config.json');
      const { doc } = hfConfigToGraph(config);
      const sd = readSafetensors(readBytes(cls, 'model.safetensors'));
      const w = hfToWeights(config, doc, sd);
      expect(new Map([...w].map(([k, v]) => [k, v.shape]))).toEqual(expectedTfWeights(config));
      const back = weightsToHf(config, doc, w);
      const keys = readKeyList(cls, 'state_dict_keys.txt');
      expect([...back.keys()]).toEqual(keys.map((k) => k.key));
      for (const k of keys) {
        const t = back.get(k.key)!;
        expect(t.shape).toEqual(k.shape);
        expect(t.dtype).toBe(k.dtype === 'int64' ? 'I64' : 'F32');
        expect(Buffer.from(t.data.buffer).equals(Buffer.from(sd.get(k.key)!.data.buffer))).toBe(true);
      }
      // Through the file format and back: the same tfjs weights.
      const again = hfToWeights(config, doc, readSafetensors(writeSafetensors(back, { format: 'pt' })));
      for (const [k, v] of w)
        expect(Buffer.from(again.get(k)!.data.buffer).equals(Buffer.from(v.data.buffer))).toBe(true);
      // config.json written back names the class and parses to the same graph.
      expect(hfConfigToGraph(hfConfigJson(config)).doc.nodes).toEqual(doc.nodes);
    });
  }

  it('a missing key, an unexpected key, a wrong shape or dtype are named, and nothing is returned', () => {
    const cls = 'PerceiverForImageClassificationConvProcessing';
    const config = readJson(cls, 'config.json');
    const { doc } = hfConfigToGraph(config);
    const sd = () => readSafetensors(readBytes(cls, 'model.safetensors'));
    const missing = sd();
    missing.delete('perceiver.embeddings.latents');
    expect(() => hfToWeights(config, doc, missing)).toThrow(
      /no tensor "perceiver\.embeddings\.latents" \(expected shape \[8, 32\]/,
    );
    const extra = sd();
    extra.set('perceiver.extra.weight', { dtype: 'F32', shape: [1], data: new Float32Array(1) });
    expect(() => hfToWeights(config, doc, extra)).toThrow(/perceiver\.extra\.weight/);
    const wrong = sd();
    wrong.set('perceiver.embeddings.latents', { dtype: 'F32', shape: [8, 31], data: new Float32Array(8 * 31) });
    expect(() => hfToWeights(config, doc, wrong)).toThrow(
      /"perceiver\.embeddings\.latents" has shape \[8, 31\] but config\.json implies \[8, 32\]/,
    );
    const dtype = sd();
    dtype.set('perceiver.input_preprocessor.convnet.batchnorm.num_batches_tracked', {
      dtype: 'F32',
      shape: [],
      data: new Float32Array(1),
    });
    expect(() => hfToWeights(config, doc, dtype)).toThrow(/num_batches_tracked.*I64/);
    // Another config's checkpoint: shapes do not fit.
    expect(() =>
      hfToWeights(
        readJson('PerceiverForImageClassificationLearned', 'config.json'),
        hfConfigToGraph(readJson('PerceiverForImageClassificationLearned', 'config.json')).doc,
        sd(),
      ),
    ).toThrow(HfImportError);
  });
});
