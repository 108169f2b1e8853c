"""Developer tool: random-weight Hugging Face Perceiver checkpoints for configurations other than
the fixtures' (other widths, head counts, qk/v null or set, cross_attention_shape_for_attention "q",
non-square images, batch 3 with padding, several blocks, multimodal point ranges), with inputs and
the outputs of HF's own modelling code, written in the layout of ../shared/hf-fixtures, so that

    PERCEIVER_HF_FIXTURES=<out> npx vitest run engine/hf/parity.test.ts

checks the importer against HF on them. Needs transformers (4.57.6 was used) importable next to
torch; the shims below let transformers 4.57 import under the Debian torch 1.13 (it only needs the
plain nn modules for these classes). Not run by the test suite.

Usage: python3 make_hf_reference.py OUT_DIR
"""
import sys, json, os, numpy as np, torch
import _torch_shims

_torch_shims.install()  # before transformers
import struct
def save_file(sd, path, metadata=None):
    header = {}
    off = 0
    blobs = []
    for k in sorted(sd):
        a = sd[k].numpy()
        dt = {'float32': 'F32', 'int64': 'I64'}[str(a.dtype)]
        b = a.tobytes()
        header[k] = {'dtype': dt, 'shape': list(a.shape), 'data_offsets': [off, off + len(b)]}
        off += len(b); blobs.append(b)
    if metadata: header['__metadata__'] = metadata
    h = json.dumps(header).encode()
    h += b' ' * ((8 - len(h) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(h))); f.write(h)
        for b in blobs: f.write(b)
from transformers.models.perceiver import modeling_perceiver as mp
from transformers import PerceiverConfig

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
open(out + '/README.md', 'w').write('generated\n')
rng = np.random.default_rng(123)
torch.manual_seed(5)

def labels(n):
    return {"id2label": {str(i): f"L{i}" for i in range(n)}, "label2id": {f"L{i}": i for i in range(n)}}

CONFIGS = {
 'PerceiverForMaskedLM': dict(d_model=40, d_latents=48, num_latents=5, qk_channels=None, v_channels=None, num_cross_attention_heads=4, num_self_attention_heads=6, num_blocks=2, num_self_attends_per_block=3, cross_attention_widening_factor=2, self_attention_widening_factor=3, max_position_embeddings=12, cross_attention_shape_for_attention='q'),
 'PerceiverForImageClassificationLearned': dict(image_size=6, d_latents=24, num_latents=4, qk_channels=12, v_channels=24, num_cross_attention_heads=2, num_self_attention_heads=3, num_blocks=1, num_self_attends_per_block=2, cross_attention_shape_for_attention='q', **labels(7)),
 'PerceiverForImageClassificationFourier': dict(image_size=10, d_latents=16, num_latents=6, qk_channels=None, v_channels=None, num_cross_attention_heads=1, num_self_attention_heads=2, num_blocks=3, num_self_attends_per_block=1, self_attention_widening_factor=2, **labels(5)),
 'PerceiverForImageClassificationConvProcessing': dict(image_size=40, d_latents=16, num_latents=3, qk_channels=8, v_channels=16, num_cross_attention_heads=2, num_self_attention_heads=4, num_blocks=1, num_self_attends_per_block=2, **labels(3)),
 'PerceiverForOpticalFlow': dict(train_size=[6, 10], d_latents=24, num_latents=5, qk_channels=None, v_channels=None, num_cross_attention_heads=1, num_self_attention_heads=3, num_blocks=2, num_self_attends_per_block=1),
 'PerceiverForMultimodalAutoencoding': dict(num_frames=3, image_size=8, output_shape=[1, 3, 8, 8], audio_samples_per_frame=12, samples_per_patch=6, d_latents=12, num_latents=4, qk_channels=6, v_channels=12, num_cross_attention_heads=2, num_self_attention_heads=3, num_blocks=1, num_self_attends_per_block=2, **labels(5)),
}
INPUT_HW = {'PerceiverForImageClassificationFourier': (10, 12), 'PerceiverForImageClassificationConvProcessing': (40, 36)}

def rerandomise(m):
    with torch.no_grad():
        for name, p in m.named_parameters():
            p.copy_(torch.randn_like(p) * (1.0 / max(1, p.shape[-1]) ** 0.5 if p.dim() >= 2 else 0.1) + (1.0 if name.endswith('layernorm1.weight') or name.endswith('layernorm2.weight') or name.endswith('layernorm.weight') or name.endswith('batchnorm.weight') else 0.0))
        for name, b in m.named_buffers():
            if name.endswith('running_mean'): b.copy_(torch.randn_like(b) * 0.1)
            if name.endswith('running_var'): b.copy_(torch.rand_like(b) + 0.5)

def save(d, name, a):
    np.save(d + '/' + name, a)
    return {"file": name, "shape": list(a.shape), "dtype": str(a.dtype)}

for cls, kw in CONFIGS.items():
    d = out + '/' + cls
    os.makedirs(d, exist_ok=True)
    cfg = PerceiverConfig(architectures=[cls], **kw)
    m = getattr(mp, cls)(cfg).eval()
    rerandomise(m)
    sd = {k: v.contiguous() for k, v in m.state_dict().items()}
    save_file(sd, d + '/model.safetensors', metadata={'format': 'pt'})
    cfg.save_pretrained(d)
    with open(d + '/state_dict_keys.txt', 'w') as f:
        f.write(f'# {cls}\n')
        for k, v in sd.items():
            f.write(f"{k}\t{json.dumps(list(v.shape))}\t{str(v.dtype).replace('torch.', '')}\n")
    cases = []
    with torch.no_grad():
        if cls == 'PerceiverForMaskedLM':
            B, S = 3, 9
            ids = rng.integers(6, 262, size=(B, S)).astype(np.int64); ids[:, 0] = 4
            mask = np.ones((B, S), np.int64)
            ids[1, 6:] = 0; mask[1, 6:] = 0; ids[2, 4] = 3
            y = m(inputs=torch.from_numpy(ids), attention_mask=torch.from_numpy(mask).float()).logits.numpy()
            cases.append({"name": "(default)", "inputs": {"input_ids": {**save(d, 'in_ids.npy', ids), "hf_forward_arg": "inputs"}, "attention_mask": {**save(d, 'in_mask.npy', mask), "hf_forward_arg": "attention_mask"}}, "expected": {"logits": save(d, 'out.npy', y)}})
        elif cls == 'PerceiverForOpticalFlow':
            h, w = kw['train_size']
            x = rng.standard_normal((2, 2, 27, h, w)).astype(np.float32)
            y = m(inputs=torch.from_numpy(x)).logits.numpy()
            cases.append({"name": "(default)", "inputs": {"inputs": {**save(d, 'in.npy', x), "hf_forward_arg": "inputs"}}, "expected": {"logits": save(d, 'out.npy', y)}})
        elif cls == 'PerceiverForMultimodalAutoencoding':
            T, H, W = 3, 8, 8
            img = rng.standard_normal((2, T, 3, H, W)).astype(np.float32)
            aud = rng.standard_normal((2, T * 12, 1)).astype(np.float32)
            lab = np.zeros((2, 5), np.float32); lab[0, 1] = 1
            for cname, ip, ap in [("(default)", np.arange(T * H * W), np.arange(6)), ("_case2", np.arange(16, 80), np.arange(2, 5))]:
                y = m(inputs={"image": torch.from_numpy(img), "audio": torch.from_numpy(aud), "label": torch.from_numpy(lab)}, subsampled_output_points={"image": torch.from_numpy(ip), "audio": torch.from_numpy(ap), "label": None}).logits
                sfx = cname.replace('(default)', '')
                cases.append({"name": cname, "inputs": {"image": {**save(d, 'in_image.npy', img), "hf_forward_arg": "inputs['image']"}, "audio": {**save(d, 'in_audio.npy', aud), "hf_forward_arg": "inputs['audio']"}, "label": {**save(d, 'in_label.npy', lab), "hf_forward_arg": "inputs['label']"}},
                    "subsampled_output_points": {"image": save(d, f'pts{sfx}_image.npy', ip.astype(np.int64)), "audio": save(d, f'pts{sfx}_audio.npy', ap.astype(np.int64)), "label": None},
                    "expected": {f"logits[{k}]": save(d, f'out{sfx}_{k}.npy', v.numpy()) for k, v in y.items()}})
        else:
            hw = INPUT_HW.get(cls, (kw.get('image_size'), kw.get('image_size')))
            x = rng.standard_normal((2, 3, hw[0], hw[1])).astype(np.float32)
            y = m(inputs=torch.from_numpy(x)).logits.numpy()
            cases.append({"name": "(default)", "inputs": {"inputs": {**save(d, 'in.npy', x), "hf_forward_arg": "inputs"}}, "expected": {"logits": save(d, 'out.npy', y)}})
    json.dump({"class": cls, "num_parameters": sum(p.numel() for p in m.parameters()), "cases": cases}, open(d + '/fixture.json', 'w'), indent=1)
    print(cls, 'ok', sum(p.numel() for p in m.parameters()))
