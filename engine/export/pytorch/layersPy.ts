/**
 * perceiver_layers.py: the PyTorch twins of engine/layers/perceiverLayers.ts, written into every
 * PyTorch export. Same maths (pre-LN, head-major split, 1/√(qk/h), LN eps 1e-5, tanh or erf GELU),
 * same defaults and Haiku-style inits, and parameter names chosen so a tfjs weight
 * `<layer>/<name>_kernel` is `<module>.<name>.weight` here (transposed: PyTorch Linear is [out, in]).
 * Kept as a string so the exporter stays pure (it also runs in the app's renderer).
 */
export const PERCEIVER_LAYERS_PY = String.raw`"""Perceiver building blocks in PyTorch, exported by Perceiver Studio.

They mirror the app's TensorFlow.js layers weight for weight, so a model trained in the app
gives the same outputs here (tested to 1e-4), and a model trained here loads back into the app.

Conventions (Perceiver spec, DeepMind reference): inputs are channels-last; every attention and
MLP sub-block is pre-LayerNorm (eps 1e-5) with a residual; heads split channels head-major; logits
are scaled by 1/sqrt(qk/heads); Linear layers start from a truncated normal with
std = 1/(0.87962566*sqrt(fan_in)) (Haiku's VarianceScaling), arrays from N_trunc(0, 0.02).
"""
import math

import torch
import torch.nn.functional as F
from torch import nn

LN_EPS = 1e-5


def truncated_normal_(tensor, std):
    """Normal(0, std) re-drawn beyond 2 std (Haiku / tfjs truncatedNormal)."""
    if tensor.is_meta:
        return tensor
    with torch.no_grad():
        return nn.init.trunc_normal_(tensor, 0.0, std, -2.0 * std, 2.0 * std)


def make_linear(in_features, out_features, init="fan_in", device=None):
    """Linear with zero bias and the app's initialiser: 'fan_in' (Haiku VarianceScaling) or
    'head' (truncated normal 1/sqrt(fan_in), DM's plain hk.Linear) or 'zeros'."""
    layer = nn.Linear(in_features, out_features, device=device)
    if init == "fan_in":
        truncated_normal_(layer.weight, 1.0 / (0.87962566 * math.sqrt(in_features)))
    elif init == "head":
        truncated_normal_(layer.weight, 1.0 / math.sqrt(in_features))
    elif init == "zeros":
        nn.init.zeros_(layer.weight)
    else:
        raise ValueError(f"unknown init {init!r}")
    nn.init.zeros_(layer.bias)
    return layer


class TrainableArray(nn.Module):
    """A learned [rows, channels] array (latents, output queries) broadcast over the batch."""

    def __init__(self, rows, channels, init_scale=0.02, device=None):
        super().__init__()
        self.array = nn.Parameter(torch.empty(rows, channels, device=device))
        truncated_normal_(self.array, init_scale)

    def forward(self, batch_size):
        return self.array.unsqueeze(0).expand(batch_size, -1, -1)


class SpaceToDepth(nn.Module):
    """[B,H,W,C] -> [B,H/s,W/s,s*s*C] in DM's (dh, dw, c) channel order; video
    [B,T,H,W,C] -> [B,T/t,H/s,W/s,s*s*t*C]; then an optional Linear to linear_channels."""

    def __init__(self, spatial, temporal=1, in_channels=1, linear_channels=0, device=None):
        super().__init__()
        self.spatial = spatial
        self.temporal = temporal
        raw = spatial * spatial * temporal * in_channels
        self.linear = make_linear(raw, linear_channels, device=device) if linear_channels > 0 else None

    def forward(self, x):
        s = self.spatial
        if x.dim() == 4:
            b, h, w, c = x.shape
            y = x.reshape(b, h // s, s, w // s, s, c).permute(0, 1, 3, 2, 4, 5)
            y = y.reshape(b, h // s, w // s, s * s * c)
        else:
            b, frames, h, w, c = x.shape
            t = self.temporal
            y = x.reshape(b * (frames // t), t, h, w, c).permute(0, 2, 3, 1, 4)
            y = y.reshape(b * (frames // t), h // s, s, w // s, s * t * c).permute(0, 1, 3, 2, 4)
            y = y.reshape(b, frames // t, h // s, w // s, s * s * t * c)
        if self.linear is not None:
            y = self.linear(y)
        return y


def fourier_features(index_dims, num_bands, max_resolution, concat_pos=True, sine_only=False):
    """Fourier position features [prod(index_dims), channels] (spec 1.2): positions
    linspace(-1, 1, n) per dim, frequencies linspace(1, max_res/2, K), channels
    [x_1..x_d, sin(all dims), cos(all dims)]. Computed in float64 like the app, then float32."""
    d = len(index_dims)
    axes = []
    for n in index_dims:
        i = torch.arange(n, dtype=torch.float64)
        axes.append(torch.full((n,), -1.0, dtype=torch.float64) if n == 1 else -1.0 + (2.0 * i) / (n - 1))
    grids = torch.meshgrid(*axes, indexing="ij")
    pos = torch.stack([g.reshape(-1) for g in grids], dim=-1)  # [M, d], row-major like the tokens
    k = torch.arange(num_bands, dtype=torch.float64)
    parts = [pos] if concat_pos else []
    angles = []
    for j in range(d):
        hi = max_resolution[j] / 2.0
        freqs = torch.ones(num_bands, dtype=torch.float64) if num_bands == 1 else 1.0 + ((hi - 1.0) * k) / (num_bands - 1)
        angles.append((math.pi * freqs)[None, :] * pos[:, j : j + 1])
    parts += [torch.sin(a) for a in angles]
    if not sine_only:
        parts += [torch.cos(a) for a in angles]
    return torch.cat(parts, dim=-1).to(torch.float32)


class FourierPosition(nn.Module):
    """Flattens a channels-last grid to tokens [B, M, C] and concatenates (or adds) Fourier
    position features. No parameters; the features are a non-persistent buffer."""

    def __init__(self, index_dims, num_bands, max_resolution, concat_pos=True, sine_only=False, combine="concat", device=None):
        super().__init__()
        self.combine = combine
        features = fourier_features(index_dims, num_bands, max_resolution, concat_pos, sine_only)
        self.register_buffer("features", features.to(device) if device is not None else features, persistent=False)

    def forward(self, x):
        b, c = x.shape[0], x.shape[-1]
        tokens = x.reshape(b, -1, c)
        pe = self.features.to(tokens.dtype).unsqueeze(0).expand(b, -1, -1)
        return tokens + pe if self.combine == "add" else torch.cat([tokens, pe], dim=-1)


def attend(q, k, v, heads):
    """softmax(Q K^T / sqrt(qk/h)) V with heads split head-major. q [B,Tq,qk], k [B,Tk,qk],
    v [B,Tk,vc] -> [B,Tq,vc]."""
    b, tq, qk = q.shape
    tk, vc = k.shape[1], v.shape[2]
    dh, dv = qk // heads, vc // heads
    qh = q.reshape(b, tq, heads, dh).transpose(1, 2)
    kh = k.reshape(b, tk, heads, dh).transpose(1, 2)
    vh = v.reshape(b, tk, heads, dv).transpose(1, 2)
    if hasattr(F, "scaled_dot_product_attention") and q.is_cuda:
        # PyTorch 2: fused (flash / memory-efficient) kernels on GPU; same scale 1/sqrt(dh).
        out = F.scaled_dot_product_attention(qh, kh, vh)
    else:
        logits = torch.matmul(qh, kh.transpose(-1, -2)) * (1.0 / math.sqrt(dh))
        out = torch.matmul(torch.softmax(logits, dim=-1), vh)
    return out.transpose(1, 2).reshape(b, tq, vc)


def gelu(x, form):
    return F.gelu(x, approximate="tanh") if form == "tanh" else F.gelu(x)


class AttentionBlock(nn.Module):
    """One pre-LN attention block (spec 1.5, 1.6, 1.9):
        a = MHA(LN_q(q), LN_kv(kv)); x = (q +) dropout(a); x = x + dropout(MLP(LN_mlp(x))) [-> proj].
    Self-attention uses one LayerNorm (ln_q) for queries, keys and values."""

    def __init__(self, dq, dkv, qk, v, heads, widening=1, dropout=0.0, gelu="tanh", use_query_residual=True,
                 self_attention=False, output_channels=0, chunk_size=0, device=None):
        super().__init__()
        if qk % heads or v % heads:
            raise ValueError(f"qk ({qk}) and v ({v}) channels must be divisible by heads ({heads})")
        self.heads = heads
        self.dropout = dropout
        self.gelu_form = gelu
        self.use_query_residual = use_query_residual
        self.self_attention = self_attention
        self.chunk_size = chunk_size
        self.ln_q = nn.LayerNorm(dq, eps=LN_EPS, device=device)
        self.ln_kv = None if self_attention else nn.LayerNorm(dkv, eps=LN_EPS, device=device)
        self.q = make_linear(dq, qk, device=device)
        self.k = make_linear(dkv, qk, device=device)
        self.v = make_linear(dkv, v, device=device)
        self.o = make_linear(v, dq, device=device)
        self.ln_mlp = nn.LayerNorm(dq, eps=LN_EPS, device=device)
        self.mlp1 = make_linear(dq, widening * dq, device=device)
        self.mlp2 = make_linear(widening * dq, dq, device=device)
        self.proj = make_linear(dq, output_channels, init="head", device=device) if output_channels > 0 else None

    def _block(self, q, kv):
        qn = self.ln_q(q)
        kvn = qn if self.self_attention else self.ln_kv(kv)
        a = self.o(attend(self.q(qn), self.k(kvn), self.v(kvn), self.heads))
        a = F.dropout(a, self.dropout, self.training)
        x = q + a if self.use_query_residual else a
        m = self.mlp2(gelu(self.mlp1(self.ln_mlp(x)), self.gelu_form))
        x = x + F.dropout(m, self.dropout, self.training)
        return self.proj(x) if self.proj is not None else x

    def forward(self, q, kv=None):
        kv = q if self.self_attention else kv
        n = q.shape[1]
        if 0 < self.chunk_size < n:
            return torch.cat([self._block(q[:, s : s + self.chunk_size], kv) for s in range(0, n, self.chunk_size)], dim=1)
        return self._block(q, kv)


class LatentStack(nn.Module):
    """layers_per_block self-attention layers applied blocks times. Shared (DM): the same
    layers_per_block modules run on every repeat; otherwise each application has its own."""

    def __init__(self, layers_per_block, blocks, share_weights=True, device=None, **block_args):
        super().__init__()
        self.layers_per_block = layers_per_block
        self.blocks = blocks
        self.share_weights = share_weights
        count = layers_per_block if share_weights else layers_per_block * blocks
        self.layers = nn.ModuleList(AttentionBlock(self_attention=True, device=device, **block_args) for _ in range(count))

    def forward(self, x):
        for r in range(self.blocks):
            for l in range(self.layers_per_block):
                x = self.layers[l if self.share_weights else r * self.layers_per_block + l](x)
        return x


class ProjectionHead(nn.Module):
    """Linear head: optional mean over tokens (original Perceiver) or row pick (classification
    query take_row=0), optional LayerNorm, then Linear(in -> out)."""

    def __init__(self, in_channels, out_channels, take_row=0, mean_pool=False, layer_norm=False, init="head", device=None):
        super().__init__()
        self.take_row = take_row
        self.mean_pool = mean_pool
        self.ln = nn.LayerNorm(in_channels, eps=LN_EPS, device=device) if layer_norm else None
        self.linear = make_linear(in_channels, out_channels, init=init, device=device)

    def forward(self, x):
        if self.mean_pool:
            x = x.mean(dim=1)
        elif self.take_row >= 0:
            x = x[:, self.take_row]
        if self.ln is not None:
            x = self.ln(x)
        return self.linear(x)


# ------------------------------------------------------------------------------------------
# Weight files. safetensors is the interchange format with the app (Node reads and writes it
# without PyTorch); this small reader/writer avoids a dependency on the safetensors package.

_ST_DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16, "F64": torch.float64, "I64": torch.int64, "I32": torch.int32}


def save_safetensors(tensors, path, metadata=None):
    import json
    import struct

    header, chunks, offset = {}, [], 0
    for name, t in tensors.items():
        t = t.detach().to("cpu", torch.float32).contiguous()
        data = t.numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path + ".tmp", "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for c in chunks:
            f.write(c)
    import os

    os.replace(path + ".tmp", path)


def load_safetensors(path):
    import json
    import struct

    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n].decode("utf-8"))
    body = memoryview(raw)[8 + n :]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        dtype = _ST_DTYPES.get(info["dtype"])
        if dtype is None:
            raise ValueError(f"{path}: tensor {name} has unsupported dtype {info['dtype']}")
        t = torch.frombuffer(bytearray(body[start:end]), dtype=dtype) if end > start else torch.empty(0, dtype=dtype)
        out[name] = t.reshape(info["shape"])
    return out


def load_weights(model, path, strict=True):
    """Load weights.pt (a state dict, or a train.py checkpoint) or a .safetensors file."""
    if str(path).endswith(".safetensors"):
        state = load_safetensors(str(path))
    else:
        state = torch.load(str(path), map_location="cpu")
        if isinstance(state, dict) and "model" in state and isinstance(state["model"], dict):
            state = state["model"]
    missing, unexpected = model.load_state_dict(state, strict=strict)
    return missing, unexpected
`;
