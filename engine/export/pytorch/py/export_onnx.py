"""Export this package's model (model.py + weights.pt) to ONNX — exported from Perceiver Studio.

    python3 export_onnx.py [--weights weights.pt] [--out model.onnx] [--opset 17]

Writes model.onnx with every input and output named as in model.py (INPUTS; the heads in
HEADS order) and a dynamic batch axis ("batch"): any batch size runs, not only the one traced.
Integer-id inputs (INT_INPUTS) are int64; the rest float32, channels-last, exactly as the app
feeds them. Opset 17 by default: the newest PyTorch 1.13 (Debian's python3-torch) can write;
newer PyTorch accepts higher ones. Prints one JSON line {"onnx": path, "opset", "inputs",
"outputs", "maxAbsDiff"} where maxAbsDiff compares ONNX Runtime with PyTorch on a batch of 3
when the onnxruntime package is installed (null otherwise).

Needs only torch (no onnx package): pip install torch (or apt install python3-torch).
"""
import argparse
import importlib.util
import json
import os
import sys
import warnings

import torch

# Only the batch axis is dynamic; shapes the tracer bakes in (head widths, token counts) are the
# model's own constants, so its "might not generalize" warnings do not apply here.
warnings.filterwarnings("ignore", category=torch.jit.TracerWarning)

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OPSET = 17


def load_package(folder):
    """model.py and perceiver_layers.py of `folder`, loaded afresh (several packages per process)."""
    if folder not in sys.path:
        sys.path.insert(0, folder)
    sys.modules.pop("perceiver_layers", None)
    spec = importlib.util.spec_from_file_location(f"perceiver_export_{abs(hash(folder))}", os.path.join(folder, "model.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _Outputs(torch.nn.Module):
    """The model with its outputs as a tuple in HEADS order (ONNX outputs are positional)."""

    def __init__(self, net, heads):
        super().__init__()
        self.net = net
        self.heads = heads

    def forward(self, *xs):
        out = self.net(*xs)
        if isinstance(out, dict):
            return tuple(out[h] for h in self.heads)
        return out


def export(folder=HERE, out=None, weights=None, opset=DEFAULT_OPSET):
    m = load_package(folder)
    net = m.build_model()
    path = weights if weights is not None else os.path.join(folder, "weights.pt")
    if os.path.exists(path):
        m.load_weights(net, path)
    elif weights is not None:
        raise SystemExit(f"export_onnx.py: {path} does not exist")
    net.eval()
    heads = list(m.HEADS)
    wrapped = _Outputs(net, heads).eval()
    input_names = list(m.INPUTS)
    output_names = heads if len(heads) > 1 else [heads[0] if heads else "output"]
    target = out or os.path.join(folder, "model.onnx")
    example = m.example_inputs(2)
    dynamic = {name: {0: "batch"} for name in input_names + output_names}
    with torch.no_grad():
        torch.onnx.export(
            wrapped,
            example,
            target,
            input_names=input_names,
            output_names=output_names,
            dynamic_axes=dynamic,
            opset_version=opset,
            do_constant_folding=True,
        )
    result = {"onnx": target, "opset": opset, "inputs": input_names, "outputs": output_names, "maxAbsDiff": None}
    try:
        import onnxruntime  # optional: a quick check at another batch size
    except ImportError:
        onnxruntime = None
    if onnxruntime is not None:
        xs = m.example_inputs(3)
        with torch.no_grad():
            ref = wrapped(*xs)
        ref = list(ref) if isinstance(ref, tuple) else [ref]
        session = onnxruntime.InferenceSession(target, providers=["CPUExecutionProvider"])
        got = session.run(None, {n: x.numpy() for n, x in zip(input_names, xs)})
        result["maxAbsDiff"] = max(float(abs(torch.from_numpy(g) - r).max()) for g, r in zip(got, ref))
    return result


def main(argv=None):
    p = argparse.ArgumentParser(description="Export model.py (+ weights.pt) to ONNX with a dynamic batch axis.")
    p.add_argument("--weights", help="weights.pt or .safetensors (default: weights.pt beside this file, if any)")
    p.add_argument("--out", help="the ONNX file to write (default: model.onnx beside this file)")
    p.add_argument("--opset", type=int, default=DEFAULT_OPSET, help=f"ONNX opset (default {DEFAULT_OPSET}, the highest PyTorch 1.13 writes)")
    p.add_argument("--folder", default=HERE, help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    print(json.dumps(export(a.folder, a.out, a.weights, a.opset)), flush=True)


if __name__ == "__main__":
    main()
