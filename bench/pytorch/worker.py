"""PyTorch twin of the benchmarked Perceiver IO (the default template, 96,292 parameters),
driven by the same stdin protocol as bench/workers/train.ts so runs can be interleaved.

  /usr/bin/python3 bench/pytorch/worker.py --threads 1 [--image 28] [--batch 32]
stdin: "run N" | "peak" | "quit"; stdout: one JSON object per line.
Written for this bench (pre-LN blocks, tanh GELU, eps 1e-5, DM widths; spec section 3).
"""
import argparse, json, math, sys, time

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError as e:  # the orchestrator reports this as a skip
    print(json.dumps({"error": f"PyTorch is not importable: {e}"}), flush=True)
    sys.exit(3)

ap = argparse.ArgumentParser()
ap.add_argument("--threads", type=int, default=1)
ap.add_argument("--image", type=int, default=28)
ap.add_argument("--batch", type=int, default=32)
ap.add_argument("--patch", type=int, default=4)
ap.add_argument("--bands", type=int, default=6)
ap.add_argument("--latents", type=int, default=32)
ap.add_argument("--latent-channels", type=int, default=64)
ap.add_argument("--self-layers", type=int, default=2)
ap.add_argument("--self-blocks", type=int, default=2)
ap.add_argument("--self-heads", type=int, default=4)
ap.add_argument("--classes", type=int, default=10)
ap.add_argument("--lr", type=float, default=1e-3)
a = ap.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(0)


class Block(nn.Module):
    def __init__(self, dq, dkv, qk, v, heads, self_attn):
        super().__init__()
        self.heads, self.self_attn = heads, self_attn
        self.lnq = nn.LayerNorm(dq, eps=1e-5)
        self.lnkv = None if self_attn else nn.LayerNorm(dkv, eps=1e-5)
        self.q, self.k, self.v = nn.Linear(dq, qk), nn.Linear(dkv, qk), nn.Linear(dkv, v)
        self.o = nn.Linear(v, dq)
        self.lnm = nn.LayerNorm(dq, eps=1e-5)
        self.m1, self.m2 = nn.Linear(dq, dq), nn.Linear(dq, dq)

    def forward(self, x, kv=None):
        qn = self.lnq(x)
        kvn = qn if self.self_attn else self.lnkv(kv)
        b, tq, _ = qn.shape
        tk = kvn.shape[1]
        h = self.heads
        q = self.q(qn).view(b, tq, h, -1).transpose(1, 2)
        k = self.k(kvn).view(b, tk, h, -1).transpose(1, 2)
        v = self.v(kvn).view(b, tk, h, -1).transpose(1, 2)
        att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1]), dim=-1)
        o = (att @ v).transpose(1, 2).reshape(b, tq, -1)
        x = x + self.o(o)
        return x + self.m2(F.gelu(self.m1(self.lnm(x)), approximate="tanh"))


def fourier(n, K):
    pos = torch.linspace(-1, 1, n)
    grid = torch.stack(torch.meshgrid(pos, pos, indexing="ij"), -1).reshape(-1, 2)
    freqs = torch.linspace(1, n / 2, K)
    ang = math.pi * grid[:, :, None] * freqs[None, None, :]
    return torch.cat([grid, torch.sin(ang).reshape(n * n, -1), torch.cos(ang).reshape(n * n, -1)], -1)


class Perceiver(nn.Module):
    def __init__(self):
        super().__init__()
        n = a.image // a.patch
        self.register_buffer("pe", fourier(n, a.bands))
        c = a.patch * a.patch + 2 + 4 * a.bands
        D = a.latent_channels
        self.latents = nn.Parameter(torch.randn(a.latents, D) * 0.02)
        self.enc = Block(D, c, c, c, 1, False)
        self.layers = nn.ModuleList([Block(D, D, D, D, a.self_heads, True) for _ in range(a.self_layers)])
        self.query = nn.Parameter(torch.randn(1, D) * 0.02)
        self.dec = Block(D, D, D, D, 1, False)
        self.head = nn.Linear(D, a.classes)

    def forward(self, img):
        b, s, n = img.shape[0], a.patch, a.image // a.patch
        t = img.view(b, n, s, n, s, 1).permute(0, 1, 3, 2, 4, 5).reshape(b, n * n, s * s)
        tokens = torch.cat([t, self.pe.expand(b, -1, -1)], -1)
        z = self.enc(self.latents.expand(b, -1, -1), tokens)
        for _ in range(a.self_blocks):
            for layer in self.layers:
                z = layer(z)
        o = self.dec(self.query.expand(b, -1, -1), z)
        return self.head(o[:, 0])


model = Perceiver()
opt = torch.optim.Adam(model.parameters(), lr=a.lr, betas=(0.9, 0.999), eps=1e-7)
g = torch.Generator().manual_seed(1)
batches = []
for _ in range(4):
    y = torch.randint(0, a.classes, (a.batch,), generator=g)
    x = torch.rand(a.batch, a.image, a.image, 1, generator=g) * 0.3
    batches.append((x, y))
k = 0


def step():
    global k
    x, y = batches[k % len(batches)]
    k += 1
    t0 = time.perf_counter()
    opt.zero_grad(set_to_none=True)
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    return (time.perf_counter() - t0) * 1000


def peak():
    best = 0.0
    for n in (256, 512, 1024):
        A, B = torch.randn(n, n), torch.randn(n, n)
        A @ B
        ts = []
        for _ in range(5):
            t0 = time.perf_counter()
            A @ B
            ts.append(time.perf_counter() - t0)
        ts.sort()
        best = max(best, 2 * n ** 3 / ts[len(ts) // 2] / 1e9)
    return best


for _ in range(3):
    step()
# Which BLAS is really loaded (Debian swaps it via alternatives; the reference BLAS is ~10x slower).
blas = "unknown"
try:
    with open("/proc/self/maps") as f:
        libs = {l.split()[-1].rsplit("/", 1)[-1] for l in f if ".so" in l}
    blas = next((l for l in sorted(libs) if "openblas" in l), None) or next((l for l in sorted(libs) if "blas" in l), "unknown")
except OSError:
    pass
print(json.dumps({"ready": True, "impl": "pytorch", "params": sum(p.numel() for p in model.parameters()),
                  "torch": torch.__version__, "threads": torch.get_num_threads(), "blas": blas,
                  "batch": a.batch}), flush=True)
for line in sys.stdin:
    parts = line.split()
    if not parts:
        continue
    if parts[0] == "run":
        print(json.dumps({"times": [step() for _ in range(int(parts[1]))]}), flush=True)
    elif parts[0] == "peak":
        print(json.dumps({"peakGflops": peak()}), flush=True)
    elif parts[0] == "quit":
        print(json.dumps({"done": True}), flush=True)
        break
