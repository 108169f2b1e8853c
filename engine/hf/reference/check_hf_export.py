"""Developer tool: check HF-style exports (config.json + model.safetensors per class, as
engine/hf weightsToHf + hfConfigJson write them) with Hugging Face's own code: PerceiverConfig reads
the config, the class's load_state_dict(strict=True) takes the tensors with the class's shapes and
dtypes, and the fixture inputs give the fixture logits.

Usage: python3 check_hf_export.py EXPORT_ROOT FIXTURES_ROOT   (EXPORT_ROOT/<class>/...)
"""
import json
import sys

import numpy as np
import torch

import _torch_shims

_torch_shims.install()  # before transformers
from transformers.models.perceiver import modeling_perceiver as mp
export_root = sys.argv[1].rstrip('/') + '/'
fx_root = sys.argv[2].rstrip('/') + '/'
for cls in ['PerceiverForMaskedLM','PerceiverForImageClassificationLearned','PerceiverForImageClassificationFourier','PerceiverForImageClassificationConvProcessing','PerceiverForOpticalFlow','PerceiverForMultimodalAutoencoding']:
    d = export_root + cls
    try:
        from transformers import PerceiverConfig
        import struct
        cfg = PerceiverConfig.from_pretrained(d)
        assert cfg.architectures == [cls], cfg.architectures
        m = getattr(mp, cls)(cfg).eval()
        raw = open(d + '/model.safetensors', 'rb').read()
        n = struct.unpack('<Q', raw[:8])[0]
        hdr = json.loads(raw[8:8 + n])
        sd = {}
        for k, v in hdr.items():
            if k == '__metadata__': continue
            b, e = v['data_offsets']
            dt = {'F32': np.float32, 'I64': np.int64}[v['dtype']]
            sd[k] = torch.from_numpy(np.frombuffer(raw[8 + n + b: 8 + n + e], dtype=dt).reshape(v['shape']).copy())
        res = m.load_state_dict(sd, strict=True)
        ref = m.state_dict()
        assert all(ref[k].dtype == sd[k].dtype and tuple(ref[k].shape) == tuple(sd[k].shape) for k in sd)
    except Exception as e:
        print(cls, 'LOAD FAILED', repr(e)[:300]); continue
    fx = json.load(open(fx_root + cls + '/fixture.json'))
    c = fx['cases'][0]
    ins = {k: torch.from_numpy(np.load(fx_root + cls + '/' + v['file'])) for k, v in c['inputs'].items()}
    with torch.no_grad():
        if cls == 'PerceiverForMaskedLM':
            y = {'logits': m(inputs=ins['input_ids'], attention_mask=ins['attention_mask'].float()).logits}
        elif cls == 'PerceiverForMultimodalAutoencoding':
            pts = {k: torch.from_numpy(np.load(fx_root + cls + '/' + v['file'])) if v else None for k, v in c['subsampled_output_points'].items()}
            y = {f'logits[{k}]': v for k, v in m(inputs=ins, subsampled_output_points=pts).logits.items()}
        else:
            y = {'logits': m(inputs=ins['inputs']).logits}
    worst = max(float((y[k] - torch.from_numpy(np.load(fx_root + cls + '/' + c['expected'][k]['file']))).abs().max()) for k in y)
    print(cls, 'config + strict load_state_dict ok (dtypes, shapes), max |diff| vs fixture', worst)
