"""Train the exported model with PyTorch, on one process or many (torchrun).

    python train.py                                   # one process (CPU or one GPU)
    torchrun --standalone --nproc_per_node=2 train.py --device cpu   # 2 processes on CPU: gloo
    torchrun --standalone --nproc_per_node=8 train.py --device cuda  # 8 GPUs: NCCL, bf16 autocast

Settings come from config.json (the template's training settings); flags override them.
--batch-size is the global batch (split over the processes), so the steps per epoch and the
learning-rate schedule are those of the app whatever the number of processes.
Every epoch rank 0 writes CHECKPOINT_DIR/checkpoint.pt (model + optimizer, for --resume),
weights.pt (the state dict) and weights.safetensors (the same weights for Perceiver Studio:
Import PyTorch weights, or perceiver-studio's importPytorchWeights).
"""
import argparse
import json
import math
import os
import random
import sys
import time

import torch
import torch.distributed as dist
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import model as model_module  # noqa: E402
from data import load_dataset  # noqa: E402
from perceiver_layers import load_weights, save_safetensors  # noqa: E402


def learning_rate_at(s, step, total_steps):
    """The app's schedule (engine/train/schedule.ts): linear warm-up, then constant, cosine or step."""
    base = s["learningRate"]
    if s["warmupSteps"] > 0 and step < s["warmupSteps"]:
        return base * (step + 1) / s["warmupSteps"]
    after = step - s["warmupSteps"]
    span = max(1, total_steps - s["warmupSteps"])
    if s["schedule"] == "cosine":
        return base * 0.5 * (1 + math.cos(math.pi * min(after, span) / span))
    if s["schedule"] == "step":
        return base * s["stepGamma"] ** (after // s["stepEvery"])
    return base


def make_optimizer(s, params):
    # tfjs' Adam uses epsilon 1e-7; weight decay is applied separately (decoupled), as in the app.
    if s["optimizer"] == "sgd":
        return torch.optim.SGD(params, lr=s["learningRate"], momentum=s["momentum"])
    return torch.optim.Adam(params, lr=s["learningRate"], betas=(0.9, 0.999), eps=1e-7)


def parse_args(cfg):
    t = cfg["training"]
    p = argparse.ArgumentParser(description=f"Train {cfg['name']} (exported from Perceiver Studio)")
    p.add_argument("--data", default=os.path.join(HERE, cfg["data"]["file"]) if cfg["data"].get("file") else None, help="data file or folder (default: the exported data)")
    p.add_argument("--target", default=cfg["data"].get("target"), help="label column / array name")
    p.add_argument("--epochs", type=int, default=t["epochs"])
    p.add_argument("--batch-size", type=int, default=t["batchSize"], help="global batch size (all processes together)")
    p.add_argument("--lr", type=float, default=t["learningRate"])
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    p.add_argument("--precision", default="auto", choices=["auto", "fp32", "bf16", "fp16"], help="auto: bf16 on GPUs that support it, else fp16; fp32 on CPU")
    p.add_argument("--subset", type=int, default=0, help="train on only the first N training examples (quick checks)")
    p.add_argument("--max-steps", type=int, default=0, help="limit the steps per epoch")
    p.add_argument("--checkpoint-dir", default=os.path.join(HERE, "checkpoints"))
    p.add_argument("--resume", action="store_true", help="continue from CHECKPOINT_DIR/checkpoint.pt")
    p.add_argument("--weights", default=None, help="start from these weights (weights.pt or .safetensors)")
    p.add_argument("--log-every", type=int, default=10, help="print the loss every N steps")
    p.add_argument("--seed", type=int, default=t["seed"])
    p.add_argument("--json", action="store_true", help="print JSON lines")
    p.add_argument("--compile", action="store_true", help="torch.compile the model (PyTorch 2)")
    return p.parse_args()


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
            torch.set_num_threads(max(1, (os.cpu_count() or 1) // local))
        self.backend = "nccl" if want_cuda else "gloo"
        if self.world > 1:
            dist.init_process_group(self.backend)
        self.json = args.json
        # Rank 0 also appends every record to CHECKPOINT_DIR/metrics.jsonl (one JSON object a line).
        self.metrics_file = None
        if self.rank == 0:
            os.makedirs(args.checkpoint_dir, exist_ok=True)
            self.metrics_file = os.path.join(args.checkpoint_dir, "metrics.jsonl")
            if not args.resume and os.path.exists(self.metrics_file):
                os.remove(self.metrics_file)

    def log(self, text, **record):
        if self.rank != 0:
            return
        print(json.dumps(record) if self.json else text, flush=True)
        if self.metrics_file:
            with open(self.metrics_file, "a") as f:
                f.write(json.dumps(record) + "\n")

    def all_sum(self, values):
        t = torch.tensor(values, dtype=torch.float64, device=self.device)
        if self.world > 1:
            dist.all_reduce(t)
        return t.tolist()


def random_shift(x, max_shift, rng):
    """The app's training augmentation (augmentShift): shift each [H, W, C] image by an integer
    offset in [-max, max]^2 with zero fill."""
    if max_shift <= 0 or x.dim() != 4:
        return x
    n, h, w, _ = x.shape
    padded = F.pad(x, (0, 0, max_shift, max_shift, max_shift, max_shift))
    offsets = [(rng.randint(0, 2 * max_shift), rng.randint(0, 2 * max_shift)) for _ in range(n)]
    return torch.stack([padded[i, 2 * max_shift - oy:2 * max_shift - oy + h, 2 * max_shift - ox:2 * max_shift - ox + w] for i, (oy, ox) in enumerate(offsets)])


def batches(x, y, batch, rank, world, shuffle, seed, epoch, device):
    """This rank's share of each global batch: the same permutation on every rank (seed, epoch),
    global batches of batch*world examples, rank r takes rows r, r+world, ..."""
    n = x.shape[0]
    if shuffle:
        g = torch.Generator()
        g.manual_seed(seed * 1000003 + epoch)
        order = torch.randperm(n, generator=g)
    else:
        order = torch.arange(n)
    global_batch = batch * world
    for start in range(0, n, global_batch):
        idx = order[start : start + global_batch][rank::world]
        if idx.numel() == 0:
            # A short last batch leaves this rank empty: it still takes part in the all-reduce.
            idx = order[start : start + 1]
            yield x[idx].to(device, non_blocking=True), y[idx].to(device, non_blocking=True), 0.0
            continue
        yield x[idx].to(device, non_blocking=True), y[idx].to(device, non_blocking=True), 1.0


def evaluate(net, ds, run, autocast, batch=256):
    """Loss and accuracy over a split, sharded across ranks and summed exactly."""
    net.eval()
    x, y = ds.tensors
    loss_sum, correct, count = 0.0, 0.0, 0.0
    with torch.no_grad():
        for start in range(run.rank * batch, x.shape[0], batch * run.world):
            xb, yb = x[start : start + batch].to(run.device), y[start : start + batch].to(run.device)
            with autocast():
                logits = net(xb).float()
            loss_sum += F.cross_entropy(logits, yb, reduction="sum").item()
            correct += (logits.argmax(-1) == yb).sum().item()
            count += yb.numel()
    net.train()
    loss_sum, correct, count = run.all_sum([loss_sum, correct, count])
    return (loss_sum / count, correct / count) if count else (float("nan"), float("nan"))


def save_atomic(obj, path):
    torch.save(obj, path + ".tmp")
    os.replace(path + ".tmp", path)


def main():
    with open(os.path.join(HERE, "config.json")) as f:
        cfg = json.load(f)
    args = parse_args(cfg)
    run = Run(args)
    s = dict(cfg["training"])
    s["learningRate"] = args.lr
    inputs = list(model_module.INPUTS.items())
    heads = list(model_module.HEADS.items())
    if len(inputs) != 1 or len(heads) != 1 or heads[0][1]["type"] != "classification":
        sys.exit("train.py trains models with one input and one classification head (as the app does)")
    input_shape = inputs[0][1]
    classes = heads[0][1]["classes"]
    if not args.data:
        sys.exit("train.py: give the data with --data PATH (the template has no exported data)")

    d = cfg["data"]
    data = load_dataset(args.data, input_shape, target=args.target, validation_fraction=d.get("validationFraction", 0.1),
                        test_fraction=d.get("testFraction", 0.2), seed=d.get("seed", 1), normalization=d.get("normalize", "none"),
                        subset=args.subset or None)
    if len(data["class_names"]) > classes:
        sys.exit(f"train.py: the data has {len(data['class_names'])} classes but the head predicts {classes}")

    torch.manual_seed(args.seed)
    net = model_module.build_model(device=run.device)
    if args.weights:
        load_weights(net, args.weights)
    per_rank = args.batch_size // run.world
    if per_rank < 1:
        sys.exit(f"train.py: --batch-size {args.batch_size} is smaller than the {run.world} processes")
    if run.world > 1:
        # Start every rank from rank 0's weights.
        for p in net.parameters():
            dist.broadcast(p.data, 0)
    ddp = torch.nn.parallel.DistributedDataParallel(net, device_ids=[run.local_rank] if run.device.type == "cuda" else None) if run.world > 1 else net
    fwd = torch.compile(ddp) if args.compile and hasattr(torch, "compile") else ddp

    precision = args.precision
    if precision == "auto":
        precision = ("bf16" if torch.cuda.is_bf16_supported() else "fp16") if run.device.type == "cuda" else "fp32"
    if precision != "fp32" and run.device.type != "cuda":
        sys.exit("train.py: bf16/fp16 autocast is for GPUs; use --precision fp32 on CPU")
    amp_dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(precision)

    def autocast():
        return torch.autocast(device_type="cuda", dtype=amp_dtype) if amp_dtype else torch.autocast(device_type="cpu", enabled=False)

    scaler = torch.cuda.amp.GradScaler(enabled=precision == "fp16")
    optimizer = make_optimizer(s, net.parameters())
    decay = [p for p in net.parameters() if p.dim() >= 2]  # kernels and arrays, not biases or norms

    x_train, y_train = data["train"].tensors
    if run.device.type == "cuda" and x_train.numel() * 4 < (2 << 30):
        x_train, y_train = x_train.to(run.device), y_train.to(run.device)  # small data: keep it on the GPU
    elif run.device.type == "cuda":
        x_train, y_train = x_train.pin_memory(), y_train.pin_memory()
    steps_per_epoch = math.ceil(x_train.shape[0] / args.batch_size)
    if args.max_steps:
        steps_per_epoch = min(steps_per_epoch, args.max_steps)
    total_steps = steps_per_epoch * args.epochs

    os.makedirs(args.checkpoint_dir, exist_ok=True)
    ckpt_path = os.path.join(args.checkpoint_dir, "checkpoint.pt")
    start_epoch, step = 0, 0
    if args.resume and os.path.exists(ckpt_path):
        ck = torch.load(ckpt_path, map_location=run.device)
        net.load_state_dict(ck["model"])
        optimizer.load_state_dict(ck["optimizer"])
        start_epoch, step = ck["epoch"], ck["step"]
        run.log(f"resumed from {ckpt_path} at epoch {start_epoch}", event="resume", epoch=start_epoch)

    params = sum(p.numel() for p in net.parameters())
    run.log(f"{cfg['name']}: {params:,} parameters; {len(data['train'])} train / {len(data['validation'])} validation / {len(data['test'])} test; "
            f"{run.world} process(es), {run.backend}, {run.device.type}, {precision}; global batch {args.batch_size}",
            event="start", params=params, world=run.world, backend=run.backend, device=run.device.type, precision=precision,
            train=len(data["train"]), batch_size=args.batch_size, steps_per_epoch=steps_per_epoch)

    best_val, since_best = float("inf"), 0
    shift_gen = random.Random(args.seed * 1000003 + run.rank)
    for epoch in range(start_epoch, args.epochs):
        t0 = time.time()
        win_t, win_n = time.time(), 0.0
        loss_sum, loss_count, seen = 0.0, 0, 0
        in_epoch = 0
        for xb, yb, weight in batches(x_train, y_train, per_rank, run.rank, run.world, True, args.seed, epoch, run.device):
            if in_epoch >= steps_per_epoch:
                break
            lr = learning_rate_at(s, step, total_steps)
            for g in optimizer.param_groups:
                g["lr"] = lr
            if s.get("augmentShift", 0) > 0:
                xb = random_shift(xb, s["augmentShift"], shift_gen)
            with autocast():
                logits = fwd(xb)
            loss = F.cross_entropy(logits.float(), yb, label_smoothing=s["labelSmoothing"]) * weight
            optimizer.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()
            if s["gradClipNorm"] > 0:
                scaler.unscale_(optimizer)
                torch.nn.utils.clip_grad_norm_(net.parameters(), s["gradClipNorm"])
            scaler.step(optimizer)
            scaler.update()
            if s["weightDecay"] > 0:
                with torch.no_grad():
                    for p in decay:
                        p.mul_(1 - lr * s["weightDecay"])
            step += 1
            in_epoch += 1
            win_n += yb.shape[0] * weight
            seen += yb.shape[0] * weight
            if step % args.log_every == 0 or in_epoch == steps_per_epoch:
                if run.device.type == "cuda":
                    torch.cuda.synchronize()
                lv, n_all = run.all_sum([loss.item(), win_n])
                lv /= run.world
                if not math.isfinite(lv):
                    run.log(f"the loss became NaN at epoch {epoch + 1}, step {in_epoch}; lower the learning rate or set gradClipNorm", event="diverged")
                    sys.exit(1)
                now = time.time()
                rate = n_all / max(now - win_t, 1e-9)
                win_t, win_n = now, 0.0
                loss_sum += lv
                loss_count += 1
                run.log(f"epoch {epoch + 1} step {in_epoch}/{steps_per_epoch}: loss {lv:.4f} lr {lr:.2e} {rate:,.0f} examples/s",
                        event="step", epoch=epoch + 1, step=in_epoch, loss=lv, lr=lr, examples_per_s=rate)
        if run.device.type == "cuda":
            torch.cuda.synchronize()
        seconds = time.time() - t0
        total_seen = run.all_sum([seen])[0]
        val_loss, val_acc = evaluate(net, data["validation"], run, autocast) if len(data["validation"]) else (None, None)
        run.log(f"epoch {epoch + 1}: loss {loss_sum / max(loss_count, 1):.4f}" + (f" val loss {val_loss:.4f} val acc {val_acc * 100:.1f}%" if val_loss is not None else "")
                + f" ({seconds:.1f} s, {total_seen / seconds:,.0f} examples/s)",
                event="epoch", epoch=epoch + 1, loss=loss_sum / max(loss_count, 1), val_loss=val_loss, val_accuracy=val_acc, seconds=seconds,
                examples_per_s=total_seen / seconds)
        if run.rank == 0:
            state = {k: v.detach().cpu() for k, v in net.state_dict().items()}
            save_atomic({"model": state, "optimizer": optimizer.state_dict(), "epoch": epoch + 1, "step": step, "config": cfg["name"]}, ckpt_path)
            save_atomic(state, os.path.join(args.checkpoint_dir, "weights.pt"))
            save_safetensors(state, os.path.join(args.checkpoint_dir, "weights.safetensors"), {"epoch": epoch + 1, "step": step, "model": cfg["name"]})
        if val_loss is not None and s.get("earlyStoppingPatience", 0) > 0:
            if val_loss < best_val - 1e-6:
                best_val, since_best = val_loss, 0
            else:
                since_best += 1
                if since_best >= s["earlyStoppingPatience"]:
                    run.log(f"validation loss did not improve for {since_best} epochs; stopped early", event="early-stop")
                    break
    if len(data["test"]):
        test_loss, test_acc = evaluate(net, data["test"], run, autocast)
        run.log(f"test loss {test_loss:.4f} accuracy {test_acc * 100:.2f}%", event="done", test_loss=test_loss, test_accuracy=test_acc)
    if run.world > 1:
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
