#!/usr/bin/env python3
"""Writes the small .npy files that tests/LogitNet.Tests/DataLoading/NpyTests.cs reads, with
numpy's own writer, so the reader is tested against real numpy output (not only our writer).

Run with Debian's python3-numpy: /usr/bin/python3 tools/datasets/make_npy_fixtures.py OUT_DIR
Every array is a small arange, so the tests know the values without reading numpy.
"""
import os
import sys

import numpy as np
from numpy.lib import format as npformat

out = sys.argv[1]
os.makedirs(out, exist_ok=True)


def save(name, array, version=None):
    with open(os.path.join(out, name), "wb") as f:
        npformat.write_array(f, array, version=version, allow_pickle=False)


base = np.arange(6).reshape(2, 3)
save("f4_le.npy", (base * 0.5).astype("<f4"))            # [[0, .5, 1], [1.5, 2, 2.5]]
save("f8_be.npy", (base * 0.1).astype(">f8"))            # 0.1 * arange(6), rounds to float32
save("u1.npy", np.array([0, 1, 127, 128, 255], dtype="u1"))
save("i4_be.npy", np.array([-2, 0, 2_000_000], dtype=">i4"))
save("i8_le.npy", np.array([[-1, 0], [1, 16_777_216]], dtype="<i8"))
save("v2.npy", base.astype("<f4"), version=(2, 0))
save("v3.npy", base.astype("<f4"), version=(3, 0))
save("fortran.npy", np.asfortranarray(base.astype("<f4")))
save("scalar.npy", np.array(7.25, dtype="<f4"))
save("empty.npy", np.zeros((0, 3), dtype="<f4"))
save("structured.npy", np.zeros(2, dtype=[("x", "<f4"), ("y", "<i4")]))
save("rank5.npy", np.zeros((1, 1, 1, 1, 2), dtype="<f4"))
print("wrote", sorted(os.listdir(out)))
