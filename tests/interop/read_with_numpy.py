"""Reads what LogitNet wrote, with numpy only, and prints each array's shape and the SHA-256 of its
little-endian float32 bytes as JSON: the interop test compares them with LogitNet's own.

Usage: read_with_numpy.py MODEL.logitnet ARRAY.npy
  The model is a zip; its model.safetensors entry is parsed by hand (8-byte header length, JSON
  header, raw data), which is all the safetensors format is.
"""
import hashlib
import json
import struct
import sys
import zipfile

import numpy as np


def safetensors(blob):
    (length,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + length])
    data = blob[8 + length:]
    out = {}
    for name, spec in header.items():
        if name == "__metadata__":
            continue
        assert spec["dtype"] == "F32", spec
        begin, end = spec["data_offsets"]
        out[name] = np.frombuffer(data[begin:end], dtype="<f4").reshape(spec["shape"])
    return out


def describe(array):
    return {"shape": list(array.shape), "sha256": hashlib.sha256(np.ascontiguousarray(array, dtype="<f4").tobytes()).hexdigest()}


model_path, npy_path = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(model_path) as archive:
    tensors = safetensors(archive.read("model.safetensors"))
result = {name: describe(value) for name, value in tensors.items()}
result["npy"] = describe(np.load(npy_path, allow_pickle=False))
print(json.dumps(result))
