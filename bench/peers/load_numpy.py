"""numpy side of the fresh-process loader benchmark (issue 5): one load of the files written by
`LogitNet.Benchmarks --load-files DIR`, timed around the call only, as LoaderColdStart.cs times
Npy.Read / Idx.Read. Each produces a float32 array of 60,000 x 784, as LogitNet's loaders do.
Run it through loaders_cold.sh, which interleaves it with LogitNet in fresh processes.

Usage: load_numpy.py KIND DIR   (KIND: npy-f32, npy-u8, idx, idx-gz)
"""
import gzip
import json
import os
import sys
import time

import numpy as np


def idx_array(raw, offset):
    # The IDX header: 2 zero bytes, type code, rank, then one big-endian uint32 per axis.
    rank = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(rank))
    return np.frombuffer(raw, np.uint8, offset=offset).reshape(shape).astype(np.float32)


def load(kind, folder):
    if kind == "npy-f32":
        return np.load(os.path.join(folder, "x_f32.npy"))
    if kind == "npy-u8":
        return np.load(os.path.join(folder, "x_u8.npy")).astype(np.float32)
    if kind == "idx":
        with open(os.path.join(folder, "x.idx"), "rb") as f:
            return idx_array(f.read(), 12)
    if kind == "idx-gz":
        with gzip.open(os.path.join(folder, "x.idx.gz"), "rb") as f:
            return idx_array(f.read(), 12)
    raise SystemExit(f"unknown load {kind!r}; expected npy-f32, npy-u8, idx or idx-gz")


kind, folder = sys.argv[1], sys.argv[2]
start = time.perf_counter()
result = load(kind, folder)
ms = (time.perf_counter() - start) * 1e3
print(json.dumps({"library": "numpy", "load": kind, "ms": round(ms, 1),
                  "shape": "x".join(map(str, result.shape)), "sum": round(float(result.sum(dtype=np.float64)))}))
