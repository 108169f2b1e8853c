"""Let transformers 4.57 import under the Debian torch 1.13 for the Perceiver classes (plain nn
modules): stubs for names newer torch has. Developer tools only."""
import types

import torch

def install():
    """Add the missing torch attributes (call before importing transformers)."""
    for _n in ['float8_e4m3fn', 'float8_e5m2', 'uint16', 'uint32', 'uint64', 'float8_e4m3fnuz', 'float8_e5m2fnuz', 'float8_e8m0fnu']:
        if not hasattr(torch, _n): setattr(torch, _n, torch.float32)
    if not hasattr(torch, '_dynamo'):
        torch._dynamo = types.SimpleNamespace(allow_in_graph=lambda f: f, is_compiling=lambda: False, disable=lambda f=None, recursive=True: (f if f else (lambda g: g)))
    if not hasattr(torch, 'compiler'):
        def _disable(fn=None, recursive=True):
            return fn if fn is not None else (lambda f: f)
        torch.compiler = types.SimpleNamespace(disable=_disable, is_compiling=lambda: False, is_dynamo_compiling=lambda: False)
