"""Train the exported model with PyTorch, on one process or many (torchrun), on data of any size.

    python train.py --data PATH                        # one process (CPU or one GPU)
    python train.py --data PATH --nproc 2              # 2 processes: starts torchrun with the flags
                                                       # this PyTorch needs (see --print-launch)
    torchrun --standalone --nproc_per_node=8 train.py --data PATH --device cuda   # 8 GPUs

Settings come from config.json (the template's training settings); flags override them.
--batch-size is the global batch (all processes and accumulation steps together), so the steps
per epoch and the learning-rate schedule are those of the app whatever the number of processes;
--micro-batch sets the examples per process per forward pass (gradient accumulation fills the
rest). Data are read lazily per example by DataLoader workers (data.py), each rank reading only
its DistributedSampler share, in the app's order for the seed.

Rank 0 writes CHECKPOINT_DIR/checkpoint.pt every epoch (and every --save-every steps): model,
optimizer, scheduler, grad scaler, RNG states and the position in the epoch, so --resume
continues exactly where the run stopped. best.pt keeps the weights of the epoch with the lowest
validation loss; weights.pt and weights.safetensors are always those best weights (the last
epoch's when there is no validation split): bring weights.safetensors back into Perceiver Studio
with Import trained weights, or `perceiver-studio import-weights`.
metrics.jsonl (one JSON object a line) and TensorBoard (when installed) get the same records.
"""
import argparse
import json
import math
import os
import random
import subprocess
import sys
import time

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.utils.data import DataLoader

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import model as model_module  # noqa: E402
from data import AppOrderSampler, DataError, WeightedItems, describe_example, open_dataset, set_epoch  # noqa: E402
from perceiver_layers import load_weights, save_safetensors  # noqa: E402

TORCH = tuple(int(p) for p in torch.__version__.split("+")[0].split(".")[:2] if p.isdigit())
MIN_TORCH = (1, 12)


def launch_command(nproc, script_args, nnodes=1, rdzv_endpoint=None, rdzv_id="perceiver"):
    """The torchrun command for this PyTorch: torchrun of PyTorch < 2 on Python >= 3.11 fails at
    start unless --redirects/--tee are given (its default no longer parses). One machine:
    --standalone; several: the c10d rendezvous at rdzv_endpoint (HOST:PORT)."""
    cmd = [sys.executable, "-m", "torch.distributed.run"]
    if rdzv_endpoint:
        cmd += [f"--nnodes={nnodes}", "--rdzv_backend=c10d", f"--rdzv_endpoint={rdzv_endpoint}", f"--rdzv_id={rdzv_id}"]
    else:
        cmd += ["--standalone"]
    cmd += [f"--nproc_per_node={nproc}"]
    if TORCH < (2, 0) and sys.version_info >= (3, 11):
        cmd += ["--redirects", "2", "--tee", "2"]
    return cmd + [os.path.join(HERE, "train.py")] + script_args


def learning_rate_factor(s, step, total_steps):
    """The app's schedule (engine/train/schedule.ts) as a factor of the base rate: linear
    warm-up, then constant, cosine or step decay."""
    if s["warmupSteps"] > 0 and step < s["warmupSteps"]:
        return (step + 1) / s["warmupSteps"]
    after = step - s["warmupSteps"]
    span = max(1, total_steps - s["warmupSteps"])
    if s["schedule"] == "cosine":
        return 0.5 * (1 + math.cos(math.pi * min(after, span) / span))
    if s["schedule"] == "step":
        return s["stepGamma"] ** (after // s["stepEvery"])
    return 1.0


def make_optimizer(s, net):
    """AdamW (the app's Adam and AdamW: tfjs epsilon 1e-7, decoupled weight decay on kernels and
    arrays only) or SGD with momentum (decay applied by the loop, decoupled as in the app)."""
    decay = [p for p in net.parameters() if p.dim() >= 2]
    rest = [p for p in net.parameters() if p.dim() < 2]
    if s["optimizer"] == "sgd":
        return torch.optim.SGD(net.parameters(), lr=s["learningRate"], momentum=s["momentum"]), decay
    groups = [{"params": decay, "weight_decay": s["weightDecay"]}, {"params": rest, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=s["learningRate"], betas=(0.9, 0.999), eps=1e-7), []


def parse_args(cfg, argv=None):
    t = cfg["training"]
    p = argparse.ArgumentParser(description=f"Train {cfg['name']} (exported from Perceiver Studio)")
    p.add_argument("--data", default=os.path.join(HERE, cfg["data"]["file"]) if cfg["data"].get("file") else None, help="data file or folder (default: the exported data)")
    p.add_argument("--target", default=cfg["data"].get("target"), help="label column / array name")
    p.add_argument("--epochs", type=int, default=t["epochs"])
    p.add_argument("--batch-size", type=int, default=t["batchSize"], help="global batch size (all processes and accumulation steps together)")
    p.add_argument("--micro-batch", type=int, default=0, help="examples per process per forward pass (default: batch-size / processes); the rest is gradient accumulation")
    p.add_argument("--lr", type=float, default=t["learningRate"])
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    p.add_argument("--precision", default="auto", choices=["auto", "fp32", "bf16", "fp16"], help="auto: bf16 on GPUs that support it, else fp16 with a GradScaler; fp32 on CPU")
    p.add_argument("--threads", type=int, default=0, help="CPU threads per process (default: the cores shared among this machine's processes)")
    p.add_argument("--workers", type=int, default=-1, help="DataLoader worker processes per rank (default: 4 on GPU, 0 on CPU)")
    p.add_argument("--prefetch", type=int, default=2, help="batches each worker reads ahead")
    p.add_argument("--subset", type=int, default=0, help="train on only the first N training examples (quick checks)")
    p.add_argument("--max-steps", type=int, default=0, help="limit the steps per epoch")
    p.add_argument("--stop-after", type=int, default=0, help="stop (as if interrupted) after this many epochs; --resume continues")
    p.add_argument("--checkpoint-dir", default=os.path.join(HERE, "checkpoints"))
    p.add_argument("--save-every", type=int, default=0, help="also checkpoint every N optimizer steps")
    p.add_argument("--resume", action="store_true", help="continue from CHECKPOINT_DIR/checkpoint.pt")
    p.add_argument("--weights", default=None, help="start from these weights (weights.pt or .safetensors)")
    p.add_argument("--log-every", type=int, default=10, help="print the loss every N steps")
    p.add_argument("--seed", type=int, default=t["seed"])
    p.add_argument("--json", action="store_true", help="print JSON lines")
    p.add_argument("--compile", action="store_true", help="torch.compile the model (PyTorch >= 2)")
    p.add_argument("--activation-checkpointing", action="store_true", help="recompute attention blocks in the backward pass (less memory, ~30%% more compute)")
    p.add_argument("--fsdp", action="store_true", help="shard parameters, gradients and optimizer state over the GPUs (FullyShardedDataParallel) instead of DDP")
    p.add_argument("--nproc", type=int, default=0, help="start N processes on this machine through torchrun (with the flags this PyTorch needs)")
    p.add_argument("--nnodes", type=int, default=1, help="with --nproc: the number of machines (each runs this command)")
    p.add_argument("--rdzv-endpoint", default=None, help="with --nproc on several machines: HOST:PORT of the first machine (c10d rendezvous)")
    p.add_argument("--rdzv-id", default="perceiver", help="with --nnodes: a job id shared by the machines")
    p.add_argument("--print-launch", action="store_true", help="print the torchrun command for --nproc and exit")
    p.add_argument("--record-examples", default=None, help="write DIR/rank<R>-epoch<E>.txt: the training examples (files or rows) each rank reads per epoch")
    p.add_argument("--mask-rate", type=float, default=0.15, help="text: fraction of bytes hidden per window")
    p.add_argument("--sample-rate", type=int, default=16000, help="audio: the input's sample rate")
    return p.parse_args(argv)


class Run:
    """Process-group bookkeeping: rank, world size, device, logging on rank 0."""

    def __init__(self, args):
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        self.local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        want_cuda = args.device == "cuda" or (args.device == "auto" and torch.cuda.is_available())
        if want_cuda and not torch.cuda.is_available():
            sys.exit("train.py: --device cuda but PyTorch sees no GPU (torch.cuda.is_available() is False)")
        if want_cuda:
            torch.cuda.set_device(self.local_rank)
            self.device = torch.device("cuda", self.local_rank)
        else:
            self.device = torch.device("cpu")
            # Share the cores between the processes on this machine instead of oversubscribing.
            local = int(os.environ.get("LOCAL_WORLD_SIZE", "1"))
            torch.set_num_threads(args.threads or max(1, (os.cpu_count() or 1) // local))
        self.backend = "nccl" if want_cuda else "gloo"
        if self.world > 1:
            dist.init_process_group(self.backend)
        self.json = args.json
        self.metrics_file, self.tb = None, None
        if self.rank == 0:
            os.makedirs(args.checkpoint_dir, exist_ok=True)
            self.metrics_file = os.path.join(args.checkpoint_dir, "metrics.jsonl")
            if not args.resume and os.path.exists(self.metrics_file):
                os.remove(self.metrics_file)
            try:
                from torch.utils.tensorboard import SummaryWriter

                self.tb = SummaryWriter(os.path.join(args.checkpoint_dir, "tensorboard"))
            except Exception:  # tensorboard not installed: metrics.jsonl only
                self.tb = None

    def log(self, text, **record):
        if self.rank != 0:
            return
        print(json.dumps(record) if self.json else text, flush=True)
        if self.metrics_file:
            with open(self.metrics_file, "a") as f:
                f.write(json.dumps(record) + "\n")
        if self.tb is not None and record.get("event") in ("step", "epoch"):
            x = record.get("global_step", record.get("epoch", 0))
            for k, v in record.items():
                if k not in ("event", "epoch", "step", "global_step") and isinstance(v, (int, float)) and v is not None:
                    self.tb.add_scalar(f"{record['event']}/{k}", v, x)

    def all_sum(self, values):
        t = torch.tensor(values, dtype=torch.float64, device=self.device)
        if self.world > 1:
            dist.all_reduce(t)
        return t.tolist()

    def close(self):
        if self.tb is not None:
            self.tb.close()
        if self.world > 1:
            dist.destroy_process_group()


def random_shift(x, max_shift, rng):
    """The app's training augmentation (augmentShift): shift each [H, W, C] image by an integer
    offset in [-max, max]^2 with zero fill."""
    if max_shift <= 0 or x.dim() != 4:
        return x
    n, h, w, _ = x.shape
    padded = F.pad(x, (0, 0, max_shift, max_shift, max_shift, max_shift))
    offsets = [(rng.randint(0, 2 * max_shift), rng.randint(0, 2 * max_shift)) for _ in range(n)]
    return torch.stack([padded[i, 2 * max_shift - oy:2 * max_shift - oy + h, 2 * max_shift - ox:2 * max_shift - ox + w] for i, (oy, ox) in enumerate(offsets)])


def head_loss(head, out, y, mask, weight, smoothing):
    """Per-example losses (weighted) and metric tallies for the app's three head losses."""
    kind = head["type"]
    if kind == "classification":
        ce = F.cross_entropy(out.float(), y, label_smoothing=smoothing, reduction="none")
        right = (out.argmax(-1) == y).float()
        return (ce * weight).sum(), weight.sum(), (right * weight).sum(), weight.sum()
    if kind == "tokenClassification":
        v = out.shape[-1]
        ce = F.cross_entropy(out.float().reshape(-1, v), y.reshape(-1), label_smoothing=smoothing, reduction="none").reshape(y.shape)
        m = (mask if mask.numel() else torch.ones_like(ce)) * weight.reshape(-1, *([1] * (ce.dim() - 1)))
        right = (out.argmax(-1) == y).float()
        return (ce * m).sum(), m.sum(), (right * m).sum(), m.sum()
    se = ((out.float() - y.float().reshape(out.shape)) ** 2).reshape(out.shape[0], -1)
    w = weight.reshape(-1, 1).expand_as(se)
    return (se * w).sum(), w.sum(), (se * w).sum(), w.sum()


def to_device(batch, device):
    xs, y, mask, weight = batch
    nb = device.type == "cuda"
    return tuple(x.to(device, non_blocking=nb) for x in xs), y.to(device, non_blocking=nb), mask.to(device, non_blocking=nb), weight.to(device, non_blocking=nb)


class Prefetcher:
    """On a GPU, copies the next batch on a side stream while the current one trains."""

    def __init__(self, loader, device):
        self.loader, self.device = loader, device

    def __iter__(self):
        if self.device.type != "cuda":
            for b in self.loader:
                yield to_device(b, self.device)
            return
        stream = torch.cuda.Stream()
        it = iter(self.loader)
        nxt = None
        try:
            with torch.cuda.stream(stream):
                nxt = to_device(next(it), self.device)
        except StopIteration:
            return
        while nxt is not None:
            torch.cuda.current_stream().wait_stream(stream)
            cur = nxt
            try:
                with torch.cuda.stream(stream):
                    nxt = to_device(next(it), self.device)
            except StopIteration:
                nxt = None
            yield cur


def evaluate(fwd, ds, run, autocast, head, batch, workers):
    """Loss and metric over a split, each rank a disjoint share, summed exactly."""
    if len(ds) == 0:
        return None, None
    was = fwd.training
    fwd.eval()
    sampler = AppOrderSampler(ds, run.world, run.rank, shuffle=False)
    loader = DataLoader(WeightedItems(ds), batch_size=batch, sampler=sampler, num_workers=workers, pin_memory=run.device.type == "cuda")
    tot = torch.zeros(4, dtype=torch.float64, device=run.device)
    with torch.no_grad():
        for xs, y, mask, weight in Prefetcher(loader, run.device):
            with autocast():
                out = fwd(*xs)
            tot += torch.stack([v.double() for v in head_loss(head, out, y, mask, weight, 0.0)])
    if run.world > 1:
        dist.all_reduce(tot)
    fwd.train(was)
    loss_sum, n, metric_sum, m = tot.tolist()
    return loss_sum / max(n, 1), metric_sum / max(m, 1)


def save_atomic(obj, path):
    torch.save(obj, path + ".tmp")
    os.replace(path + ".tmp", path)


def rng_state():
    return {"torch": torch.get_rng_state(), "numpy": np.random.get_state(), "python": random.getstate(),
            "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None}


def set_rng_state(st):
    torch.set_rng_state(st["torch"])
    np.random.set_state(st["numpy"])
    random.setstate(st["python"])
    if st.get("cuda") is not None and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(st["cuda"])


def enable_activation_checkpointing(net):
    """Recompute every attention block in the backward pass instead of keeping its activations."""
    from torch.utils.checkpoint import checkpoint
    import perceiver_layers as L

    count = 0
    for m in net.modules():
        if isinstance(m, L.AttentionBlock):
            inner = m.forward

            def wrapped(*a, _inner=inner, **k):
                return checkpoint(_inner, *a, use_reentrant=False, **k) if torch.is_grad_enabled() else _inner(*a, **k)

            m.forward = wrapped
            count += 1
    return count


def main(argv=None):
    with open(os.path.join(HERE, "config.json")) as f:
        cfg = json.load(f)
    args = parse_args(cfg, argv)
    if TORCH < MIN_TORCH:
        sys.exit(f"train.py needs PyTorch >= {MIN_TORCH[0]}.{MIN_TORCH[1]} (found {torch.__version__}); see requirements.txt")
    if args.nproc or args.print_launch:
        given = list(argv if argv is not None else sys.argv[1:])
        rest, i = [], 0
        while i < len(given):
            if given[i] in ("--nproc", "--nnodes", "--rdzv-endpoint", "--rdzv-id"):
                i += 2
                continue
            if not given[i].startswith(("--nproc=", "--nnodes=", "--rdzv-endpoint=", "--rdzv-id=", "--print-launch")):
                rest.append(given[i])
            i += 1
        if args.nnodes > 1 and not args.rdzv_endpoint:
            sys.exit("train.py: --nnodes needs --rdzv-endpoint HOST:PORT (the first machine)")
        cmd = launch_command(max(args.nproc, 1), rest, args.nnodes, args.rdzv_endpoint, args.rdzv_id)
        if args.print_launch:
            print(" ".join(cmd))
            return 0
        return subprocess.call(cmd, env={**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")})
    if args.compile and TORCH < (2, 0):
        sys.exit(f"train.py: --compile needs PyTorch >= 2.0 (found {torch.__version__})")

    inputs = list(model_module.INPUTS.items())
    heads = list(model_module.HEADS.items())
    if len(heads) != 1:
        sys.exit(f"train.py trains models with one head, as the app does; this model has {len(heads)} outputs ({', '.join(h for h, _ in heads)}): "
                 "train it in the app, or keep one head and export again")
    head_name, head = heads[0]
    if not args.data:
        sys.exit("train.py: give the data with --data PATH (the template has no exported data)")

    run = Run(args)
    s = dict(cfg["training"])
    s["learningRate"] = args.lr
    d = cfg["data"]
    spec = {"input_shape": inputs[0][1], "inputs": dict(inputs), "target": args.target, "validation_fraction": d.get("validationFraction", 0.1),
            "test_fraction": d.get("testFraction", 0.2), "seed": d.get("seed", 1), "normalize": d.get("normalize", "none"),
            "regression": head["type"] == "regression", "mask_rate": args.mask_rate, "sample_rate": args.sample_rate}
    try:
        data = open_dataset(args.data, spec)
    except DataError as e:
        sys.exit(f"train.py: {e}")
    if head["type"] == "classification" and len(data["class_names"]) > head["classes"]:
        sys.exit(f"train.py: the data has {len(data['class_names'])} classes but the head \"{head_name}\" predicts {head['classes']}")
    train_ds = data["train"]
    if args.subset:
        from torch.utils.data import Subset

        train_ds = Subset(train_ds, range(min(args.subset, len(train_ds))))

    micro = args.micro_batch or max(1, args.batch_size // run.world)
    if args.batch_size % (micro * run.world):
        sys.exit(f"train.py: --batch-size {args.batch_size} is not a multiple of --micro-batch {micro} × {run.world} processes")
    accum = args.batch_size // (micro * run.world)

    torch.manual_seed(args.seed)
    net = model_module.build_model(device=run.device)
    if args.weights:
        load_weights(net, args.weights)
    ck_dir = args.checkpoint_dir
    os.makedirs(ck_dir, exist_ok=True)
    ckpt_path, best_path = os.path.join(ck_dir, "checkpoint.pt"), os.path.join(ck_dir, "best.pt")
    ck = torch.load(ckpt_path, map_location="cpu") if args.resume and os.path.exists(ckpt_path) else None
    if ck is not None:
        net.load_state_dict(ck["model"])
    if args.activation_checkpointing:
        n_ckpt = enable_activation_checkpointing(net)
        run.log(f"activation checkpointing on {n_ckpt} attention blocks", event="activation-checkpointing", blocks=n_ckpt)
    if run.world > 1:
        for p in net.parameters():  # every rank starts from rank 0's weights
            dist.broadcast(p.data, 0)
    if args.fsdp:
        if run.device.type != "cuda" or run.world < 2:
            sys.exit("train.py: --fsdp shards over several GPUs; run it under torchrun with --device cuda")
        from torch.distributed.fsdp import FullyShardedDataParallel

        wrapped = FullyShardedDataParallel(net, device_id=run.device)
    elif run.world > 1:
        wrapped = torch.nn.parallel.DistributedDataParallel(net, device_ids=[run.local_rank] if run.device.type == "cuda" else None)
    else:
        wrapped = net
    fwd = torch.compile(wrapped) if args.compile else wrapped
    owner = wrapped if args.fsdp else net  # whose parameters the optimizer steps

    precision = args.precision
    if precision == "auto":
        precision = ("bf16" if torch.cuda.is_bf16_supported() else "fp16") if run.device.type == "cuda" else "fp32"
    if precision == "fp16" and run.device.type != "cuda":
        sys.exit("train.py: fp16 autocast is for GPUs; use --precision bf16 or fp32 on CPU")
    amp_dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(precision)

    def autocast():
        return torch.autocast(device_type=run.device.type, dtype=amp_dtype) if amp_dtype else torch.autocast(device_type=run.device.type, enabled=False)

    grad_scaler = getattr(torch.amp, "GradScaler", None) if TORCH >= (2, 3) else None
    scaler = grad_scaler("cuda", enabled=precision == "fp16") if grad_scaler else torch.cuda.amp.GradScaler(enabled=precision == "fp16")
    optimizer, manual_decay = make_optimizer(s, owner)

    workers = args.workers if args.workers >= 0 else (4 if run.device.type == "cuda" else 0)
    sampler = AppOrderSampler(train_ds, run.world, run.rank, shuffle=True, seed=args.seed)
    loader_kw = {"num_workers": workers, "pin_memory": run.device.type == "cuda"}
    if workers > 0:
        loader_kw.update(prefetch_factor=args.prefetch, persistent_workers=True)
    loader = DataLoader(WeightedItems(train_ds), batch_size=micro, sampler=sampler, drop_last=False, **loader_kw)
    steps_per_epoch = math.ceil(len(train_ds) / args.batch_size)
    if args.max_steps:
        steps_per_epoch = min(steps_per_epoch, args.max_steps)
    total_steps = steps_per_epoch * args.epochs
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda k: learning_rate_factor(s, k, total_steps))

    start_epoch, step, in_epoch_done = 0, 0, 0
    best_val, since_best, best_epoch = float("inf"), 0, 0
    shift_gen = random.Random(args.seed * 1000003 + run.rank)
    if ck is not None:
        if args.fsdp:
            shard = os.path.join(ck_dir, f"optimizer-rank{run.rank}.pt")
            if os.path.exists(shard):
                optimizer.load_state_dict(torch.load(shard, map_location="cpu"))
        else:
            optimizer.load_state_dict(ck["optimizer"])
        scheduler.load_state_dict(ck["scheduler"])
        scaler.load_state_dict(ck["scaler"])
        start_epoch, step, in_epoch_done = ck["epoch"], ck["step"], ck.get("in_epoch", 0)
        best_val, since_best, best_epoch = ck["best_val"], ck["since_best"], ck["best_epoch"]
        set_rng_state(ck["rng"][run.rank] if run.rank < len(ck["rng"]) else ck["rng"][0])
        shift_gen.setstate(ck["shift"][run.rank] if run.rank < len(ck["shift"]) else ck["shift"][0])
        run.log(f"resumed from {ckpt_path} at epoch {start_epoch + 1}, step {step}", event="resume", epoch=start_epoch, step_done=step)
    elif args.resume:
        run.log(f"no {ckpt_path} yet; starting from the beginning", event="resume-missing")

    params = sum(p.numel() for p in net.parameters())
    run.log(f"{cfg['name']}: {params:,} parameters; {len(train_ds)} train / {len(data['validation'])} validation / {len(data['test'])} test ({data['kind']}); "
            f"{run.world} process(es), {run.backend}, {run.device.type}, {precision}; global batch {args.batch_size} = {run.world} × {micro} × {accum} accumulation; "
            f"{workers} loader workers; PyTorch {torch.__version__}",
            event="start", params=params, world=run.world, backend=run.backend, device=run.device.type, precision=precision, train=len(train_ds),
            validation=len(data["validation"]), test=len(data["test"]), batch_size=args.batch_size, micro_batch=micro, accumulation=accum,
            steps_per_epoch=steps_per_epoch, workers=workers, torch=torch.__version__, data_kind=data["kind"])

    def full_state():
        """The whole state dict on CPU (gathered from the shards under FSDP; call on every rank)."""
        if args.fsdp:
            from torch.distributed.fsdp import FullStateDictConfig, FullyShardedDataParallel, StateDictType

            with FullyShardedDataParallel.state_dict_type(wrapped, StateDictType.FULL_STATE_DICT, FullStateDictConfig(offload_to_cpu=True, rank0_only=True)):
                sd = wrapped.state_dict()
        else:
            sd = net.state_dict()
        return {k: v.detach().cpu() for k, v in sd.items()}

    def checkpoint(epoch_done, in_epoch):
        """Every rank's RNG state is gathered so each continues its own stream on --resume."""
        state = full_state()
        if args.fsdp:
            save_atomic(optimizer.state_dict(), os.path.join(ck_dir, f"optimizer-rank{run.rank}.pt"))
        mine = [rng_state(), shift_gen.getstate()]
        gathered = [None] * run.world
        if run.world > 1:
            dist.all_gather_object(gathered, mine)
        else:
            gathered = [mine]
        if run.rank == 0:
            save_atomic({"model": state, "optimizer": None if args.fsdp else optimizer.state_dict(), "scheduler": scheduler.state_dict(), "scaler": scaler.state_dict(),
                         "epoch": epoch_done, "step": step, "in_epoch": in_epoch, "best_val": best_val, "since_best": since_best, "best_epoch": best_epoch,
                         "rng": [g[0] for g in gathered], "shift": [g[1] for g in gathered], "config": cfg["name"], "torch": torch.__version__}, ckpt_path)

    def write_final(state, epoch_no):
        save_atomic(state, os.path.join(ck_dir, "weights.pt"))
        save_safetensors(state, os.path.join(ck_dir, "weights.safetensors"), {"epoch": epoch_no, "step": step, "model": cfg["name"]})

    smoothing = s["labelSmoothing"]
    stopped_early = False
    has_val = len(data["validation"]) > 0
    for epoch in range(start_epoch, args.epochs):
        if args.stop_after and epoch >= args.stop_after:
            run.log(f"stopped after epoch {epoch} (--stop-after); continue with --resume", event="stopped", epoch=epoch)
            break
        sampler.set_epoch(epoch)
        set_epoch(train_ds, epoch)
        skip = in_epoch_done * accum * micro if epoch == start_epoch else 0
        sampler.start_at(skip)
        in_epoch = in_epoch_done if epoch == start_epoch else 0
        if args.record_examples:
            os.makedirs(args.record_examples, exist_ok=True)
            planned = sampler.epoch_indices()[skip : skip + (steps_per_epoch - in_epoch) * accum * micro]
            with open(os.path.join(args.record_examples, f"rank{run.rank}-epoch{epoch + 1}.txt"), "w", encoding="utf-8") as f:
                f.writelines(describe_example(train_ds, int(i)) + "\n" for i in planned if i >= 0)
        in_epoch_done = 0
        t0 = win_t = time.time()
        win_n, seen, loss_sum, loss_count = 0.0, 0.0, 0.0, 0
        tally = torch.zeros(2, dtype=torch.float64, device=run.device)
        micro_k = 0
        optimizer.zero_grad(set_to_none=True)
        for xs, y, mask, weight in Prefetcher(loader, run.device):
            if in_epoch >= steps_per_epoch:
                break
            if s.get("augmentShift", 0) > 0 and len(xs) == 1:
                xs = (random_shift(xs[0], s["augmentShift"], shift_gen),)
            last_micro = micro_k == accum - 1
            sync = last_micro or not hasattr(wrapped, "no_sync")
            ctx = wrapped.no_sync() if not sync else _nullcontext()
            with ctx:
                with autocast():
                    out = fwd(*xs)
                loss_sum_b, n_b, _, _ = head_loss(head, out, y, mask, weight, smoothing)
                # The mean over the global batch: this micro-batch's share of it.
                loss = loss_sum_b / max(float(weight.numel()) * accum, 1.0) if head["type"] != "tokenClassification" else loss_sum_b / (n_b.clamp(min=1.0) * accum)
                scaler.scale(loss).backward()
            tally += torch.stack([loss_sum_b.detach().double(), n_b.detach().double()])
            win_n += float(weight.sum())
            seen += float(weight.sum())
            micro_k += 1
            if micro_k < accum:
                continue
            micro_k = 0
            if s["gradClipNorm"] > 0:
                scaler.unscale_(optimizer)
                if args.fsdp:
                    wrapped.clip_grad_norm_(s["gradClipNorm"])
                else:
                    torch.nn.utils.clip_grad_norm_(net.parameters(), s["gradClipNorm"])
            lr = optimizer.param_groups[0]["lr"]
            scaler.step(optimizer)
            scaler.update()
            optimizer.zero_grad(set_to_none=True)
            if manual_decay and s["weightDecay"] > 0:
                with torch.no_grad():
                    for p in manual_decay:
                        p.mul_(1 - lr * s["weightDecay"])
            scheduler.step()
            step += 1
            in_epoch += 1
            if step % args.log_every == 0 or in_epoch == steps_per_epoch:
                if run.device.type == "cuda":
                    torch.cuda.synchronize()
                lsum, lcount, n_all = run.all_sum([float(tally[0]), float(tally[1]), win_n])
                tally.zero_()
                lv = lsum / max(lcount, 1)
                if not math.isfinite(lv):
                    run.log(f"the loss became NaN at epoch {epoch + 1}, step {in_epoch}; lower the learning rate or set gradClipNorm", event="diverged")
                    run.close()
                    return 1
                now = time.time()
                rate = n_all / max(now - win_t, 1e-9)
                win_t, win_n = now, 0.0
                loss_sum += lv
                loss_count += 1
                run.log(f"epoch {epoch + 1} step {in_epoch}/{steps_per_epoch}: loss {lv:.4f} lr {lr:.2e} {rate:,.0f} examples/s",
                        event="step", epoch=epoch + 1, step=in_epoch, global_step=step, loss=lv, lr=lr, examples_per_s=rate)
            if args.save_every and step % args.save_every == 0 and in_epoch < steps_per_epoch:
                checkpoint(epoch, in_epoch)
        if run.device.type == "cuda":
            torch.cuda.synchronize()
        seconds = time.time() - t0
        total_seen = run.all_sum([seen])[0]
        val_loss, val_metric = evaluate(fwd, data["validation"], run, autocast, head, micro, workers) if has_val else (None, None)
        improved = val_loss is not None and val_loss < best_val - 1e-6
        if improved:
            best_val, since_best, best_epoch = val_loss, 0, epoch + 1
        elif val_loss is not None:
            since_best += 1
        metric = "accuracy" if head["type"] != "regression" else "mse"
        run.log(f"epoch {epoch + 1}: loss {loss_sum / max(loss_count, 1):.4f}" + (f" val loss {val_loss:.4f} val {metric} {val_metric:.4f}" if val_loss is not None else "")
                + f" ({seconds:.1f} s, {total_seen / seconds:,.0f} examples/s)" + (" best" if improved else ""),
                event="epoch", epoch=epoch + 1, loss=loss_sum / max(loss_count, 1), val_loss=val_loss, **{f"val_{metric}": val_metric}, seconds=seconds,
                examples_per_s=total_seen / seconds, best_epoch=best_epoch)
        state = full_state()
        if run.rank == 0:
            if improved or not has_val:
                save_atomic({"model": state, "epoch": epoch + 1, "val_loss": val_loss}, best_path)
                write_final(state, epoch + 1)
        checkpoint(epoch + 1, 0)
        if has_val and s.get("earlyStoppingPatience", 0) > 0 and since_best >= s["earlyStoppingPatience"]:
            run.log(f"validation loss did not improve for {since_best} epochs; stopped early, keeping epoch {best_epoch}", event="early-stop", best_epoch=best_epoch)
            stopped_early = True
            break
    finished = stopped_early or not (args.stop_after and args.stop_after < args.epochs)
    if finished and has_val and os.path.exists(best_path):
        best = torch.load(best_path, map_location="cpu")
        if not args.fsdp:
            net.load_state_dict(best["model"])
        run.log(f"final weights: epoch {best['epoch']} (lowest validation loss {best['val_loss']:.4f})", event="final", epoch=best["epoch"], val_loss=best["val_loss"])
    if finished and len(data["test"]):
        test_loss, test_metric = evaluate(fwd, data["test"], run, autocast, head, micro, workers)
        name = "accuracy" if head["type"] != "regression" else "mse"
        run.log(f"test loss {test_loss:.4f} {name} {test_metric:.4f}", event="done", test_loss=test_loss, **{f"test_{name}": test_metric})
    try:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
    except ImportError:  # Windows
        peak = float("nan")
    peaks = [peak] * run.world
    if run.world > 1:
        dist.all_gather_object(peaks, peak)
    run.log(f"peak memory per rank: {', '.join(f'{p:,.0f} MiB' for p in peaks)}", event="end", peak_rss_mib=peaks)
    run.close()
    return 0


class _nullcontext:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


if __name__ == "__main__":
    sys.exit(main())
