"""Datasets for train.py, with Perceiver Studio's rules, decoded lazily per example.

open_dataset(path, spec) returns {"train", "validation", "test"} torch Datasets plus
"class_names", "normalization" and "kind". Every example is read and decoded when a DataLoader
worker asks for it (image folders, audio, point clouds, multimodal folders) or sliced from a
memory map (.npy, stored .npz members, text), so a rank holds only the batches in flight
whatever the size of the data. An example is a tuple (inputs, target, mask): inputs a tuple of
float32 (or int64 ids) tensors in model-input order, target int64 (classes, tokens) or float32
(regression), mask float32 per position (masked tokens) or an empty tensor.

Formats (the app's engine/data rules):
* .npz exported by Perceiver Studio: x_train, y_train, x_val, y_val, x_test, y_test (+ "scale",
  applied to x: MNIST is stored as bytes with scale 1/255). Used exactly as split.
* .npz with one feature and one label array ("x"/"y" or inputs/labels/images/targets...; --target
  names the labels), or one array per model input plus "y": split like the app.
* .npy: a table [rows, columns], the class in the last column (or --target N, 1-based).
* .csv / .tsv: a header row (or none); the class column by --target name or number (default the
  last); every other column is a numeric feature.  .json: [{"f": 1, ..., "label": "a"}] or {"x", "y"}.
* a folder with one subfolder per class of images (PNG/JPEG; Pillow), WAV audio, or point clouds
  (.ply, .off, .xyz, .npy), or of clips (subfolders of frame images, or .npy [T, H, W, C]).
* a folder of example folders, one file per model input named after it (image.png, audio.wav,
  points.ply, ...) and label.txt: multimodal examples.
* text (.txt, .md, ...): windows of UTF-8 bytes with masked positions (masked-byte models).

The split (mulberry32 + Fisher-Yates, held-out sizes round(n*f) but at least min(30, 10% of n)),
the batch order per epoch and normalisation statistics (train split only, per last-axis channel)
are the engine's, bit for bit: the same seed puts the same examples in train/val/test as the app
and the CLI (tested against the TypeScript engine).
"""
import csv
import json
import math
import os
import re
import struct
import zipfile

import numpy as np
import torch
from torch.utils.data import Dataset
from torch.utils.data.distributed import DistributedSampler

X_NAMES = ["x", "X", "inputs", "features", "data", "images", "x_train"]
Y_NAMES = ["y", "Y", "labels", "label", "targets", "target", "classes", "y_train"]
JSON_TARGETS = ["label", "labels", "y", "target", "class"]
NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
IMAGE_EXT = (".png", ".jpg", ".jpeg")
AUDIO_EXT = (".wav",)
POINT_EXT = (".ply", ".off", ".xyz", ".pts")
TEXT_EXT = (".txt", ".text", ".md", ".markdown", ".rst", ".log", ".html", ".htm", ".xml", ".tex")
PAD_ID, MASK_ID, BYTE_OFFSET, BYTE_VOCAB = 0, 3, 6, 262
EMPTY = torch.zeros(0)


class DataError(ValueError):
    pass


# -- the app's seeded randomness (engine/data/random.ts) -----------------------------------------
def _imul(a, b):
    return (a * b) & 0xFFFFFFFF


def mulberry32(seed):
    """engine/data/random.ts mulberry32: floats in [0, 1), bit for bit."""
    state = [seed & 0xFFFFFFFF]

    def rand():
        state[0] = (state[0] + 0x6D2B79F5) & 0xFFFFFFFF
        t = state[0]
        t = _imul(t ^ (t >> 15), t | 1)
        t ^= (t + _imul(t ^ (t >> 7), t | 61)) & 0xFFFFFFFF
        return ((t ^ (t >> 14)) & 0xFFFFFFFF) / 4294967296

    return rand


def permutation(n, seed):
    """engine/data/random.ts permutation: Fisher-Yates over 0..n-1 driven by mulberry32(seed)."""
    p = list(range(n))
    rand = mulberry32(seed)
    for i in range(n - 1, 0, -1):
        j = int(rand() * (i + 1))
        p[i], p[j] = p[j], p[i]
    return np.array(p, dtype=np.int64)


def _round(v):
    """JavaScript's Math.round (halves go up)."""
    return int(math.floor(v + 0.5))


def held_out_count(n, fraction):
    """engine/data/dataset.ts heldOutCount: round(n*f), but never fewer than min(30, 10% of n)."""
    if not fraction > 0:
        return 0
    return min(n, max(_round(n * fraction), min(30, _round(n * 0.1))))


def split_indices(n, validation_fraction=0.1, test_fraction=0.2, seed=1):
    """engine/data/dataset.ts splitIndices: test first, then validation, the rest trains."""
    p = permutation(n, seed)
    n_test = held_out_count(n, test_fraction)
    n_val = min(held_out_count(n, validation_fraction), n - n_test)
    return {"test": p[:n_test], "validation": p[n_test : n_test + n_val], "train": p[n_test + n_val :]}


def epoch_seed(seed, epoch):
    """The seed of an epoch's batch order (engine/data/dataset.ts: seed*1000003 + epoch, uint32)."""
    return (seed * 1000003 + epoch) & 0xFFFFFFFF


class AppOrderSampler(DistributedSampler):
    """A DistributedSampler whose epoch order is the app's (permutation(n, epoch_seed(seed, epoch)));
    rank r takes positions r, r+world, ... so the ranks' shares of a global batch are disjoint and
    together are the app's batch. set_epoch() each epoch as usual. The last global batch is padded
    (as DistributedSampler pads) with indices encoded as -1-i, which WeightedItems turns into
    weight 0, so padding never counts twice in the loss or the metrics. start_at(k) skips this
    rank's first k examples of the epoch (resuming mid-epoch)."""

    def __init__(self, dataset, num_replicas=1, rank=0, shuffle=True, seed=0):
        super().__init__(dataset, num_replicas=num_replicas, rank=rank, shuffle=shuffle, seed=seed, drop_last=False)
        self.skip = 0

    def start_at(self, k):
        self.skip = k

    def epoch_indices(self):
        """This rank's indices for the epoch (padding as -1-i), before any start_at skip."""
        n = len(self.dataset)
        order = permutation(n, epoch_seed(self.seed, self.epoch)) if self.shuffle else np.arange(n, dtype=np.int64)
        if self.total_size > n:
            pad = -1 - order[: self.total_size - n]
            while pad.shape[0] < self.total_size - n:  # fewer examples than ranks
                pad = np.concatenate([pad, pad])
            order = np.concatenate([order, pad[: self.total_size - n]])
        return order[self.rank : self.total_size : self.num_replicas]

    def __iter__(self):
        mine = self.epoch_indices()[self.skip :]
        self.skip = 0
        return iter(mine.tolist())


class WeightedItems(Dataset):
    """(inputs, target, mask, weight): weight 0 for the padding AppOrderSampler adds."""

    def __init__(self, base):
        self.base = base

    def __len__(self):
        return len(self.base)

    def __getitem__(self, i):
        if i < 0:
            return (*self.base[-1 - i], torch.tensor(0.0))
        return (*self.base[i], torch.tensor(1.0))


# -- classes -------------------------------------------------------------------------------------
def _js_number_text(t):
    v = float(t)
    return str(int(v)) if v == int(v) else repr(v)


def classes_from_targets(targets, column, where=""):
    """engine/data/tabular.ts classesFromTargets: integers sort numerically, names as text."""
    targets = [str(t).strip() for t in targets]
    numeric = all(NUMBER.match(t) for t in targets)
    if numeric:
        for i, t in enumerate(targets):
            if float(t) != int(float(t)):
                raise DataError(f'{where}the target "{column}" has {t} at row {i + 1}; targets must be classes (integers or names)')
        targets = [_js_number_text(t) for t in targets]
        names = sorted(set(targets), key=lambda s: float(s))
    else:
        names = sorted(set(targets))
    if len(names) < 2:
        raise DataError(f'{where}the target "{column}" has only one class; a classifier needs at least two')
    if len(names) > 20 and len(names) > len(targets) / 2:
        raise DataError(f'{where}the target "{column}" has {len(names)} distinct values in {len(targets)} rows; it looks like an id or a measurement, '
                        "not a class: choose the class column with --target")
    index = {v: i for i, v in enumerate(names)}
    return np.array([index[t] for t in targets], dtype=np.int64), names


def locale_sorted(names):
    """Class folders in the order of JavaScript's localeCompare (case-insensitive first, lower
    case before upper case on ties), which the app uses for class names."""
    return sorted(names, key=lambda s: (s.casefold(), s.swapcase()))


# -- normalisation (engine/data/tabular.ts fitNormalization), from train examples only ----------
def fit_normalization(chunks, kind, channels):
    """Per-channel (last axis) statistics over an iterable of float arrays [..., channels]."""
    if kind in (None, "none"):
        return {"kind": "none", "offset": [0.0] * channels, "scale": [1.0] * channels}
    lo = np.full(channels, np.inf)
    hi = np.full(channels, -np.inf)
    s = np.zeros(channels)
    sq = np.zeros(channels)
    count = 0
    for c in chunks:
        c = np.asarray(c, dtype=np.float64).reshape(-1, channels)
        lo = np.minimum(lo, c.min(0))
        hi = np.maximum(hi, c.max(0))
        s += c.sum(0)
        sq += (c * c).sum(0)
        count += c.shape[0]
    if kind == "minmax":
        offset = np.where(np.isfinite(lo), lo, 0.0)
        scale = np.where(hi - lo > 0, 1.0 / np.where(hi - lo > 0, hi - lo, 1.0), 1.0)
    else:
        mean = s / max(count, 1)
        std = np.sqrt(np.maximum(0.0, sq / max(count, 1) - mean * mean))
        offset, scale = mean, np.where(std > 1e-12, 1.0 / np.where(std > 1e-12, std, 1.0), 1.0)
    return {"kind": kind, "offset": offset.tolist(), "scale": scale.tolist()}


def apply_normalization(x, norm):
    if norm is None or norm["kind"] == "none":
        return x
    return ((x - np.asarray(norm["offset"], np.float32)) * np.asarray(norm["scale"], np.float32)).astype(np.float32)


# -- memory-mapped arrays ------------------------------------------------------------------------
def npz_arrays(path):
    """An .npz's arrays: members stored without compression (np.savez, the app's export) are
    memory-mapped in place; compressed members (np.savez_compressed) are read into memory."""
    out = {}
    with zipfile.ZipFile(path) as z, open(path, "rb") as f:
        for info in z.infolist():
            if not info.filename.endswith(".npy"):
                continue
            name = info.filename[:-4]
            if info.compress_type != zipfile.ZIP_STORED:
                with z.open(info) as m:
                    out[name] = np.lib.format.read_array(m, allow_pickle=False)
                continue
            f.seek(info.header_offset)
            local = f.read(30)
            if local[:4] != b"PK\x03\x04":
                raise DataError(f"{path}: member {info.filename} has a broken local header")
            n_name, n_extra = struct.unpack("<HH", local[26:30])
            f.seek(info.header_offset + 30 + n_name + n_extra)
            version = np.lib.format.read_magic(f)
            shape, fortran, dtype = np.lib.format._read_array_header(f, version)
            if dtype.hasobject:
                raise DataError(f"{path}: {info.filename} holds Python objects; save plain numbers")
            count = int(np.prod(shape)) if shape else 1
            out[name] = np.memmap(path, dtype=dtype, mode="r", offset=f.tell(), shape=shape, order="F" if fortran else "C") if count else np.zeros(shape, dtype)
    return out


# -- tables (small: parsed up front, as the app does) --------------------------------------------
def read_csv(path, target=None):
    with open(path, newline="", encoding="utf-8-sig") as f:
        text = f.read()
    delimiter = "\t" if path.lower().endswith(".tsv") else max([",", ";", "\t"], key=lambda d: text.split("\n", 1)[0].count(d))
    rows = [r for r in csv.reader(text.splitlines(), delimiter=delimiter) if any(c.strip() for c in r)]
    if not rows:
        raise DataError(f"{path} is empty")
    header = not all(NUMBER.match(c.strip()) for i, c in enumerate(rows[0]) if i != len(rows[0]) - 1)
    names = [c.strip() for c in rows[0]] if header else [f"column {i + 1}" for i in range(len(rows[0]))]
    body = rows[1:] if header else rows
    if target in (None, ""):
        t = len(names) - 1
    elif target in names:
        t = names.index(target)
    elif str(target).isdigit() and 1 <= int(target) <= len(names):
        t = int(target) - 1
    else:
        raise DataError(f'{path}: there is no target column "{target}"; the columns are {", ".join(names)}')
    feats, targets = [], []
    for line, r in enumerate(body, start=2 if header else 1):
        if len(r) != len(names):
            raise DataError(f"{path} line {line}: {len(r)} fields, expected {len(names)}")
        try:
            feats.append([float(c) for i, c in enumerate(r) if i != t])
        except ValueError as e:
            raise DataError(f"{path} line {line}: a feature is not a number ({e})")
        targets.append(r[t])
    return np.array(feats, dtype=np.float32), targets, names[t]


def read_json(path, target=None):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    if isinstance(doc, dict) and "x" in doc and "y" in doc:
        return np.array(doc["x"], dtype=np.float32), list(doc["y"]), "y"
    if not isinstance(doc, list) or not doc or not isinstance(doc[0], dict):
        raise DataError(f'{path}: expected an array of objects or {{"x": [...], "y": [...]}}')
    keys = list(doc[0].keys())
    target = target or next((k for k in JSON_TARGETS if k in keys), keys[-1])
    features = [k for k in keys if k != target]
    try:
        x = np.array([[float(o[k]) for k in features] for o in doc], dtype=np.float32)
    except (KeyError, TypeError, ValueError) as e:
        raise DataError(f"{path}: every object needs the numeric features {', '.join(features)} ({e})")
    return x, [o[target] for o in doc], target


class ArrayItems(Dataset):
    """Rows of an array (in memory or memory-mapped), normalised per channel, reshaped to the
    model input; targets are classes, or float values for a regression head."""

    def __init__(self, x, y, rows, input_shape, norm=None, scale=1.0, regression=False):
        self.x, self.y, self.rows = x, y, np.asarray(rows, dtype=np.int64)
        self.input_shape, self.norm, self.scale, self.regression = tuple(input_shape), norm, scale, regression
        if int(np.prod(x.shape[1:])) != int(np.prod(self.input_shape)):
            raise DataError(f"examples have shape {tuple(x.shape[1:])} but the model input is {self.input_shape}")

    def __len__(self):
        return self.rows.shape[0]

    def __getitem__(self, i):
        r = int(self.rows[i])
        x = np.asarray(self.x[r], dtype=np.float32) * np.float32(self.scale)
        x = apply_normalization(x, self.norm).reshape(self.input_shape)
        y = torch.tensor(np.asarray(self.y[r]), dtype=torch.float32) if self.regression else torch.tensor(int(self.y[r]), dtype=torch.int64)
        return (torch.from_numpy(np.ascontiguousarray(x)),), y, EMPTY


def _table_splits(x, labels, spec, norm_rows_fn=None):
    s = split_indices(x.shape[0], spec["validation_fraction"], spec["test_fraction"], spec["seed"])
    if s["train"].shape[0] == 0:
        raise DataError(f"{x.shape[0]} examples leave nothing to train on after the validation and test fractions")
    channels = int(x.shape[-1]) if x.ndim > 1 else 1
    train_rows = np.sort(s["train"])
    chunks = (x[train_rows[k : k + 4096]] for k in range(0, train_rows.shape[0], 4096))
    norm = fit_normalization(chunks, spec.get("normalize", "none"), channels)
    return s, norm


def array_dataset(x, targets, column, spec, path):
    if spec.get("regression"):
        labels, names = np.asarray(targets, dtype=np.float32), []
    else:
        labels, names = classes_from_targets(targets, column, f"{path}: ")
    s, norm = _table_splits(x, labels, spec)
    mk = lambda rows: ArrayItems(x, labels, rows, spec["input_shape"], norm, regression=spec.get("regression", False))  # noqa: E731
    return {"train": mk(s["train"]), "validation": mk(s["validation"]), "test": mk(s["test"]), "class_names": names, "normalization": norm}


# -- images (engine/data/resize.ts: channel conversion + antialiased triangle resampling) --------
def _contributions(src, dst):
    """The resampling matrix [dst, src] of engine/data/resize.ts (weights rounded to float32)."""
    scale = src / dst
    support = max(1.0, scale)
    m = np.zeros((dst, src), dtype=np.float64)
    for i in range(dst):
        center = (i + 0.5) * scale
        start = max(0, int(math.floor(center - support)))
        end = min(src, int(math.ceil(center + support)))
        w = np.array([max(0.0, 1 - abs((j + 0.5 - center) / support)) for j in range(start, end)])
        if w.sum() == 0:
            m[i, min(src - 1, max(0, int(math.floor(center))))] = 1.0
            continue
        m[i, start:end] = (w.astype(np.float32) / np.float32(w.sum())).astype(np.float32)
    return m


_MATRICES = {}


def image_to_input(pixels, height, width, channels):
    """uint8 [h, w, c] (c = 1..4) → float32 [height, width, channels] in 0..1, as the app."""
    h, w, c = pixels.shape
    p = pixels.astype(np.float64)
    r = p[..., 0]
    g = p[..., 1] if c >= 3 else r
    b = p[..., 2] if c >= 3 else r
    if channels == 1:
        x = ((0.299 * r + 0.587 * g + 0.114 * b) / 255)[..., None]
    elif channels == 3:
        x = np.stack([r, g, b], -1) / 255
    else:
        x = np.stack([p[..., k] if k < c else (np.full_like(r, 255) if k == 3 else r) for k in range(channels)], -1) / 255
    x = x.astype(np.float32)
    if (h, w) == (height, width):
        return x
    key = (w, width, h, height)
    if key not in _MATRICES:
        _MATRICES[key] = (_contributions(w, width), _contributions(h, height))
    mx, my = _MATRICES[key]
    tmp = np.einsum("xw,hwc->hxc", mx, x.astype(np.float64)).astype(np.float32)
    return np.einsum("yh,hxc->yxc", my, tmp.astype(np.float64)).astype(np.float32)


def decode_image(path):
    """PNG/JPEG → uint8 [h, w, c] with the channels the file has (grey, grey+alpha, RGB, RGBA)."""
    try:
        from PIL import Image
    except ImportError:
        raise DataError("reading images needs Pillow: pip install pillow")
    try:
        with Image.open(path) as img:
            img.load()
            mode = {"1": "L", "L": "L", "LA": "LA", "I;16": "L", "I": "L", "RGB": "RGB", "RGBA": "RGBA", "P": "RGBA", "CMYK": "RGB", "YCbCr": "RGB"}.get(img.mode, "RGB")
            a = np.asarray(img.convert(mode), dtype=np.uint8)
    except (OSError, SyntaxError, ValueError) as e:
        raise DataError(f"{path}: cannot decode the image ({e}); remove it or re-save it as PNG or JPEG")
    return a[..., None] if a.ndim == 2 else a


def load_image(path, shape):
    return image_to_input(decode_image(path), shape[-3], shape[-2], shape[-1])


class FileItems(Dataset):
    """One file per example, decoded when asked for: images, audio, point clouds, clips."""

    def __init__(self, files, labels, rows, decode, norm=None, augment=None):
        self.files, self.labels, self.rows = files, labels, np.asarray(rows, dtype=np.int64)
        self.decode, self.norm, self.augment = decode, norm, augment
        self.epoch = 0

    def set_epoch(self, epoch):
        self.epoch = epoch

    def __len__(self):
        return self.rows.shape[0]

    def raw(self, i):
        return self.decode(self.files[int(self.rows[i])])

    def __getitem__(self, i):
        r = int(self.rows[i])
        x = self.decode(self.files[r])
        if self.augment is not None:
            x = self.augment(x, r, self.epoch)
        x = apply_normalization(x, self.norm)
        return (torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)),), torch.tensor(int(self.labels[r]), dtype=torch.int64), EMPTY


def class_folder_index(path, extensions, what):
    """engine/data/images.ts indexImageFolder: classes sorted, files sorted, non-matching skipped."""
    entries = sorted(e for e in os.listdir(path) if not e.startswith("."))
    classes = locale_sorted([d for d in entries if os.path.isdir(os.path.join(path, d))])
    if not classes:
        raise DataError(f"{path}: the folder has no class subfolders; put the {what} of each class in a subfolder named after the class")
    files, labels, skipped = [], [], 0
    for k, name in enumerate(classes):
        members = sorted(f for f in os.listdir(os.path.join(path, name)) if not f.startswith("."))
        chosen = [f for f in members if f.lower().endswith(extensions)]
        skipped += len(members) - len(chosen)
        if not chosen:
            raise DataError(f'{path}: the class folder "{name}" has no {what} ({", ".join(extensions)}); add some or remove the folder')
        files += [os.path.join(path, name, f) for f in chosen]
        labels += [k] * len(chosen)
    if len(classes) < 2:
        raise DataError(f'{path}: only one class folder ("{classes[0]}"); a classifier needs at least two')
    return files, np.array(labels, dtype=np.int64), classes, skipped


def sampled_normalization(items, kind, channels, seed, sample=256):
    """engine/data/images.ts sampleNormalization: a seeded sample of the train split."""
    if kind in (None, "none"):
        return None
    order = permutation(len(items), (seed ^ 0x5EED) & 0xFFFFFFFF)
    return fit_normalization((items.raw(int(order[i])) for i in range(min(sample, len(items)))), kind, channels)


def folder_dataset(files, labels, names, spec, decode, channels, augment=None):
    s = split_indices(len(files), spec["validation_fraction"], spec["test_fraction"], spec["seed"])
    if s["train"].shape[0] == 0:
        raise DataError(f"{len(files)} examples leave nothing to train on after the validation and test fractions")
    train = FileItems(files, labels, s["train"], decode, augment=augment)
    norm = sampled_normalization(train, spec.get("normalize", "none"), channels, spec["seed"])
    train.norm = norm
    return {"train": train, "validation": FileItems(files, labels, s["validation"], decode, norm), "test": FileItems(files, labels, s["test"], decode, norm),
            "class_names": names, "normalization": norm}


# -- audio: WAV (PCM 8/16/24/32-bit, float32/64), resampled and cropped/padded to the input ------
def read_wav(path):
    """→ (float32 [frames, channels] in -1..1, sample rate)."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 12 or data[:4] not in (b"RIFF", b"RF64") or data[8:12] != b"WAVE":
        raise DataError(f"{path}: not a WAV file (no RIFF/WAVE header)")
    pos, fmt, pcm = 12, None, None
    while pos + 8 <= len(data):
        cid, size = data[pos : pos + 4], struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        body = data[pos + 8 : pos + 8 + size]
        if cid == b"fmt ":
            if len(body) < 16:
                raise DataError(f"{path}: truncated fmt chunk")
            fmt = struct.unpack("<HHIIHH", body[:16])
            if fmt[0] == 0xFFFE and len(body) >= 26:
                fmt = (struct.unpack("<H", body[24:26])[0],) + fmt[1:]
        elif cid == b"data":
            if len(body) < size:
                raise DataError(f"{path}: the data chunk declares {size} bytes but the file holds {len(body)}; the WAV is truncated")
            pcm = body
        pos += 8 + size + (size & 1)
    if fmt is None or pcm is None:
        raise DataError(f"{path}: the WAV has no {'fmt' if fmt is None else 'data'} chunk")
    tag, channels, rate, _, _, bits = fmt
    if channels < 1:
        raise DataError(f"{path}: the WAV declares {channels} channels")
    width = bits // 8
    frames = len(pcm) // (width * channels)
    raw = pcm[: frames * width * channels]
    if tag == 3 and bits in (32, 64):
        x = np.frombuffer(raw, dtype="<f4" if bits == 32 else "<f8").astype(np.float32)
    elif tag == 1 and bits == 8:
        x = (np.frombuffer(raw, dtype=np.uint8).astype(np.float32) - 128) / 128
    elif tag == 1 and bits == 16:
        x = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768
    elif tag == 1 and bits == 24:
        b = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        v = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        x = (np.where(v >= 1 << 23, v - (1 << 24), v)).astype(np.float32) / (1 << 23)
    elif tag == 1 and bits == 32:
        x = np.frombuffer(raw, dtype="<i4").astype(np.float32) / 2147483648
    else:
        raise DataError(f"{path}: WAV format {tag} with {bits}-bit samples is not supported; use PCM 8/16/24/32-bit or float32")
    return x.reshape(frames, channels), rate


def resample(x, src_rate, dst_rate):
    """Band-limited resampling (windowed sinc, Kaiser beta 8.6, cut-off at the lower Nyquist)."""
    if src_rate == dst_rate or x.shape[0] == 0:
        return x
    n_out = int(round(x.shape[0] * dst_rate / src_rate))
    ratio = dst_rate / src_rate
    cutoff = min(1.0, ratio)
    half = int(math.ceil(16 / cutoff))
    t = np.arange(n_out) / ratio
    base = np.floor(t).astype(np.int64)
    out = np.zeros((n_out, x.shape[1]), dtype=np.float64)
    for k in range(-half + 1, half + 1):
        idx = base + k
        d = t - idx
        w = cutoff * np.sinc(cutoff * d) * np.kaiser(2 * half + 1, 8.6)[np.clip(np.round(d + half).astype(np.int64), 0, 2 * half)]
        ok = (idx >= 0) & (idx < x.shape[0])
        out[ok] += w[ok, None] * x[idx[ok]]
    return out.astype(np.float32)


def audio_decoder(input_shape, sample_rate):
    """A WAV or .npy waveform → [samples, channels] at the input's rate, cropped (centre) or zero-padded."""
    length, channels = int(input_shape[0]), int(input_shape[-1]) if len(input_shape) > 1 else 1

    def decode(path):
        if path.endswith(".npy"):
            x, rate = np.load(path, mmap_mode="r").astype(np.float32), sample_rate
            x = x.reshape(x.shape[0], -1)
        else:
            x, rate = read_wav(path)
            x = resample(x, rate, sample_rate) if sample_rate else x
        if x.shape[1] != channels:
            x = x.mean(1, keepdims=True) if channels == 1 else np.repeat(x[:, :1], channels, 1) if x.shape[1] == 1 else x[:, :channels]
        if x.shape[0] >= length:
            start = (x.shape[0] - length) // 2
            x = x[start : start + length]
        else:
            x = np.concatenate([x, np.zeros((length - x.shape[0], channels), np.float32)])
        return x.reshape(input_shape)

    return decode


# -- point clouds: PLY (ascii, binary le/be), OFF, XYZ, .npy [N, 3+] -----------------------------
PLY_TYPES = {"char": "i1", "int8": "i1", "uchar": "u1", "uint8": "u1", "short": "i2", "int16": "i2", "ushort": "u2", "uint16": "u2",
             "int": "i4", "int32": "i4", "uint": "u4", "uint32": "u4", "float": "f4", "float32": "f4", "double": "f8", "float64": "f8"}


def read_ply(path):
    """→ (vertices float32 [n, 3+], faces list of index arrays or None)."""
    with open(path, "rb") as f:
        data = f.read()
    end = data.find(b"end_header")
    if not data.startswith(b"ply") or end < 0:
        raise DataError(f"{path}: not a PLY file (no ply ... end_header)")
    header = data[:end].decode("ascii", "replace").splitlines()
    body = data[data.index(b"\n", end) + 1 :]
    fmt, elements = "ascii", []
    for line in header:
        w = line.split()
        if not w:
            continue
        if w[0] == "format":
            fmt = w[1]
        elif w[0] == "element":
            elements.append([w[1], int(w[2]), []])
        elif w[0] == "property" and elements:
            elements[-1][2].append(w[1:])
    verts, faces = None, None
    if fmt == "ascii":
        tokens = body.split()
        pos = 0
        for name, count, props in elements:
            rows = []
            for _ in range(count):
                row = []
                for p in props:
                    if p[0] == "list":
                        if pos >= len(tokens):
                            break
                        k = int(tokens[pos])
                        row.append(np.array(tokens[pos + 1 : pos + 1 + k], dtype=np.int64))
                        pos += 1 + k
                    else:
                        row.append(float(tokens[pos]) if pos < len(tokens) else None)
                        pos += 1
                if pos > len(tokens):
                    raise DataError(f"{path}: the PLY declares {count} {name} elements but the file ends early; it is truncated")
                rows.append(row)
            if name == "vertex":
                verts = np.array([[v for v, p in zip(r, props) if p[0] != "list"] for r in rows], dtype=np.float32)
            elif name == "face":
                faces = [r[0] for r in rows]
    else:
        order = "<" if fmt == "binary_little_endian" else ">"
        pos = 0
        for name, count, props in elements:
            if any(p[0] == "list" for p in props):
                rows = []
                for _ in range(count):
                    row = None
                    for p in props:
                        if p[0] == "list":
                            ct, it = np.dtype(order + PLY_TYPES[p[1]]), np.dtype(order + PLY_TYPES[p[2]])
                            if pos + ct.itemsize > len(body):
                                raise DataError(f"{path}: the PLY declares {count} {name} elements but the file ends early; it is truncated")
                            k = int(np.frombuffer(body, ct, 1, pos)[0])
                            pos += ct.itemsize
                            row = np.frombuffer(body, it, k, pos).astype(np.int64)
                            pos += k * it.itemsize
                        else:
                            pos += np.dtype(PLY_TYPES[p[0]]).itemsize
                    rows.append(row)
                if name == "face":
                    faces = rows
            else:
                dt = np.dtype([(p[1], order + PLY_TYPES[p[0]]) for p in props])
                if pos + dt.itemsize * count > len(body):
                    raise DataError(f"{path}: the PLY declares {count} {name} elements but holds only {(len(body) - pos) // max(dt.itemsize, 1)}; it is truncated")
                a = np.frombuffer(body, dt, count, pos)
                pos += dt.itemsize * count
                if name == "vertex":
                    verts = np.stack([a[p[1]].astype(np.float32) for p in props], -1)
    if verts is None or verts.shape[0] == 0:
        raise DataError(f"{path}: the PLY has no vertices")
    return verts, faces


def read_off(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        words = f.read().split()
    if not words or not words[0].endswith("OFF"):
        raise DataError(f"{path}: not an OFF file (no OFF header)")
    rest = [words[0][3:]] + words[1:] if len(words[0]) > 3 else words[1:]
    rest = [w for w in rest if w]
    nv, nf = int(rest[0]), int(rest[1])
    pos = 3
    if len(rest) < pos + 3 * nv:
        raise DataError(f"{path}: the OFF declares {nv} vertices but holds fewer; it is truncated")
    verts = np.array(rest[pos : pos + 3 * nv], dtype=np.float32).reshape(nv, 3)
    pos += 3 * nv
    faces = []
    for _ in range(nf):
        if pos >= len(rest):
            raise DataError(f"{path}: the OFF declares {nf} faces but holds fewer; it is truncated")
        k = int(rest[pos])
        faces.append(np.array(rest[pos + 1 : pos + 1 + k], dtype=np.int64))
        pos += 1 + k
    return verts, faces


def read_points(path):
    low = path.lower()
    if low.endswith(".ply"):
        return read_ply(path)
    if low.endswith(".off"):
        return read_off(path)
    if low.endswith(".npy"):
        a = np.load(path, mmap_mode="r")
        if a.ndim != 2 or a.shape[1] < 3:
            raise DataError(f"{path}: a point cloud .npy is [points, 3+] (got {a.shape})")
        return np.asarray(a, dtype=np.float32), None
    rows = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            w = line.replace(",", " ").split()
            if len(w) >= 3 and NUMBER.match(w[0]):
                rows.append([float(v) for v in w])
    if not rows:
        raise DataError(f"{path}: no x y z lines")
    return np.array(rows, dtype=np.float32), None


def sample_points(verts, faces, n, rand):
    """n points: uniform on the mesh faces (area-weighted) for meshes, subsampled for clouds."""
    if faces:
        tri = [f[[0, k, k + 1]] for f in faces for k in range(1, len(f) - 1)]
        tri = np.array(tri, dtype=np.int64)
        if tri.size and tri.max() < verts.shape[0]:
            a, b, c = verts[tri[:, 0], :3], verts[tri[:, 1], :3], verts[tri[:, 2], :3]
            area = 0.5 * np.linalg.norm(np.cross(b - a, c - a), axis=1)
            if area.sum() > 0:
                pick = rand.choice(tri.shape[0], n, p=area / area.sum())
                u, v = rand.random(n), rand.random(n)
                flip = u + v > 1
                u, v = np.where(flip, 1 - u, u), np.where(flip, 1 - v, v)
                return (a[pick] + u[:, None] * (b[pick] - a[pick]) + v[:, None] * (c[pick] - a[pick])).astype(np.float32)
    idx = rand.choice(verts.shape[0], n, replace=verts.shape[0] < n)
    return verts[idx].astype(np.float32)


def point_decoder(input_shape, seed, train):
    """A file → [points, channels]: sampled (seeded per file), centred, scaled into the unit sphere;
    training examples also get a random rotation about the up (z) axis, jitter and scaling."""
    n, channels = int(input_shape[0]), int(input_shape[-1])

    def decode(path, row=0, epoch=-1):
        verts, faces = read_points(path)
        rand = np.random.default_rng([seed, row, epoch + 1])
        p = sample_points(verts, faces, n, rand)
        xyz = p[:, :3] - p[:, :3].mean(0)
        r = float(np.sqrt((xyz ** 2).sum(1)).max())
        xyz = xyz / r if r > 0 else xyz
        if train and epoch >= 0:
            t = rand.random() * 2 * math.pi
            rot = np.array([[math.cos(t), -math.sin(t), 0], [math.sin(t), math.cos(t), 0], [0, 0, 1]], np.float32)
            xyz = (xyz @ rot.T) * np.float32(0.8 + 0.4 * rand.random()) + np.clip(rand.normal(0, 0.01, xyz.shape), -0.05, 0.05)
        out = np.zeros((n, channels), np.float32)
        out[:, : min(3, channels)] = xyz[:, : min(3, channels)]
        if channels > 3 and p.shape[1] > 3:
            out[:, 3 : min(channels, p.shape[1])] = p[:, 3 : min(channels, p.shape[1])]
        return out

    return decode


# -- video: a folder of frames per clip, or .npy [T, H, W, C] -------------------------------------
def clip_decoder(input_shape):
    t, h, w, c = (int(v) for v in input_shape[-4:])

    def decode(path):
        if path.endswith(".npy"):
            a = np.load(path, mmap_mode="r")
            frames = [np.asarray(a[k]) for k in range(a.shape[0])]
            to = (lambda f: image_to_input(f.astype(np.uint8), h, w, c)) if a.dtype == np.uint8 else (lambda f: f.astype(np.float32))
        else:
            names = sorted(f for f in os.listdir(path) if f.lower().endswith(IMAGE_EXT))
            if not names:
                raise DataError(f"{path}: the clip folder has no frame images")
            frames = [os.path.join(path, f) for f in names]
            to = lambda f: load_image(f, (h, w, c))  # noqa: E731
        pick = [min(len(frames) - 1, int(k * len(frames) / t)) for k in range(t)]
        out = np.stack([to(frames[k]) for k in pick])
        if out.shape[1:] != (h, w, c):
            raise DataError(f"{path}: a frame is {out.shape[1:]} but the input expects {(h, w, c)}")
        return out.reshape(input_shape)

    return decode


# -- multimodal example folders: one file per model input, label.txt -----------------------------
def input_decoder(name, shape, spec):
    kind = spec.get("input_kinds", {}).get(name)
    if kind == "audio" or (kind is None and name.startswith("audio")):
        return audio_decoder(shape, spec.get("sample_rate", 16000))
    if kind == "points" or (kind is None and "point" in name):
        return point_decoder(shape, spec["seed"], False)
    if kind == "video" or (kind is None and len(shape) == 4):
        return clip_decoder(shape)
    if len(shape) == 3:
        return lambda p: load_image(p, shape)
    return lambda p: np.asarray(np.load(p), dtype=np.float32).reshape(shape)


class ExampleFolderItems(Dataset):
    """Example folders: one file per model input (its name without extension is the input's
    name) and label.txt with the class name."""

    def __init__(self, folders, labels, rows, inputs, decoders):
        self.folders, self.labels, self.rows, self.inputs, self.decoders = folders, labels, np.asarray(rows, np.int64), inputs, decoders

    def __len__(self):
        return self.rows.shape[0]

    def __getitem__(self, i):
        r = int(self.rows[i])
        folder = self.folders[r]
        files = {os.path.splitext(f)[0]: os.path.join(folder, f) for f in os.listdir(folder)}
        xs = []
        for name in self.inputs:
            if name not in files:
                raise DataError(f'{folder}: the example has no file for the input "{name}" (expected {name}.*); every example folder needs one file per input')
            xs.append(torch.from_numpy(np.ascontiguousarray(self.decoders[name](files[name]), dtype=np.float32)))
        return tuple(xs), torch.tensor(int(self.labels[r]), dtype=torch.int64), EMPTY


def example_folder_dataset(path, spec):
    folders = sorted(os.path.join(path, d) for d in os.listdir(path) if os.path.isdir(os.path.join(path, d)))
    targets = []
    for f in folders:
        label = os.path.join(f, "label.txt")
        if not os.path.exists(label):
            raise DataError(f"{f}: the example folder has no label.txt (the class name of the example)")
        with open(label, encoding="utf-8") as t:
            targets.append(t.read().strip())
    labels, names = classes_from_targets(targets, "label.txt", f"{path}: ")
    decoders = {n: input_decoder(n, s, spec) for n, s in spec["inputs"].items()}
    s = split_indices(len(folders), spec["validation_fraction"], spec["test_fraction"], spec["seed"])
    mk = lambda rows: ExampleFolderItems(folders, labels, rows, list(spec["inputs"]), decoders)  # noqa: E731
    return {"train": mk(s["train"]), "validation": mk(s["validation"]), "test": mk(s["test"]), "class_names": names, "normalization": None}


# -- text: windows of UTF-8 bytes with masked positions (engine/data/text.ts) --------------------
def _mask_seed(seed, epoch, window):
    return (_imul(seed + 1, 0x9E3779B1) ^ _imul(epoch + 1, 0x85EBCA6B) ^ _imul(window + 1, 0xC2B2AE35)) & 0xFFFFFFFF


def mask_window(tokens, rate, seed):
    """engine/data/text.ts maskWindow: inputs with MASK_ID at hidden positions, targets, weights."""
    rand = mulberry32(seed)
    inputs = tokens.copy()
    weights = np.zeros(tokens.shape[0], np.float32)
    real = [k for k in range(tokens.shape[0]) if tokens[k] != PAD_ID]
    for k in real:
        if rand() < rate:
            inputs[k], weights[k] = MASK_ID, 1.0
    if real and not weights.any():
        k = real[int(rand() * len(real))]
        inputs[k], weights[k] = MASK_ID, 1.0
    return inputs, tokens.copy(), weights


class TextItems(Dataset):
    def __init__(self, data, seq_len, rows, rate, seed, remask):
        self.data, self.seq_len, self.rows, self.rate, self.seed, self.remask = data, seq_len, np.asarray(rows, np.int64), rate, seed, remask
        self.epoch = 0

    def set_epoch(self, epoch):
        self.epoch = epoch

    def __len__(self):
        return self.rows.shape[0]

    def __getitem__(self, i):
        w = int(self.rows[i])
        chunk = np.asarray(self.data[w * self.seq_len : (w + 1) * self.seq_len], dtype=np.int64) + BYTE_OFFSET
        tokens = np.full(self.seq_len, PAD_ID, np.int64)
        tokens[: chunk.shape[0]] = chunk
        x, y, m = mask_window(tokens, self.rate, _mask_seed(self.seed, self.epoch if self.remask else -1, w))
        return (torch.from_numpy(x),), torch.from_numpy(y), torch.from_numpy(m)


def text_dataset(path, spec):
    data = np.memmap(path, dtype=np.uint8, mode="r") if os.path.getsize(path) else None
    if data is None:
        raise DataError(f"{path}: the text file is empty")
    seq_len = int(spec["input_shape"][0])
    windows = int(math.ceil(data.shape[0] / seq_len))
    s = split_indices(windows, spec["validation_fraction"], spec["test_fraction"], spec["seed"])
    if s["train"].shape[0] == 0:
        raise DataError(f"{path}: {data.shape[0]} bytes make {windows} windows of {seq_len}, which leave nothing to train on; use a longer text or lower the fractions")
    rate = spec.get("mask_rate", 0.15)
    mk = lambda rows, remask: TextItems(data, seq_len, rows, rate, spec["seed"], remask)  # noqa: E731
    return {"train": mk(s["train"], True), "validation": mk(s["validation"], False), "test": mk(s["test"], False), "class_names": [], "normalization": None}


# -- the entry point -----------------------------------------------------------------------------
def _folder_kind(path):
    subs = [os.path.join(path, d) for d in sorted(os.listdir(path)) if os.path.isdir(os.path.join(path, d))]
    if not subs:
        raise DataError(f"{path}: the folder has no subfolders; use one subfolder per class (or per example)")
    first = subs[0]
    names = sorted(os.listdir(first))
    if "label.txt" in names:
        return "examples"
    low = [n.lower() for n in names]
    if any(os.path.isdir(os.path.join(first, n)) for n in names):
        return "clips"
    if any(n.endswith(IMAGE_EXT) for n in low):
        return "images"
    if any(n.endswith(AUDIO_EXT) for n in low):
        return "audio"
    if any(n.endswith(POINT_EXT) for n in low):
        return "points"
    if any(n.endswith(".npy") for n in low):
        return "npy-files"
    raise DataError(f"{first}: no images, WAV audio, point clouds or .npy files in the first class folder")


def open_dataset(path, spec):
    """The train/validation/test datasets for a data file or folder.

    spec: input_shape (the first model input), inputs (name → shape, in forward() order),
    validation_fraction, test_fraction, seed, normalize, target, regression, mask_rate,
    sample_rate, input_kinds (name → image/audio/points/video), kind (force a folder kind)."""
    if not os.path.exists(path):
        raise DataError(f"{path}: no such file or folder")
    shape = tuple(spec["input_shape"])
    low = path.lower()
    if os.path.isdir(path):
        kind = spec.get("kind") or _folder_kind(path)
        if kind == "examples":
            out = example_folder_dataset(path, spec)
        elif kind == "images":
            files, labels, names, _ = class_folder_index(path, IMAGE_EXT, "PNG or JPEG images")
            out = folder_dataset(files, labels, names, spec, lambda p: load_image(p, shape), shape[-1])
        elif kind == "audio":
            files, labels, names, _ = class_folder_index(path, AUDIO_EXT + (".npy",), "WAV files")
            out = folder_dataset(files, labels, names, spec, audio_decoder(shape, spec.get("sample_rate", 16000)), shape[-1] if len(shape) > 1 else 1)
        elif kind == "points":
            files, labels, names, _ = class_folder_index(path, POINT_EXT + (".npy",), "point clouds")
            out = folder_dataset(files, labels, names, spec, point_decoder(shape, spec["seed"], False), shape[-1])
            t = out["train"]
            out["train"] = PointItems(t.files, t.labels, t.rows, t.decode, t.norm)
            out["train"].train_decode = point_decoder(shape, spec["seed"], True)
        elif kind in ("clips", "npy-files"):
            entries = sorted(os.listdir(path))
            classes = locale_sorted([d for d in entries if os.path.isdir(os.path.join(path, d))])
            files, labels = [], []
            for k, c in enumerate(classes):
                members = sorted(os.listdir(os.path.join(path, c)))
                files += [os.path.join(path, c, m) for m in members if os.path.isdir(os.path.join(path, c, m)) or m.endswith(".npy")]
                labels += [k] * (len(files) - len(labels))
            decode = clip_decoder(shape) if len(shape) == 4 else (lambda p: np.asarray(np.load(p, mmap_mode="r"), np.float32).reshape(shape))
            out = folder_dataset(files, np.array(labels, np.int64), classes, spec, decode, shape[-1])
        else:
            raise DataError(f"{path}: unknown folder kind {kind!r}")
        out["kind"] = kind
        return out
    if low.endswith(".npz"):
        arrays = npz_arrays(path)
        if "x_train" in arrays and "y_train" in arrays:
            scale = float(np.asarray(arrays["scale"])) if "scale" in arrays else 1.0
            out = {}
            for split, key in (("train", "train"), ("validation", "val"), ("test", "test")):
                x, y = arrays.get(f"x_{key}"), arrays.get(f"y_{key}")
                if x is None or y is None:
                    x, y = np.zeros((0, *shape), np.float32), np.zeros((0,), np.int64)
                out[split] = ArrayItems(x, y, np.arange(x.shape[0]), shape, None, scale, spec.get("regression", False))
            names = [str(n) for n in arrays["class_names"]] if "class_names" in arrays else []
            out.update(class_names=names, normalization=None, kind="npz-split")
            return out
        names = list(arrays)
        y_name = spec.get("target") or next((n for n in Y_NAMES if n in arrays), None)
        if y_name is None or y_name not in arrays:
            raise DataError(f"{path}: no label array (y, labels, targets...); it holds {', '.join(names)}")
        others = [n for n in names if n != y_name]
        x_name = next((n for n in X_NAMES if n in arrays and n != y_name), others[0] if len(others) == 1 else None)
        if x_name is None:
            raise DataError(f'{path}: cannot tell which array holds the features; call it "x"')
        y = arrays[y_name]
        targets = y.reshape(y.shape[0], -1) if spec.get("regression") else [str(int(v)) for v in np.asarray(y).reshape(-1)]
        out = array_dataset(arrays[x_name], targets, y_name, spec, path)
    elif low.endswith(TEXT_EXT):
        out = text_dataset(path, spec)
        out["kind"] = "text"
        return out
    elif low.endswith((".csv", ".tsv")):
        x, targets, column = read_csv(path, spec.get("target"))
        out = array_dataset(x, targets, column, spec, path)
    elif low.endswith(".json"):
        x, targets, column = read_json(path, spec.get("target"))
        out = array_dataset(x, targets, column, spec, path)
    elif low.endswith(".npy"):
        a = np.load(path, mmap_mode="r")
        if a.ndim != 2:
            raise DataError(f"{path}: a single .npy is a table [rows, columns]; save images as np.savez(path, x=..., y=...)")
        target = spec.get("target")
        t = a.shape[1] - 1 if target in (None, "") else int(target) - 1
        keep = [k for k in range(a.shape[1]) if k != t]
        column = np.asarray(a[:, t], dtype=np.float64)
        targets = column.reshape(-1, 1) if spec.get("regression") else [_js_number_text(v) if v == int(v) else repr(float(v)) for v in column]
        x = a[:, keep] if t != a.shape[1] - 1 else a[:, :-1]
        out = array_dataset(x, targets, f"column {t + 1}", spec, path)
    else:
        raise DataError(f"{path}: unknown data format; use .csv, .tsv, .json, .npy, .npz, a text file or a folder")
    out["kind"] = os.path.splitext(low)[1][1:]
    return out


class PointItems(FileItems):
    """Point-cloud training examples: a fresh seeded sample and augmentation each epoch."""

    def __getitem__(self, i):
        r = int(self.rows[i])
        x = apply_normalization(self.train_decode(self.files[r], r, self.epoch), self.norm)
        return (torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)),), torch.tensor(int(self.labels[r]), dtype=torch.int64), EMPTY


def set_epoch(ds, epoch):
    """Tell a dataset (and what it wraps) the epoch, for per-epoch masks and augmentation."""
    while ds is not None:
        if hasattr(ds, "set_epoch"):
            ds.set_epoch(epoch)
        ds = getattr(ds, "base", None)


def describe_example(ds, i):
    """Which example index i of a split is: its file (folders), row (tables) or window (text)."""
    from torch.utils.data import Subset

    while isinstance(ds, Subset):
        ds, i = ds.dataset, ds.indices[i]
    if isinstance(ds, (FileItems, ExampleFolderItems)):
        return (ds.files if isinstance(ds, FileItems) else ds.folders)[int(ds.rows[i])]
    if isinstance(ds, TextItems):
        return f"window {int(ds.rows[i])}"
    return f"row {int(ds.rows[i])}"
