/** "Look inside" works on imported HF models: attention maps of every block, padding unattended. */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../compile/compile.js';
import { applyNamedWeights } from '../export/tfjsModel.js';
import { captureAttention } from '../insight/attentionMaps.js';
import { haveFixtures, readBytes, readJson, readNpy } from '../node/hfFixtures.js';
import { hfConfigToGraph, hfToWeights } from './convert.js';
import { hfInputsToModel } from './io.js';
import { readSafetensors } from './safetensors.js';

describe.skipIf(!haveFixtures)('attention maps of an imported model', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  it('MaskedLM: encoder, every self-attention application and the decoder; PAD keys get no attention', () => {
    const cls = 'PerceiverForMaskedLM';
    const config = readJson(cls, 'config.json');
    const { doc } = hfConfigToGraph(config);
    const compiled = compile(doc);
    applyNamedWeights(compiled.model, hfToWeights(config, doc, readSafetensors(readBytes(cls, 'model.safetensors'))));
    const ins = hfInputsToModel(cls, config, doc, new Map([['inputs', readNpy(cls, 'inputs_case2_input_ids.npy')]]));
    const a = ins.get('text')!;
    const x = tf.tensor(Int32Array.from(a.data), a.shape, 'int32');
    const maps = captureAttention(compiled.model, x, doc, compiled.analysis);
    x.dispose();
    compiled.model.dispose();
    const c = readJson(cls, 'config.json') as {
      num_blocks: number;
      num_self_attends_per_block: number;
      num_latents: number;
      max_position_embeddings: number;
    };
    expect(maps.filter((m) => m.role === 'encoder')).toHaveLength(1);
    expect(maps.filter((m) => m.role === 'self')).toHaveLength(c.num_blocks * c.num_self_attends_per_block);
    expect(maps.filter((m) => m.role === 'decoder')).toHaveLength(1);
    const enc = maps.find((m) => m.role === 'encoder')!;
    expect([enc.queries, enc.keys]).toEqual([c.num_latents, c.max_position_embeddings]);
    // Case 2 has 11 real tokens; the padded 12…16 must get exactly zero attention, rows sum to 1.
    for (let h = 0; h < enc.heads; h++) {
      for (let q = 0; q < enc.queries; q++) {
        let sum = 0;
        for (let k = 0; k < enc.keys; k++) {
          const p = enc.probs[(h * enc.queries + q) * enc.keys + k]!;
          if (k >= 11) expect(p).toBe(0);
          sum += p;
        }
        expect(sum).toBeCloseTo(1, 5);
      }
    }
  });
});
