"""Perceiver building blocks in PyTorch, exported by Perceiver Studio.

They mirror the app's TensorFlow.js layers weight for weight, so a model trained in the app
gives the same outputs here (tested to 1e-4), and a model trained here loads back into the app.

Conventions (Perceiver spec, DeepMind reference): inputs are channels-last; every attention and
MLP sub-block is pre-LayerNorm (eps 1e-5) with a residual; heads split channels head-major; logits
are scaled by 1/sqrt(qk/heads); Linear layers start from a truncated normal with
std = 1/(0.87962566*sqrt(fan_in)) (Haiku's VarianceScaling), arrays from N_trunc(0, 0.02).
"""
import math
from typing import List, Optional, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

LN_EPS = 1e-5
#: PyTorch 2's fused attention (flash / memory-efficient kernels on GPU); eager mode only.
HAS_SDPA = hasattr(F, "scaled_dot_product_attention")


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

    def forward(self, batch_size: int) -> Tensor:
        return self.array.unsqueeze(0).expand(batch_size, -1, -1)


class SpaceToDepth(nn.Module):
    """[B,H,W,C] -> [B,H/s,W/s,s*s*C] in DM's (dh, dw, c) channel order; video
    [B,T,H,W,C] -> [B,T/t,H/s,W/s,s*s*t*C]; then an optional Linear to linear_channels."""

    def __init__(self, spatial, temporal=1, in_channels=1, linear_channels=0, squeeze_time=False, device=None):
        super().__init__()
        self.spatial = spatial
        self.temporal = temporal
        self.squeeze_time = squeeze_time  # video folded into one frame: drop the time axis (DM flow)
        raw = spatial * spatial * temporal * in_channels
        self.linear = make_linear(raw, linear_channels, device=device) if linear_channels > 0 else None

    def forward(self, x: Tensor) -> Tensor:
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
        if self.squeeze_time and y.dim() == 5 and y.shape[1] == 1:
            # Indexing, not squeeze(1): ONNX writes squeeze of a traced axis as an If whose
            # output shape is unknown, and the batch size after it would be baked in.
            y = y[:, 0]
        return y


def fourier_features(index_dims, num_bands, max_resolution, concat_pos=True, sine_only=False, start=None, count=None, points=False):
    """Fourier position features [prod(index_dims), channels] (spec 1.2): positions
    linspace(-1, 1, n) per dim, frequencies linspace(1, max_res/2, K), channels
    [x_1..x_d, sin(all dims), cos(all dims)]. With start/count only those flat indices, at DM's
    subsampled positions -1 + 2*i/n (spec 1.2 rule 7); points=True uses those positions even for
    the whole grid (HF subsampled_output_points). `start` may also be a sequence of flat indices
    (any HF point set; subsampled positions). Float64 like the app, then float32."""
    d = len(index_dims)
    total = 1
    for n in index_dims:
        total *= n
    if isinstance(start, (list, tuple)):
        flat = torch.tensor(list(start), dtype=torch.int64)
        sub = True
    else:
        sub = points or (start is not None and not (start == 0 and count == total))
        flat = torch.arange(start or 0, (start or 0) + (count if count is not None else total), dtype=torch.int64)
    cols = [None] * d
    rem = flat.clone()
    for j in range(d - 1, -1, -1):
        n = index_dims[j]
        i = (rem % n).to(torch.float64)
        rem = torch.div(rem, n, rounding_mode="floor")
        if sub:
            cols[j] = -1.0 + (2.0 * i) / n
        else:
            cols[j] = torch.full_like(i, -1.0) if n == 1 else -1.0 + (2.0 * i) / (n - 1)
    pos = torch.stack(cols, dim=-1)  # [M, d], row-major like the tokens
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

    def forward(self, x: Tensor) -> Tensor:
        b, c = x.shape[0], x.shape[-1]
        tokens = x.reshape(b, -1, c)
        pe = self.features.to(tokens.dtype).unsqueeze(0).expand(b, -1, -1)
        return tokens + pe if self.combine == "add" else torch.cat([tokens, pe], dim=-1)


@torch.jit.ignore
def _fused_attention(qh: Tensor, kh: Tensor, vh: Tensor) -> Tensor:
    return F.scaled_dot_product_attention(qh, kh, vh)


def attend(q: Tensor, k: Tensor, v: Tensor, heads: int, mask: Optional[Tensor] = None) -> Tensor:
    """softmax(Q K^T / sqrt(qk/h)) V with heads split head-major. q [B,Tq,qk], k [B,Tk,qk],
    v [B,Tk,vc] -> [B,Tq,vc]. mask [B,Tq,Tk] (1 keep, 0 drop): dropped logits get -1e30 and
    rows with nothing kept output zeros (DM), never NaN."""
    b, tq, qk = q.shape
    tk, vc = k.shape[1], v.shape[2]
    dh, dv = qk // heads, vc // heads
    qh = q.reshape(b, tq, heads, dh).transpose(1, 2)
    kh = k.reshape(b, tk, heads, dh).transpose(1, 2)
    vh = v.reshape(b, tk, heads, dv).transpose(1, 2)
    fused = False
    if not torch.jit.is_scripting():
        # PyTorch 2 on GPU: fused (flash / memory-efficient) kernels, the same scale 1/sqrt(dh).
        fused = HAS_SDPA and mask is None and q.is_cuda
    if fused:
        out = _fused_attention(qh, kh, vh)
    else:
        logits = torch.matmul(qh, kh.transpose(-1, -2)) * (1.0 / math.sqrt(dh))
        if mask is not None:
            keep = mask[:, None].to(torch.bool)
            fill = -65504.0 if logits.dtype == torch.float16 else -1e30  # beyond any logit; finite in the dtype
            probs = torch.softmax(logits.masked_fill(~keep, fill), dim=-1) * keep.any(-1, keepdim=True)
        else:
            probs = torch.softmax(logits, dim=-1)
        out = torch.matmul(probs, vh)
    return out.transpose(1, 2).reshape(b, tq, vc)


def rfft_abs(x: Tensor) -> Tensor:
    """|rfft(x)| over the last axis, as sums with the DFT's cos/sin matrices (as the app's
    AudioPatchSpectrum layer computes it); unlike torch.fft.rfft this exports to ONNX (opset 17).
    The phases t*k are reduced mod n in integers, so the float32 angles stay exact."""
    n = x.shape[-1]
    t = torch.arange(n, device=x.device)
    k = torch.arange(n // 2 + 1, device=x.device)
    angle = torch.remainder(torch.outer(t, k), n).to(x.dtype) * (2.0 * math.pi / n)
    re = torch.matmul(x, torch.cos(angle))
    im = torch.matmul(x, torch.sin(angle))
    return torch.sqrt(re * re + im * im)


def gelu(x: Tensor, form: str) -> Tensor:
    return F.gelu(x, approximate="tanh") if form == "tanh" else F.gelu(x)


class AttentionBlock(nn.Module):
    """One pre-LN attention block (spec 1.5, 1.6, 1.9):
        a = MHA(LN_q(q), LN_kv(kv)); x = (q +) dropout(a); x = x + dropout(MLP(LN_mlp(x))) [-> proj].
    Self-attention uses one LayerNorm (ln_q) for queries, keys and values. mask_mode 'kv' takes a
    token mask [B, Tk] (padding), 'query' a query-row mask [B, Tq] (DM decoder)."""

    def __init__(self, dq, dkv, qk, v, heads, widening=1, dropout=0.0, gelu="tanh", use_query_residual=True,
                 self_attention=False, output_channels=0, chunk_size=0, mask_mode="none", output_init="head", device=None):
        super().__init__()
        if qk % heads or v % heads:
            raise ValueError(f"qk ({qk}) and v ({v}) channels must be divisible by heads ({heads})")
        self.heads = heads
        self.dropout = float(dropout)
        self.gelu_form = gelu
        self.use_query_residual = use_query_residual
        self.self_attention = self_attention
        self.chunk_size = chunk_size
        self.mask_mode = mask_mode
        self.ln_q = nn.LayerNorm(dq, eps=LN_EPS, device=device)
        self.ln_kv = None if self_attention else nn.LayerNorm(dkv, eps=LN_EPS, device=device)
        self.q = make_linear(dq, qk, device=device)
        self.k = make_linear(dkv, qk, device=device)
        self.v = make_linear(dkv, v, device=device)
        self.o = make_linear(v, dq, device=device)
        self.ln_mlp = nn.LayerNorm(dq, eps=LN_EPS, device=device)
        self.mlp1 = make_linear(dq, widening * dq, device=device)
        self.mlp2 = make_linear(widening * dq, dq, device=device)
        self.proj = make_linear(dq, output_channels, init=output_init, device=device) if output_channels > 0 else None

    def _full_mask(self, mask: Optional[Tensor], tq: int, tk: int) -> Optional[Tensor]:
        if mask is None or self.mask_mode == "none":
            return None
        b = mask.shape[0]
        if self.mask_mode == "kv":
            return mask.reshape(b, 1, tk).expand(b, tq, tk)
        return mask.reshape(b, tq, 1).expand(b, tq, tk)

    def _block(self, q: Tensor, kv: Tensor, mask: Optional[Tensor]) -> Tensor:
        qn = self.ln_q(q)
        kvn = qn
        if self.ln_kv is not None:
            kvn = self.ln_kv(kv)
        full = self._full_mask(mask, q.shape[1], kv.shape[1])
        a = self.o(attend(self.q(qn), self.k(kvn), self.v(kvn), self.heads, full))
        a = F.dropout(a, self.dropout, self.training)
        x = q + a if self.use_query_residual else a
        m = self.mlp2(gelu(self.mlp1(self.ln_mlp(x)), self.gelu_form))
        x = x + F.dropout(m, self.dropout, self.training)
        return self.proj(x) if self.proj is not None else x

    def forward(self, q: Tensor, kv: Optional[Tensor] = None, mask: Optional[Tensor] = None) -> Tensor:
        kvt = q if kv is None or self.self_attention else kv
        n = q.shape[1]
        if 0 < self.chunk_size < n:
            parts: List[Tensor] = []
            for s in range(0, n, self.chunk_size):
                m = mask
                if mask is not None and self.mask_mode == "query":
                    m = mask[:, s : s + self.chunk_size]
                parts.append(self._block(q[:, s : s + self.chunk_size], kvt, m))
            return torch.cat(parts, dim=1)
        return self._block(q, kvt, mask)


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

    def forward(self, x: Tensor) -> Tensor:
        # Unshared: layer r*layers_per_block + l is the l-th of repeat r, so the list in order.
        repeats = self.blocks if self.share_weights else 1
        for _ in range(repeats):
            for layer in self.layers:
                x = layer(x)
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

    def forward(self, x: Tensor) -> Tensor:
        if self.mean_pool:
            x = x.mean(dim=1)
        elif self.take_row >= 0:
            x = x[:, self.take_row]
        if self.ln is not None:
            x = self.ln(x)
        return self.linear(x)


class RepeatedCrossAttend(nn.Module):
    """The original Perceiver's encoder: depth x (cross-attend to the inputs, then
    self_per_cross latent self-attention layers). cross_index / self_index name the weight set
    each repeat uses, so sharing schemes (none, all shared, all but the first) are explicit."""

    def __init__(self, cross_index, self_index, self_per_cross, cross_args, self_args, device=None):
        super().__init__()
        self.cross_index = list(cross_index)
        self.self_index = list(self_index)
        self.cross = nn.ModuleDict({str(k): AttentionBlock(device=device, **cross_args) for k in sorted(set(cross_index))})
        self.latent = nn.ModuleDict(
            {str(k): nn.ModuleList(AttentionBlock(self_attention=True, device=device, **self_args) for _ in range(self_per_cross)) for k in sorted(set(self_index))}
        )

    def forward(self, z: Tensor, kv: Tensor, mask: Optional[Tensor] = None) -> Tensor:
        # ModuleDicts cannot be indexed by a computed key in TorchScript: look the set up by name.
        for i in range(len(self.cross_index)):
            ci, si = str(self.cross_index[i]), str(self.self_index[i])
            for name, block in self.cross.items():
                if name == ci:
                    z = block(z, kv, mask)
            for name, layers in self.latent.items():
                if name == si:
                    for layer in layers:
                        z = layer(z)
        return z


def same_padding(size: int, kernel: int, stride: int) -> Tuple[int, int]:
    """TF/Haiku SAME padding (before, after) for one axis."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


class Conv1x1(nn.Module):
    """DM conv1x1 preprocessor: a 1x1 convolution with stride, channels-last in and out."""

    def __init__(self, in_channels, out_channels, stride=1, device=None):
        super().__init__()
        self.stride = stride
        self.conv = nn.Conv2d(in_channels, out_channels, 1, stride=stride, device=device)
        truncated_normal_(self.conv.weight, 1.0 / (0.87962566 * math.sqrt(in_channels)))
        nn.init.zeros_(self.conv.bias)

    def forward(self, x: Tensor) -> Tensor:
        return self.conv(x.permute(0, 3, 1, 2)).permute(0, 2, 3, 1)


class ConvDownsample(nn.Module):
    """DM Conv2DDownsample: per layer Conv 7x7 stride 2 SAME (no bias) -> BatchNorm (momentum
    0.9 in TF terms, eps 1e-5) -> ReLU -> MaxPool 3x3 stride 2 SAME. Channels-last in and out.
    padding="torch" (HF Conv2DDownsample): pad 3 on every side before the conv, pool unpadded."""

    def __init__(self, in_channels, num_channels=64, num_layers=1, use_batch_norm=True, padding="same", device=None):
        super().__init__()
        self.padding = padding
        self.convs = nn.ModuleList()
        self.norms = nn.ModuleList()  # BatchNorm2d per layer, or Identity (no parameters)
        cin = in_channels
        for _ in range(num_layers):
            conv = nn.Conv2d(cin, num_channels, 7, stride=2, bias=False, device=device)
            truncated_normal_(conv.weight, 1.0 / math.sqrt(49 * cin))
            self.convs.append(conv)
            self.norms.append(nn.BatchNorm2d(num_channels, eps=1e-5, momentum=0.1, device=device) if use_batch_norm else nn.Identity())
            cin = num_channels

    def forward(self, x: Tensor) -> Tensor:
        x = x.permute(0, 3, 1, 2)
        for conv, norm in zip(self.convs, self.norms):
            if self.padding == "torch":
                x = conv(F.pad(x, (3, 3, 3, 3)))
            else:
                ph, pw = same_padding(x.shape[2], 7, 2), same_padding(x.shape[3], 7, 2)
                x = conv(F.pad(x, (pw[0], pw[1], ph[0], ph[1])))
            x = F.relu(norm(x))
            if self.padding == "torch":
                x = F.max_pool2d(x, 3, 2)
            else:
                ph, pw = same_padding(x.shape[2], 3, 2), same_padding(x.shape[3], 3, 2)
                x = F.max_pool2d(F.pad(x, (pw[0], pw[1], ph[0], ph[1]), value=float("-inf")), 3, 2)
        return x.permute(0, 2, 3, 1)


def pixel_neighbourhood(x: Tensor, k: int) -> Tensor:
    """Each pixel gets its k x k zero-padded neighbourhood as channels, order (di, dj, c)."""
    r = (k - 1) // 2
    h_axis = x.dim() - 3
    pad = [0, 0, r, r, r, r]  # F.pad runs from the last axis: C, W, H
    padded = F.pad(x, pad)
    h, w = x.shape[h_axis], x.shape[h_axis + 1]
    parts: List[Tensor] = []
    for di in range(k):
        for dj in range(k):
            parts.append(padded.narrow(h_axis, di, h).narrow(h_axis + 1, dj, w))
    return torch.cat(parts, dim=-1)


def strided_subsample(x: Tensor, spatial: int, temporal: int = 1) -> Tensor:
    """x[:, ::t, ::s, ::s] (DM pixels preprocessing)."""
    if x.dim() == 5:
        return x[:, ::temporal, ::spatial, ::spatial]
    return x[:, ::spatial, ::spatial]


class TokenEmbedding(nn.Module):
    """Byte ids [B, L] -> (Emb[id] + P [B, L, d], Emb broadcast [B, V, d] for a tied decoder,
    padding mask [B, L]: 1 for real bytes, 0 for PAD = id 0)."""

    def __init__(self, vocab_size, max_length, channels, init_scale=0.02, device=None):
        super().__init__()
        self.embedding = nn.Parameter(torch.empty(vocab_size, channels, device=device))
        self.positions = nn.Parameter(torch.empty(max_length, channels, device=device))
        truncated_normal_(self.embedding, init_scale)
        truncated_normal_(self.positions, init_scale)

    def forward(self, ids: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
        ids = ids.long()
        tokens = F.embedding(ids, self.embedding) + self.positions
        emb = self.embedding.unsqueeze(0).expand(ids.shape[0], -1, -1)
        return tokens, emb, (ids != 0).to(tokens.dtype)


class TabularTokens(nn.Module):
    """A row [B, n] -> column tokens [B, n, C]: x_j * w_j + b_j (perColumn), or
    x_j * w + b + e_j (sharedWithColumnEmbedding)."""

    def __init__(self, num_columns, channels, encoding="perColumn", init_scale=0.02, device=None):
        super().__init__()
        self.per_column = encoding == "perColumn"
        if self.per_column:
            self.column_scale = nn.Parameter(torch.empty(num_columns, channels, device=device))
            self.column_offset = nn.Parameter(torch.empty(num_columns, channels, device=device))
            truncated_normal_(self.column_scale, 1.0)
            truncated_normal_(self.column_offset, init_scale)
        else:
            self.value_scale = nn.Parameter(torch.empty(1, channels, device=device))
            self.value_bias = nn.Parameter(torch.zeros(channels, device=device))
            self.column_embedding = nn.Parameter(torch.empty(num_columns, channels, device=device))
            truncated_normal_(self.value_scale, 1.0)
            truncated_normal_(self.column_embedding, init_scale)

    def forward(self, x: Tensor) -> Tensor:
        x = x.unsqueeze(-1)
        # hasattr on self is decided when TorchScript compiles, so only one branch is compiled.
        if hasattr(self, "column_scale"):
            out = x * self.column_scale + self.column_offset
        else:
            out = x * self.value_scale + self.column_embedding + self.value_bias
        return out


class TrainablePositionEncoding(nn.Module):
    """Flattens a grid to tokens and concatenates (or adds) a learned [M, c] table, optionally
    through a Linear projector (DM TrainablePositionEncoding + PositionEncodingProjector)."""

    def __init__(self, positions, num_channels, project_pos_dim=0, combine="concat", init_scale=0.02, device=None):
        super().__init__()
        self.combine = combine
        self.positions = nn.Parameter(torch.empty(positions, num_channels, device=device))
        truncated_normal_(self.positions, init_scale)
        self.projector = make_linear(num_channels, project_pos_dim, device=device) if project_pos_dim > 0 else None

    def forward(self, x: Tensor) -> Tensor:
        tokens = x.reshape(x.shape[0], self.positions.shape[0], x.shape[-1])
        pe = self.projector(self.positions) if self.projector is not None else self.positions
        pe = pe.unsqueeze(0).expand(tokens.shape[0], -1, -1)
        return tokens + pe if self.combine == "add" else torch.cat([tokens, pe], dim=-1)


class MultimodalPad(nn.Module):
    """Pads each modality to a common width with a trainable vector, swaps in a trainable mask
    token with probability p (always when p >= 1; in training otherwise), and concatenates the
    modalities in sorted-name order (DM MultimodalPreprocessor). Up to four modalities (the
    Multimodal concat node's ports); parameters padding_k / mask_token_k for modality k."""

    def __init__(self, widths, order, common, mask_probs, init_scale=0.02, device=None):
        super().__init__()
        if len(widths) > 4:
            raise ValueError(f"MultimodalPad takes up to 4 modalities (got {len(widths)})")
        self.order = list(order)
        self.common = common
        self.mask_probs = [float(p) if p is not None else 0.0 for p in mask_probs]
        for k, w in enumerate(widths):
            if common > w:
                setattr(self, f"padding_{k}", nn.Parameter(truncated_normal_(torch.empty(1, common - w, device=device), init_scale)))
            if mask_probs[k] is not None:
                setattr(self, f"mask_token_{k}", nn.Parameter(truncated_normal_(torch.empty(1, common, device=device), init_scale)))

    def _pad(self, k: int) -> Optional[Tensor]:
        # TorchScript cannot getattr a computed name; hasattr on self is decided when it compiles.
        if k == 0:
            if hasattr(self, "padding_0"):
                return self.padding_0
        elif k == 1:
            if hasattr(self, "padding_1"):
                return self.padding_1
        elif k == 2:
            if hasattr(self, "padding_2"):
                return self.padding_2
        elif k == 3:
            if hasattr(self, "padding_3"):
                return self.padding_3
        return None

    def _token(self, k: int) -> Optional[Tensor]:
        if k == 0:
            if hasattr(self, "mask_token_0"):
                return self.mask_token_0
        elif k == 1:
            if hasattr(self, "mask_token_1"):
                return self.mask_token_1
        elif k == 2:
            if hasattr(self, "mask_token_2"):
                return self.mask_token_2
        elif k == 3:
            if hasattr(self, "mask_token_3"):
                return self.mask_token_3
        return None

    def forward(self, x0: Tensor, x1: Optional[Tensor] = None, x2: Optional[Tensor] = None, x3: Optional[Tensor] = None) -> Tensor:
        inputs: List[Tensor] = [x0]
        if x1 is not None:
            inputs.append(x1)
        if x2 is not None:
            inputs.append(x2)
        if x3 is not None:
            inputs.append(x3)
        parts: List[Tensor] = []
        for k in self.order:
            x = inputs[k]
            b, m = x.shape[0], x.shape[1]
            pad = self._pad(k)
            if pad is not None:
                x = torch.cat([x, pad.reshape(1, 1, -1).expand(b, m, -1)], dim=-1)
            token = self._token(k)
            p = self.mask_probs[k]
            if token is not None:
                if p >= 1:
                    x = token.reshape(1, 1, -1).expand(b, m, self.common)
                elif p > 0 and self.training:
                    hit = (torch.rand(b, m, 1, device=x.device) < p).to(x.dtype)
                    x = x * (1 - hit) + hit * token.reshape(1, 1, -1)
            parts.append(x)
        return parts[0] if len(parts) == 1 else torch.cat(parts, dim=1)


class FourierQueryArray(nn.Module):
    """Constant Fourier-feature output queries [count, channels] for a chunk of a grid
    (optionally through a Linear projector), broadcast over the batch."""

    def __init__(self, index_dims, num_bands, max_resolution, concat_pos=True, sine_only=False, start=0, count=None, project_pos_dim=0, points=False, device=None):
        super().__init__()
        features = fourier_features(index_dims, num_bands, max_resolution, concat_pos, sine_only, start=start, count=count, points=points)
        self.register_buffer("features", features.to(device) if device is not None else features, persistent=False)
        self.projector = make_linear(features.shape[1], project_pos_dim, device=device) if project_pos_dim > 0 else None

    def forward(self, batch_size: int) -> Tensor:
        q = self.projector(self.features) if self.projector is not None else self.features
        return q.unsqueeze(0).expand(batch_size, -1, -1)


class TiedEmbeddingLogits(nn.Module):
    """logits = h Emb^T + b for h [B, O, d] and the input embedding Emb [B, V, d] (DM
    EmbeddingDecoder); owns only the bias [V]."""

    def __init__(self, vocab_size, device=None):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(vocab_size, device=device))

    def forward(self, h: Tensor, emb: Tensor) -> Tensor:
        return torch.matmul(h, emb.transpose(1, 2)) + self.bias


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
    for name, buf in model.state_dict().items():
        if name.endswith("num_batches_tracked") and name not in state:
            state[name] = torch.zeros_like(buf)  # BatchNorm bookkeeping the app does not keep
    missing, unexpected = model.load_state_dict(state, strict=strict)
    return missing, unexpected


def count_parameters(model):
    """Parameters as the app counts them: each shared module once, plus BatchNorm moving
    statistics (tfjs keeps them as non-trainable weights)."""
    stats = sum(b.numel() for n, b in model.named_buffers() if n.endswith(("running_mean", "running_var")))
    return sum(p.numel() for p in model.parameters()) + stats
