"""Datasets for train.py, with Perceiver Studio's rules.

load_dataset(path, input_shape, ...) returns {"train", "validation", "test"} TensorDatasets of
(x float32 [n, *input_shape], y int64) plus "class_names". Formats:

* .npz exported by Perceiver Studio: x_train, y_train, x_val, y_val, x_test, y_test (+ optional
  "scale", applied to x: MNIST is stored as bytes with scale 1/255). Used exactly as split.
* .npz with features and labels ("x"/"y" or inputs/labels/images/targets…; --target names the
  labels), split like the app (seeded, fractions from the template).
* .npy: a table [rows, columns], the class in the last column (or --target N, 1-based).
* .csv / .tsv: a header row (or none), the class column by --target name or number (default the
  last); every other column is a numeric feature.
* .json: [{"feature": 1, ..., "label": "a"}, ...] or {"x": [...], "y": [...]}.
* a folder of images with one subfolder per class (PNG/JPEG, needs Pillow), resized to the
  model's input and scaled to 0..1.
"""
import csv
import json
import math
import os
import re

import numpy as np
import torch
from torch.utils.data import TensorDataset

X_NAMES = ["x", "X", "inputs", "features", "data", "images", "x_train"]
Y_NAMES = ["y", "Y", "labels", "label", "targets", "target", "classes", "y_train"]
JSON_TARGETS = ["label", "labels", "y", "target", "class"]
NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


class DataError(ValueError):
    pass


# -- the app's seeded split (engine/data/random.ts: mulberry32 + Fisher-Yates) -----------------
def _imul(a, b):
    return (a * b) & 0xFFFFFFFF


def mulberry32(seed):
    state = [seed & 0xFFFFFFFF]

    def rand():
        state[0] = (state[0] + 0x6D2B79F5) & 0xFFFFFFFF
        t = state[0]
        t = _imul(t ^ (t >> 15), t | 1)
        t ^= (t + _imul(t ^ (t >> 7), t | 61)) & 0xFFFFFFFF
        return ((t ^ (t >> 14)) & 0xFFFFFFFF) / 4294967296

    return rand


def permutation(n, seed):
    p = list(range(n))
    rand = mulberry32(seed)
    for i in range(n - 1, 0, -1):
        j = int(math.floor(rand() * (i + 1)))
        p[i], p[j] = p[j], p[i]
    return np.array(p, dtype=np.int64)


def split_indices(n, validation_fraction=0.1, test_fraction=0.2, seed=1):
    p = permutation(n, seed)
    n_test = int(math.floor(n * test_fraction + 0.5))
    n_val = int(math.floor(n * validation_fraction + 0.5))
    return {"test": p[:n_test], "validation": p[n_test : n_test + n_val], "train": p[n_test + n_val :]}


# -- classes -------------------------------------------------------------------------------------
def classes_from_targets(targets, column):
    targets = [str(t).strip() for t in targets]
    numeric = all(NUMBER.match(t) for t in targets)
    if numeric:
        for t in targets:
            if float(t) != int(float(t)):
                raise DataError(f'the target "{column}" has {t}; targets must be classes (integers or names)')
        targets = [str(int(float(t))) for t in targets]
        names = sorted(set(targets), key=int)
    else:
        names = sorted(set(targets))
    if len(names) < 2:
        raise DataError(f'the target "{column}" has only one class; a classifier needs at least two')
    index = {v: i for i, v in enumerate(names)}
    return np.array([index[t] for t in targets], dtype=np.int64), names


# -- readers: each returns (x float32 [n, ...], labels int64 [n], class_names) ------------------
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
    labels, classes = classes_from_targets(targets, names[t])
    return np.array(feats, dtype=np.float32), labels, classes


def read_json(path, target=None):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    if isinstance(doc, dict) and "x" in doc and "y" in doc:
        labels, classes = classes_from_targets(doc["y"], "y")
        return np.array(doc["x"], dtype=np.float32), labels, classes
    if not isinstance(doc, list) or not doc or not isinstance(doc[0], dict):
        raise DataError(f'{path}: expected an array of objects or {{"x": [...], "y": [...]}}')
    keys = list(doc[0].keys())
    target = target or next((k for k in JSON_TARGETS if k in keys), keys[-1])
    features = [k for k in keys if k != target]
    x = np.array([[float(o[k]) for k in features] for o in doc], dtype=np.float32)
    labels, classes = classes_from_targets([o[target] for o in doc], target)
    return x, labels, classes


def read_npy(path, target=None):
    a = np.load(path).astype(np.float32)
    if a.ndim != 2:
        raise DataError(f"{path}: a single .npy is a table [rows, columns]; save images as np.savez(path, x=..., y=...)")
    t = a.shape[1] - 1 if target in (None, "") else int(target) - 1
    labels, classes = classes_from_targets([repr(float(v)).rstrip("0").rstrip(".") for v in a[:, t]], f"column {t + 1}")
    return np.delete(a, t, axis=1), labels, classes


def read_npz_xy(arrays, path, target=None):
    names = list(arrays.keys())
    y_name = target or next((n for n in Y_NAMES if n in arrays), None)
    if y_name is None or y_name not in arrays:
        raise DataError(f"{path}: no label array (y, labels, targets...); it holds {', '.join(names)}")
    others = [n for n in names if n != y_name]
    x_name = next((n for n in X_NAMES if n in arrays and n != y_name), others[0] if len(others) == 1 else None)
    if x_name is None:
        raise DataError(f'{path}: cannot tell which array holds the features; call it "x"')
    labels, classes = classes_from_targets([str(int(v)) for v in arrays[y_name].reshape(-1)], y_name)
    return arrays[x_name].astype(np.float32), labels, classes


def read_image_folder(path, input_shape):
    try:
        from PIL import Image
    except ImportError:
        raise DataError("reading an image folder needs Pillow: pip install pillow")
    h, w, c = input_shape[-3], input_shape[-2], input_shape[-1]
    classes = sorted(d for d in os.listdir(path) if os.path.isdir(os.path.join(path, d)))
    if len(classes) < 2:
        raise DataError(f"{path}: expected one subfolder per class (at least two)")
    xs, ys = [], []
    for k, name in enumerate(classes):
        for f in sorted(os.listdir(os.path.join(path, name))):
            if not f.lower().endswith((".png", ".jpg", ".jpeg")):
                continue
            img = Image.open(os.path.join(path, name, f)).convert("L" if c == 1 else "RGB")
            if img.size != (w, h):
                img = img.resize((w, h), Image.BILINEAR)  # antialiased when shrinking, as the app resizes
            xs.append(np.asarray(img, dtype=np.float32).reshape(h, w, c) / 255.0)
            ys.append(k)
    return np.stack(xs), np.array(ys, dtype=np.int64), classes


# -- normalisation from the train split only, per channel (last axis) ---------------------------
def normalize(x, train_idx, kind):
    if kind in (None, "none"):
        return x
    t = x[train_idx].reshape(-1, x.shape[-1]).astype(np.float64)
    if kind == "minmax":
        lo, hi = t.min(0), t.max(0)
        offset, scale = lo, np.where(hi - lo > 0, 1.0 / np.maximum(hi - lo, 1e-300), 1.0)
    else:
        mean, std = t.mean(0), t.std(0)
        offset, scale = mean, np.where(std > 1e-12, 1.0 / np.maximum(std, 1e-300), 1.0)
    return ((x - offset) * scale).astype(np.float32)


def _dataset(x, y, input_shape):
    x = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))
    n = x.shape[0]
    if tuple(x.shape[1:]) != tuple(input_shape):
        if x[0].numel() != int(np.prod(input_shape)):
            raise DataError(f"examples have shape {tuple(x.shape[1:])} but the model input is {tuple(input_shape)}")
        x = x.reshape(n, *input_shape)
    return TensorDataset(x, torch.as_tensor(y, dtype=torch.int64))


def load_dataset(path, input_shape, target=None, validation_fraction=0.1, test_fraction=0.2, seed=1, normalization="none", subset=None):
    """The train/validation/test datasets for a data file or folder. subset keeps only the
    first N training examples (quick checks)."""
    if not os.path.exists(path):
        raise DataError(f"{path}: no such file or folder")
    if path.endswith(".npz"):
        arrays = dict(np.load(path))
        if "x_train" in arrays and "y_train" in arrays:
            scale = float(arrays["scale"]) if "scale" in arrays else 1.0
            parts = {}
            for split, key in (("train", "train"), ("validation", "val"), ("test", "test")):
                x = arrays.get(f"x_{key}")
                y = arrays.get(f"y_{key}")
                if x is None:
                    x = np.zeros((0, *input_shape), np.float32)
                    y = np.zeros((0,), np.int64)
                parts[split] = (x.astype(np.float32) * scale, y.astype(np.int64))
            if subset:
                parts["train"] = tuple(a[:subset] for a in parts["train"])
            names = [str(n) for n in arrays["class_names"]] if "class_names" in arrays else [str(i) for i in range(int(max(parts["train"][1].max(), 1)) + 1)]
            out = {k: _dataset(x, y, input_shape) for k, (x, y) in parts.items()}
            out["class_names"] = names
            return out
        x, y, names = read_npz_xy(arrays, path, target)
    elif os.path.isdir(path):
        x, y, names = read_image_folder(path, input_shape)
    elif path.endswith((".csv", ".tsv")):
        x, y, names = read_csv(path, target)
    elif path.endswith(".json"):
        x, y, names = read_json(path, target)
    elif path.endswith(".npy"):
        x, y, names = read_npy(path, target)
    else:
        raise DataError(f"{path}: unknown data format; use .csv, .tsv, .json, .npy, .npz or a folder of images")
    s = split_indices(len(y), validation_fraction, test_fraction, seed)
    x = normalize(x, s["train"], normalization)
    train = s["train"][:subset] if subset else s["train"]
    out = {"train": _dataset(x[train], y[train], input_shape), "validation": _dataset(x[s["validation"]], y[s["validation"]], input_shape), "test": _dataset(x[s["test"]], y[s["test"]], input_shape)}
    out["class_names"] = names
    return out
